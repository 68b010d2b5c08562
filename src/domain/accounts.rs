//! Connected ad accounts: where a connection stands, who may start, confirm and disconnect one,
//! and when its token is due for a refresh. Pure: no clock reading, no I/O.
//!
//! "Partners can start the flow; only the customer completes it": a customer-started connection
//! is active at once; a partner-started one waits (`awaiting_customer`) until the customer
//! confirms it. Confirming and disconnecting are the customer's alone (`customer_only`).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};

use super::{ActorKind, Scope, UnknownCode};

/// Where a connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountStatus {
    /// Started by a partner; writes do not use it until the customer confirms.
    AwaitingCustomer,
    /// In use for the layer's writes.
    Active,
    /// The last refresh failed: writes fail with `PLATFORM_AUTH_EXPIRED` until it is reconnected
    /// or a later refresh succeeds.
    RefreshFailed,
    /// Disconnected by the customer, or superseded by a newer connection; its tokens are erased.
    Disconnected,
}

impl AccountStatus {
    /// The stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::AwaitingCustomer => "awaiting_customer",
            AccountStatus::Active => "active",
            AccountStatus::RefreshFailed => "refresh_failed",
            AccountStatus::Disconnected => "disconnected",
        }
    }
}

impl fmt::Display for AccountStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AccountStatus {
    type Err = UnknownCode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "awaiting_customer" => Ok(AccountStatus::AwaitingCustomer),
            "active" => Ok(AccountStatus::Active),
            "refresh_failed" => Ok(AccountStatus::RefreshFailed),
            "disconnected" => Ok(AccountStatus::Disconnected),
            other => Err(UnknownCode(other.to_owned())),
        }
    }
}

/// Whether `actor` (holding `scopes`) may start a connection: customers, and partners with
/// `ads:write`. Layers' own actors never connect accounts.
pub fn may_start(actor: ActorKind, scopes: &[Scope]) -> bool {
    match actor {
        ActorKind::Customer => true,
        ActorKind::Partner => scopes.contains(&Scope::AdsWrite),
        ActorKind::Optimizer | ActorKind::System => false,
    }
}

/// The status a new connection starts in: active when the customer started it, else waiting.
pub fn initial_status(initiator: ActorKind) -> AccountStatus {
    if initiator == ActorKind::Customer { AccountStatus::Active } else { AccountStatus::AwaitingCustomer }
}

/// Decides a confirm or disconnect: the customer only; everyone else is denied `customer_only`.
pub use super::policy::decide_customer_only;

/// Whether a token expiring at `expires_at` must be refreshed at `now`, `margin` ahead of its
/// expiry. A token without an expiry (TikTok's long-term tokens) never is.
pub fn needs_refresh(expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>, margin: Duration) -> bool {
    expires_at.is_some_and(|at| at - margin <= now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::gate::Decision;

    #[test]
    fn statuses_round_trip() {
        for status in [
            AccountStatus::AwaitingCustomer,
            AccountStatus::Active,
            AccountStatus::RefreshFailed,
            AccountStatus::Disconnected,
        ] {
            assert_eq!(status.as_str().parse::<AccountStatus>(), Ok(status));
        }
        assert!("paused".parse::<AccountStatus>().is_err());
    }

    #[test]
    fn customers_and_writing_partners_start_and_only_customers_finish() {
        assert!(may_start(ActorKind::Customer, &[]));
        assert!(may_start(ActorKind::Partner, &[Scope::AdsWrite]));
        assert!(!may_start(ActorKind::Partner, &[Scope::AdsRead]));
        assert!(!may_start(ActorKind::Optimizer, &Scope::ALL));
        assert_eq!(initial_status(ActorKind::Customer), AccountStatus::Active);
        assert_eq!(initial_status(ActorKind::Partner), AccountStatus::AwaitingCustomer);
        assert_eq!(decide_customer_only(ActorKind::Customer).decision, Decision::Allow);
        let denied = decide_customer_only(ActorKind::Partner);
        assert_eq!(denied.reason_code().as_deref(), Some("customer_only"));
    }

    #[test]
    fn refresh_is_due_within_the_margin() {
        let now = DateTime::from_timestamp(1_000_000, 0).expect("time");
        let margin = Duration::minutes(10);
        assert!(!needs_refresh(None, now, margin));
        assert!(!needs_refresh(Some(now + Duration::minutes(11)), now, margin));
        assert!(needs_refresh(Some(now + Duration::minutes(10)), now, margin));
        assert!(needs_refresh(Some(now - Duration::minutes(1)), now, margin));
    }
}
