//! The authenticated caller of a request: whose organization, which kind of actor, which scopes.

use uuid::Uuid;

use super::{ActorKind, Scope};

/// Who is calling, resolved from a customer JWT, a system JWT or a partner key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The organization every read and write is scoped to.
    pub organization_id: Uuid,
    /// Customer, partner, optimizer or system.
    pub kind: ActorKind,
    /// The user id (`sub`) for customers, the key id for partners, a fixed name otherwise.
    pub actor_id: String,
    /// The partner key, for partners.
    pub api_key_id: Option<Uuid>,
    /// Scopes held; only consulted for partners.
    pub scopes: Vec<Scope>,
}

impl Caller {
    /// A dashboard user of `organization_id`.
    pub fn customer(organization_id: Uuid, user: impl Into<String>) -> Self {
        Caller {
            organization_id,
            kind: ActorKind::Customer,
            actor_id: user.into(),
            api_key_id: None,
            scopes: Scope::ALL.to_vec(),
        }
    }

    /// A partner acting for `organization_id` with a key holding `scopes`.
    pub fn partner(organization_id: Uuid, key_id: Uuid, scopes: Vec<Scope>) -> Self {
        Caller {
            organization_id,
            kind: ActorKind::Partner,
            actor_id: key_id.to_string(),
            api_key_id: Some(key_id),
            scopes,
        }
    }

    /// Layers' optimizer acting for `organization_id`.
    pub fn optimizer(organization_id: Uuid) -> Self {
        Caller {
            organization_id,
            kind: ActorKind::Optimizer,
            actor_id: "optimizer".to_owned(),
            api_key_id: None,
            scopes: Scope::ALL.to_vec(),
        }
    }

    /// Layers' own workflow `name` (the generation workflow, the sandbox) acting for
    /// `organization_id`: authenticated by a system token (`"act": "system"`).
    pub fn system(organization_id: Uuid, name: impl Into<String>) -> Self {
        Caller {
            organization_id,
            kind: ActorKind::System,
            actor_id: name.into(),
            api_key_id: None,
            scopes: Scope::ALL.to_vec(),
        }
    }

    /// `<kind>:<actor id>` (`customer:u1`), as a changed row records who changed it.
    pub fn label(&self) -> String {
        format!("{}:{}", self.kind.as_str(), self.actor_id)
    }

    /// Whether the caller holds `scope` (everyone but partners holds every scope).
    pub fn has_scope(&self, scope: Scope) -> bool {
        self.kind != ActorKind::Partner || self.scopes.contains(&scope)
    }
}
