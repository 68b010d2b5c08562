//! The typed error every platform adapter returns.
//!
//! Each platform's native failure (an HTTP status, Meta's `{error:{code,…}}`, TikTok's non-zero
//! envelope `code`, Apple's `{error:{errors:[…]}}`) is translated into one of these variants, so the
//! gate and the audit trail never see a platform-specific shape. This module must not log or hold
//! secrets: messages are the platform's own words or a fixed description.

/// Why a platform refused or could not take a write.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlatformError {
    /// A temporary failure (network, 5xx, platform outage): the same write may succeed later.
    #[error("platform temporarily unavailable: {message}")]
    Transient {
        /// What went wrong.
        message: String,
    },
    /// The platform throttled the account or the app.
    #[error("platform rate limit reached: {message}")]
    RateLimited {
        /// How long the platform asked to wait, when it said.
        retry_after_secs: Option<u64>,
        /// What went wrong.
        message: String,
    },
    /// The stored access token is expired or revoked: the customer must reconnect the account.
    #[error("platform authorization expired: {message}")]
    AuthExpired {
        /// What went wrong.
        message: String,
    },
    /// The platform refused the write for good (permissions, policy, unknown object).
    #[error("platform refused the write: {message}")]
    Permanent {
        /// What went wrong.
        message: String,
    },
    /// The write cannot be expressed on this platform, or the platform rejected one of its fields.
    #[error("invalid request for the platform: {message}")]
    InvalidRequest {
        /// The normalized field at fault (`dailyBudgetCents`, `outcome`, …), when known.
        field: Option<String>,
        /// What is wrong with it.
        message: String,
    },
}

impl PlatformError {
    /// A stable code for the audit row and the API (`PLATFORM_RATE_LIMITED`, …).
    pub fn code(&self) -> &'static str {
        match self {
            PlatformError::Transient { .. } => "PLATFORM_TRANSIENT",
            PlatformError::RateLimited { .. } => "PLATFORM_RATE_LIMITED",
            PlatformError::AuthExpired { .. } => "PLATFORM_AUTH_EXPIRED",
            PlatformError::Permanent { .. } => "PLATFORM_PERMANENT",
            PlatformError::InvalidRequest { .. } => "PLATFORM_INVALID_REQUEST",
        }
    }

    /// What the audit row records of the failure: the code, the message and whatever the
    /// platform said about it.
    pub fn audit_detail(&self) -> serde_json::Value {
        serde_json::json!({ "code": self.code(), "message": self.to_string(), "retryable": self.is_retryable() })
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

    /// An invalid request blamed on one normalized field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        PlatformError::InvalidRequest { field: Some(field.to_owned()), message: message.into() }
    }

    /// A temporary failure.
    pub fn transient(message: impl Into<String>) -> Self {
        PlatformError::Transient { message: message.into() }
    }

    /// A permanent refusal.
    pub fn permanent(message: impl Into<String>) -> Self {
        PlatformError::Permanent { message: message.into() }
    }

    /// An expired or revoked authorization.
    pub fn auth_expired(message: impl Into<String>) -> Self {
        PlatformError::AuthExpired { message: message.into() }
    }

    /// A rate limit, with the wait the platform asked for when it said.
    pub fn rate_limited(retry_after_secs: Option<u64>, message: impl Into<String>) -> Self {
        PlatformError::RateLimited { retry_after_secs, message: message.into() }
    }
}
