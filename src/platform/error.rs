//! The typed error every platform adapter returns.
//!
//! Each platform's native failure (an HTTP status, Meta's `{error:{code,…}}`, TikTok's non-zero
//! envelope `code`, Apple's `{error:{errors:[…]}}`) is translated into one of these variants, so the
//! gate and the audit trail never see a platform-specific shape. The platform's own identifiers
//! (HTTP status, Meta `code`/`error_subcode`/`fbtrace_id`, TikTok `code`/`request_id`, Apple
//! `messageCode`/`field`) ride along as a [`NativeErrorDetail`] so the audit row keeps them. This
//! module must not log or hold secrets: messages are the platform's own words or a fixed description.

use serde::Serialize;

/// What the platform itself said about a failure, in its own terms, for the audit row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "platform", rename_all = "snake_case")]
pub enum NativeErrorDetail {
    /// A Meta Graph API error object.
    Meta {
        /// The HTTP status of the answer.
        http_status: u16,
        /// Meta's `error.code`.
        code: Option<i64>,
        /// Meta's `error.error_subcode`.
        error_subcode: Option<i64>,
        /// Meta's `error.type` (`OAuthException`, …).
        #[serde(rename = "type")]
        error_type: Option<String>,
        /// Meta's `error.fbtrace_id`, the id Meta support asks for.
        fbtrace_id: Option<String>,
    },
    /// A TikTok Business API envelope with a non-zero `code`.
    Tiktok {
        /// The HTTP status of the answer (TikTok reports most errors under 200).
        http_status: u16,
        /// TikTok's envelope `code`.
        code: Option<i64>,
        /// TikTok's `request_id`, the id TikTok support asks for.
        request_id: Option<String>,
    },
    /// An Apple error: v5's error list (its first entry), or the Apple Ads Platform API's
    /// `Error` envelope (its `code` and first `details` entry).
    Apple {
        /// The HTTP status of the answer.
        http_status: u16,
        /// Apple's `messageCode` (v5: `INVALID_INPUT`, …) or `code` (v1: `INVALID_ARGUMENT`, …).
        #[serde(rename = "messageCode")]
        message_code: Option<String>,
        /// Apple's native `field` path (`campaign.dailyBudgetAmount`; v1: a detail's `info.field`).
        field: Option<String>,
        /// v1: the first detail's `code` (`FIELD_REQUIRED`, …).
        #[serde(rename = "detailCode", default, skip_serializing_if = "Option::is_none")]
        detail_code: Option<String>,
    },
    /// An answer whose body said nothing readable: only its HTTP status.
    Http {
        /// The HTTP status of the answer.
        http_status: u16,
    },
}

/// Why a platform refused or could not take a write.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlatformError {
    /// A temporary failure (network, timeout, 5xx, platform outage): the same write may succeed later.
    #[error("platform temporarily unavailable: {message}")]
    Transient {
        /// What went wrong.
        message: String,
        /// What the platform said, when it answered.
        native: Option<Box<NativeErrorDetail>>,
    },
    /// The platform throttled the account or the app.
    #[error("platform rate limit reached: {message}")]
    RateLimited {
        /// How long the platform asked to wait, when it said.
        retry_after_secs: Option<u64>,
        /// What went wrong.
        message: String,
        /// What the platform said, when it answered.
        native: Option<Box<NativeErrorDetail>>,
    },
    /// The stored access token is expired or revoked: the customer must reconnect the account.
    #[error("platform authorization expired: {message}")]
    AuthExpired {
        /// What went wrong.
        message: String,
        /// What the platform said, when it answered.
        native: Option<Box<NativeErrorDetail>>,
    },
    /// The platform refused the write for good (permissions, policy, unknown object).
    #[error("platform refused the write: {message}")]
    Permanent {
        /// What went wrong.
        message: String,
        /// What the platform said, when it answered.
        native: Option<Box<NativeErrorDetail>>,
    },
    /// The write may have reached the platform and nobody can tell yet whether it was applied (a
    /// create that timed out and could not be read back). It must not be sent again blindly: the
    /// dispatch stays in flight and the reconciler settles it from what the platform shows.
    #[error("platform outcome unknown: {message}")]
    OutcomeUnknown {
        /// What happened.
        message: String,
        /// What the platform said, when it answered.
        native: Option<Box<NativeErrorDetail>>,
    },
    /// The write cannot be expressed on this platform, or the platform rejected one of its fields.
    #[error("invalid request for the platform: {message}")]
    InvalidRequest {
        /// The normalized field at fault (`dailyBudgetCents`, `outcome`, …), when known.
        field: Option<String>,
        /// What is wrong with it.
        message: String,
        /// What the platform said, when it answered.
        native: Option<Box<NativeErrorDetail>>,
    },
}

impl PlatformError {
    /// The same code for a `userErrors` entry.
    pub fn user_error_code(&self) -> crate::domain::UserErrorCode {
        use crate::domain::UserErrorCode as Code;
        match self {
            PlatformError::Transient { .. } => Code::PlatformTransient,
            PlatformError::RateLimited { .. } => Code::PlatformRateLimited,
            PlatformError::AuthExpired { .. } => Code::PlatformAuthExpired,
            PlatformError::Permanent { .. } => Code::PlatformPermanent,
            PlatformError::OutcomeUnknown { .. } => Code::PlatformOutcomeUnknown,
            PlatformError::InvalidRequest { .. } => Code::PlatformInvalidRequest,
        }
    }

