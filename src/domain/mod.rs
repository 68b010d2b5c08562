//! Pure domain logic: who is calling, authority, the gate, policy rules, money and status
//! transitions.
//!
//! Nothing in here touches a database, the network, GraphQL or the clock: every function takes
//! the facts it needs as arguments and returns a decision. The persistence, platform proxy and
//! GraphQL layers sit around it.

pub mod accounts;
pub mod apple_api;
pub mod authority;
mod caller;
pub mod campaign;
pub mod classification;
pub mod codes;
pub mod gate;
pub mod layer_settings;
pub mod lifecycle;
pub mod money;
pub mod policy;
pub mod status;

use std::fmt;
use std::str::FromStr;

pub use caller::Caller;
pub use codes::UserErrorCode;

/// An ad platform a layer connects to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    Meta,
    Tiktok,
    Apple,
}

impl Platform {
    /// Every platform, in a stable order.
    pub const ALL: [Platform; 3] = [Platform::Meta, Platform::Tiktok, Platform::Apple];

    /// The lowercase code stored in the database and the audit row.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Meta => "meta",
            Platform::Tiktok => "tiktok",
            Platform::Apple => "apple",
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Platform {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "meta" => Ok(Platform::Meta),
            "tiktok" => Ok(Platform::Tiktok),
            "apple" => Ok(Platform::Apple),
            other => Err(UnknownCode(other.to_owned())),
        }
    }
}

/// A stored code that none of the known values matches.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown code `{0}`")]
pub struct UnknownCode(pub String);

/// Who is asking for a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActorKind {
    /// A dashboard user, authenticated by a customer JWT.
    Customer,
    /// A partner, authenticated by an API key with scopes, acting for one organization.
    Partner,
    /// Layers' own optimizer.
    Optimizer,
    /// Layers itself (expiry sweeps, reconciliation).
    System,
}

impl ActorKind {
    /// The lowercase code stored in the audit row (`actor_type`).
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::Customer => "customer",
            ActorKind::Partner => "partner",
            ActorKind::Optimizer => "optimizer",
            ActorKind::System => "system",
        }
    }
}

impl FromStr for ActorKind {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "customer" => Ok(ActorKind::Customer),
            "partner" => Ok(ActorKind::Partner),
            "optimizer" => Ok(ActorKind::Optimizer),
            "system" => Ok(ActorKind::System),
            other => Err(UnknownCode(other.to_owned())),
        }
    }
}

/// A partner key scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// Read campaigns, authority, pending actions and the audit log.
    AdsRead,
    /// Propose ad writes (gated like any other write).
    AdsWrite,
    /// Approve or reject pending ad writes.
    AdsWritePending,
    /// Propose campaign authority and layer default changes.
    AdsWritePolicy,
}

impl Scope {
    /// Every scope, in a stable order.
    pub const ALL: [Scope; 4] =
        [Scope::AdsRead, Scope::AdsWrite, Scope::AdsWritePending, Scope::AdsWritePolicy];

    /// The scope as written on a key (`ads:write:pending`).
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::AdsRead => "ads:read",
            Scope::AdsWrite => "ads:write",
            Scope::AdsWritePending => "ads:write:pending",
            Scope::AdsWritePolicy => "ads:write:policy",
        }
    }
}

impl FromStr for Scope {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == s).ok_or_else(|| UnknownCode(s.to_owned()))
    }
}
