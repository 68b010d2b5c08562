//! The native request a platform would receive, and the receipt of a dispatched write.
//!
//! A `NativeRequest` is what gets recorded in the audit row and replayed by a live adapter
//! against a base URL. It must never carry a secret: the access token header always holds
//! [`REDACTED`], and a live adapter substitutes the real token only when it sends.

use std::collections::BTreeMap;

use serde::Serialize;

/// What a secret header shows in a recorded request.
pub const REDACTED: &str = "<redacted>";

/// One HTTP request in the platform's own shape, relative to the platform's base URL.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NativeRequest {
    /// The HTTP method (`POST`, `PUT`, `DELETE`).
    pub method: String,
    /// The path below the platform's base URL (`/v27.0/act_123/campaigns`).
    pub path: String,
    /// The headers, secrets shown as `<redacted>`.
    pub headers: BTreeMap<String, String>,
    /// The JSON body (`null` for a body-less request).
    pub body: serde_json::Value,
}

impl NativeRequest {
    /// A request with a JSON content type and an empty body.
    pub fn new(method: &str, path: impl Into<String>) -> Self {
        let mut headers = BTreeMap::new();
        headers.insert("Content-Type".to_owned(), "application/json".to_owned());
        NativeRequest { method: method.to_owned(), path: path.into(), headers, body: serde_json::Value::Null }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.insert(name.to_owned(), value.into());
        self
    }

    /// Sets the JSON body.
    pub fn body(mut self, body: serde_json::Value) -> Self {
        self.body = body;
        self
    }
}

/// What the platform did with a write: its id for the object, what was sent, what came back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DispatchReceipt {
    /// The platform's id of the created or changed object.
    pub platform_id: Option<String>,
    /// The request as sent (secrets redacted).
    pub native_request: NativeRequest,
    /// The platform's response body.
    pub native_response: serde_json::Value,
    /// What went wrong on the attempts before the one that settled it (each error's audit
    /// detail, oldest first); empty when the first attempt did.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub earlier_attempts: Vec<serde_json::Value>,
}

impl DispatchReceipt {
    /// A receipt of a write settled on its first attempt.
    pub fn new(
        platform_id: Option<String>,
        native_request: NativeRequest,
        native_response: serde_json::Value,
    ) -> Self {
        DispatchReceipt { platform_id, native_request, native_response, earlier_attempts: Vec::new() }
    }

    /// The receipt, noting the failed attempts before it.
    pub fn after(mut self, earlier_attempts: Vec<serde_json::Value>) -> Self {
        self.earlier_attempts = earlier_attempts;
        self
    }
}