    /// A stable code for the audit row and the API (`PLATFORM_RATE_LIMITED`, …).
    pub fn code(&self) -> &'static str {
        match self {
            PlatformError::Transient { .. } => "PLATFORM_TRANSIENT",
            PlatformError::RateLimited { .. } => "PLATFORM_RATE_LIMITED",
            PlatformError::AuthExpired { .. } => "PLATFORM_AUTH_EXPIRED",
            PlatformError::Permanent { .. } => "PLATFORM_PERMANENT",
            PlatformError::OutcomeUnknown { .. } => "PLATFORM_OUTCOME_UNKNOWN",
            PlatformError::InvalidRequest { .. } => "PLATFORM_INVALID_REQUEST",
        }
    }

    /// What the audit row records of the failure: the code, the message, whether it may be
    /// retried, the wait a rate limit asked for, the field at fault and whatever the platform said
    /// about it (`native`: HTTP status and the platform's own error identifiers).
    pub fn audit_detail(&self) -> serde_json::Value {
        let mut detail = serde_json::json!({
            "code": self.code(),
            "message": self.to_string(),
            "retryable": self.is_retryable(),
        });
        if let Some(secs) = self.retry_after_secs() {
            detail["retryAfterSecs"] = serde_json::json!(secs);
        }
        if let Some(field) = self.field() {
            detail["field"] = serde_json::json!(field);
        }
        if let Some(native) = self.native() {
            detail["native"] = serde_json::to_value(native).unwrap_or(serde_json::Value::Null);
        }
        detail
    }

    /// Whether sending the same write again later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, PlatformError::Transient { .. } | PlatformError::RateLimited { .. })
    }

    /// The field an invalid request points at, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            PlatformError::InvalidRequest { field, .. } => field.as_deref(),
            _ => None,
        }
    }

    /// How long a rate limit asked to wait, when it said.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            PlatformError::RateLimited { retry_after_secs, .. } => *retry_after_secs,
            _ => None,
        }
    }

    /// What the platform said about the failure, when it answered.
    pub fn native(&self) -> Option<&NativeErrorDetail> {
        self.native_slot().as_deref()
    }

    /// The same error carrying what the platform said about it.
    pub fn with_native(mut self, detail: NativeErrorDetail) -> Self {
        *self.native_slot_mut() = Some(Box::new(detail));
        self
    }

    /// The same failure, recorded as of unknown outcome: the write may have been applied.
    pub fn into_outcome_unknown(self, context: &str) -> Self {
        let native = self.native_slot().clone();
        PlatformError::OutcomeUnknown { message: format!("{context}: {self}"), native }
    }

    /// The same error with its message prefixed by some context (`after 3 attempts: …`).
    pub fn with_context(mut self, context: &str) -> Self {
        let message = match &mut self {
            PlatformError::Transient { message, .. }
            | PlatformError::RateLimited { message, .. }
            | PlatformError::AuthExpired { message, .. }
            | PlatformError::Permanent { message, .. }
            | PlatformError::OutcomeUnknown { message, .. }
            | PlatformError::InvalidRequest { message, .. } => message,
        };
        *message = format!("{context}: {message}");
        self
    }

    /// The same error with the wait a rate limit asked for (other errors are returned unchanged).
    pub fn with_retry_after(mut self, secs: Option<u64>) -> Self {
        if let (PlatformError::RateLimited { retry_after_secs, .. }, Some(secs)) = (&mut self, secs) {
            *retry_after_secs = Some(secs);
        }
        self
    }

    fn native_slot(&self) -> &Option<Box<NativeErrorDetail>> {
        match self {
            PlatformError::Transient { native, .. }
            | PlatformError::RateLimited { native, .. }
            | PlatformError::AuthExpired { native, .. }
            | PlatformError::Permanent { native, .. }
            | PlatformError::OutcomeUnknown { native, .. }
            | PlatformError::InvalidRequest { native, .. } => native,
        }
    }

    fn native_slot_mut(&mut self) -> &mut Option<Box<NativeErrorDetail>> {
        match self {
            PlatformError::Transient { native, .. }
            | PlatformError::RateLimited { native, .. }
            | PlatformError::AuthExpired { native, .. }
            | PlatformError::Permanent { native, .. }
            | PlatformError::OutcomeUnknown { native, .. }
            | PlatformError::InvalidRequest { native, .. } => native,
        }
    }

    /// An invalid request blamed on one normalized field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        PlatformError::InvalidRequest { field: Some(field.to_owned()), message: message.into(), native: None }
    }

    /// An invalid request blamed on no field in particular (or on one, when known).
    pub fn invalid_request(field: Option<String>, message: impl Into<String>) -> Self {
        PlatformError::InvalidRequest { field, message: message.into(), native: None }
    }

    /// A temporary failure.
    pub fn transient(message: impl Into<String>) -> Self {
        PlatformError::Transient { message: message.into(), native: None }
    }

    /// A permanent refusal.
    pub fn permanent(message: impl Into<String>) -> Self {
        PlatformError::Permanent { message: message.into(), native: None }
    }

    /// An expired or revoked authorization.
    pub fn auth_expired(message: impl Into<String>) -> Self {
        PlatformError::AuthExpired { message: message.into(), native: None }
    }

    /// A rate limit, with the wait the platform asked for when it said.
    pub fn rate_limited(retry_after_secs: Option<u64>, message: impl Into<String>) -> Self {
        PlatformError::RateLimited { retry_after_secs, message: message.into(), native: None }
    }
}
