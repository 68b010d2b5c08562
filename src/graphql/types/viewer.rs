//! `Viewer`: who the request is authenticated as.

use async_graphql::{Context, ID, Object};

use crate::error::ApiError;
use crate::graphql::context::services;
use crate::graphql::enums::ActorType;
use crate::service::Caller;

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Viewer(pub Caller);

#[Object]
impl Viewer {
    /// The organization every query and write is scoped to.
    async fn organization_id(&self) -> ID {
        ID(self.0.organization_id.to_string())
    }

    /// The organization's name.
    async fn organization_name(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        let org = services(ctx)?.organization(self.0.organization_id).await.map_err(ApiError::from)?;
        Ok(org.map(|o| o.name).unwrap_or_default())
    }

    /// Customer or partner.
    async fn actor_type(&self) -> ActorType {
        self.0.kind.into()
    }

    /// The user id, or the partner key id.
    async fn actor_id(&self) -> &str {
        &self.0.actor_id
    }

    /// Whether the organization's creatives need approval before ads may use them
    /// (`updateApprovalPolicy`).
    async fn requires_approval(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        let org = services(ctx)?.organization(self.0.organization_id).await.map_err(ApiError::from)?;
        Ok(org.is_some_and(|o| o.requires_approval))
    }

    /// Scopes held (every scope, for customers).
    async fn scopes(&self) -> Vec<&'static str> {
        self.0.scopes.iter().map(|scope| scope.as_str()).collect()
    }
}
