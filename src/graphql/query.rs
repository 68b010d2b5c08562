//! The query root: everything the dashboard reads, scoped to the caller's organization.

use async_graphql::{Context, ID, Object};

use super::context::{caller, reader, services};
use super::enums::{Decision, PendingActionStatus, Platform};
use super::types::{
    AdAccountAuthorization, AuditRow, Campaign, Conn, ConnectedAccount, Creative, CreativeState, Layer, Node,
    PendingAction, Viewer, connection,
};
use crate::domain;
use crate::error::ApiError;
use crate::ids::{self, NodeKind};
use crate::store::audit::AuditFilter;
use crate::store::codes::LayerCodes;
use crate::store::pending::PendingFilter;
use crate::store::{self, PageRequest, tenancy};

/// Reads.
#[derive(Debug, Default)]
pub struct QueryRoot;

#[Object(name = "Query")]
impl QueryRoot {
    /// Who the request is authenticated as.
    async fn viewer(&self, ctx: &Context<'_>) -> async_graphql::Result<Viewer> {
        Ok(Viewer(caller(ctx)?.clone()))
    }

    /// The caller's three platform layers.
    async fn layers(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Layer>> {
        let caller = reader(ctx)?;
        let mut layers = tenancy::layers_of(&services(ctx)?.reads, caller.organization_id)
            .await
            .map_err(ApiError::from)?;
        layers.sort_by_key(|layer| layer.platform().ok());
        Ok(layers.into_iter().map(Layer).collect())
    }

    /// One platform layer: defaults, kill switch, currency, campaigns.
    async fn layer(&self, ctx: &Context<'_>, platform: Platform) -> async_graphql::Result<Option<Layer>> {
        let caller = reader(ctx)?;
        let layer =
            tenancy::layer_by_platform(&services(ctx)?.reads, caller.organization_id, platform.into())
                .await
                .map_err(ApiError::from)?;
        Ok(layer.map(Layer))
    }

    /// One campaign; null when it does not exist or is not the caller's.
    async fn campaign(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Campaign>> {
        let caller = reader(ctx)?;
        let id = ids::decode(NodeKind::Campaign, &id).map_err(ApiError::from)?;
        let found = tenancy::campaign(&services(ctx)?.reads, caller.organization_id, id)
            .await
            .map_err(ApiError::from)?;
        Ok(found.map(Campaign::from))
    }

    /// Campaigns, newest first, optionally of one platform.
    async fn campaigns(
        &self,
        ctx: &Context<'_>,
        platform: Option<Platform>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Conn<Campaign>> {
        let caller = reader(ctx)?;
        let request = PageRequest::new(first, after.as_deref()).map_err(ApiError::from)?;
        let page = store::campaigns::list(
            &services(ctx)?.reads,
            caller.organization_id,
            None,
            platform.map(Into::into),
            request,
        )
        .await
        .map_err(ApiError::from)?;
        let page = crate::graphql::prefetch::campaign_page(ctx, page).await?;
        Ok(connection(page, |c| c.row().id, |c| c))
    }

    /// Pending actions, newest first, filtered by platform, status and campaign.
    async fn pending_actions(
        &self,
        ctx: &Context<'_>,
        platform: Option<Platform>,
        status: Option<PendingActionStatus>,
        campaign_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Conn<PendingAction>> {
        let caller = reader(ctx)?;
        let request = PageRequest::new(first, after.as_deref()).map_err(ApiError::from)?;
        let filter = PendingFilter {
            platform: platform.map(Into::into),
            status: status.map(Into::into),
            campaign_id: campaign_id
                .map(|id| ids::decode(NodeKind::Campaign, &id))
                .transpose()
                .map_err(ApiError::from)?,
        };
        let page = store::pending::list(&services(ctx)?.reads, caller.organization_id, &filter, request)
            .await
            .map_err(ApiError::from)?;
        Ok(connection(page, |a| a.id, PendingAction))
    }

    /// The audit log, newest first, filtered by platform, campaign, event, decision and dispatch status.
    #[allow(clippy::too_many_arguments)]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        platform: Option<Platform>,
        campaign_id: Option<ID>,
        event: Option<String>,
        decision: Option<Decision>,
        #[graphql(
            desc = "Only allowed writes whose dispatch is `in_flight`, `succeeded`, `failed` or `unknown` (needs someone to check)."
        )]
        dispatch_status: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Conn<AuditRow>> {
        let caller = reader(ctx)?;
        let request = PageRequest::new(first, after.as_deref()).map_err(ApiError::from)?;
        if event.as_deref().is_some_and(|event| event.contains('\0')) {
            return Err(ApiError::BadUserInput("`event` must not contain NUL characters".to_owned()).into());
        }
        if dispatch_status.as_deref().is_some_and(|status| !store::audit::ledger::STATUSES.contains(&status))
        {
            return Err(ApiError::BadUserInput(
                "`dispatchStatus` must be `in_flight`, `succeeded`, `failed` or `unknown`".to_owned(),
            )
            .into());
        }
        let filter = AuditFilter {
            platform: platform.map(Into::into),
            campaign_id: campaign_id
                .map(|id| ids::decode(NodeKind::Campaign, &id))
                .transpose()
                .map_err(ApiError::from)?,
            event,
            decision: decision.map(|d| domain::gate::Decision::from(d).as_str().to_owned()),
            dispatch_status,
        };
        let page = store::audit::list(&services(ctx)?.reads, caller.organization_id, &filter, request)
            .await
            .map_err(ApiError::from)?;
        Ok(connection(page, |row| row.id, AuditRow))
    }

    /// The audit row of a verdict id, as a write returned it.
    async fn verdict(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<AuditRow>> {
        let caller = reader(ctx)?;
        let Ok(id) = uuid::Uuid::try_parse(&id) else {
            return Err(ApiError::BadUserInput(format!(
                "`{}` is not a verdict id",
                id.chars().take(64).collect::<String>()
            ))
            .into());
        };
        let row = store::audit::find(&services(ctx)?.reads, caller.organization_id, id)
            .await
            .map_err(ApiError::from)?;
        Ok(row.map(AuditRow))
    }

    /// Creatives, newest first, only those in lifecycle `state` if given (filtered before
    /// paging, so every page is full and cursors stay valid).
    async fn creatives(
        &self,
        ctx: &Context<'_>,
        state: Option<CreativeState>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Conn<Creative>> {
        let caller = reader(ctx)?;
        let services = services(ctx)?;
        let db = &services.reads;
        let request = PageRequest::new(first, after.as_deref()).map_err(ApiError::from)?;
        let page = services
            .creatives_page(caller.organization_id, state.map(Into::into), request)
            .await
            .map_err(ApiError::from)?;
        let containers: Vec<uuid::Uuid> = page.items.iter().map(|c| c.id).collect();
        let mut contents = store::creatives::contents_of(db, &containers).await.map_err(ApiError::from)?;
        crate::graphql::types::prefetch_creative_states(ctx, &containers).await?;
        Ok(connection(
            page,
            |c| c.id,
            |container| {
                let content = contents.remove(&container.id);
                Creative::from((container, content))
            },
        ))
    }

    /// Optimizer cycles, newest first, with what each proposed.
    async fn optimizer_runs(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Conn<crate::graphql::types::OptimizerRun>> {
        let caller = reader(ctx)?;
        let request = PageRequest::new(first, after.as_deref()).map_err(ApiError::from)?;
        let page = store::optimizer::runs(&services(ctx)?.reads, caller.organization_id, request)
            .await
            .map_err(ApiError::from)?;
        Ok(connection(page, |run| run.id, crate::graphql::types::OptimizerRun))
    }

    /// The URL that starts connecting the caller's own `platform` ad account (OAuth), with a
    /// signed, expiring, single-use `state`. Customers and partner keys with `ads:write` may
    /// start it; a partner-started connection waits for the customer's `confirmAdAccount`.
    /// `externalAccountId` names the account to connect (Meta ad account, TikTok advertiser;
    /// required for Apple: the Search Ads organization id); without it the first one the
    /// platform authorizes is taken.
    async fn ad_account_authorization_url(
        &self,
        ctx: &Context<'_>,
        platform: Platform,
        external_account_id: Option<String>,
    ) -> async_graphql::Result<AdAccountAuthorization> {
        let caller = caller(ctx)?;
        let authorization =
            services(ctx)?.authorization_url(caller, platform.into(), external_account_id.as_deref())?;
        Ok(authorization.into())
    }

    /// Any object by its global id; null when it does not exist or is not the caller's.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        let caller = reader(ctx)?;
        let (kind, id) = ids::decode_any(&id).map_err(ApiError::from)?;
        let (db, org) = (&services(ctx)?.reads, caller.organization_id);
        let node = match kind {
            NodeKind::Layer => {
                tenancy::layer(db, org, id).await.map_err(ApiError::from)?.map(|m| Node::Layer(Layer(m)))
            }
            NodeKind::Campaign => tenancy::campaign(db, org, id)
                .await
                .map_err(ApiError::from)?
                .map(|m| Node::Campaign(m.into())),
            NodeKind::AdSet => {
                tenancy::ad_set(db, org, id).await.map_err(ApiError::from)?.map(|m| Node::AdSet(m.into()))
            }
            NodeKind::Ad => {
                tenancy::ad(db, org, id).await.map_err(ApiError::from)?.map(|m| Node::Ad(m.into()))
            }
            NodeKind::Creative => tenancy::creative(db, org, id)
                .await
                .map_err(ApiError::from)?
                .map(|rows| Node::Creative(rows.into())),
            NodeKind::PendingAction => store::pending::find(db, org, id)
                .await
                .map_err(ApiError::from)?
                .map(|m| Node::PendingAction(PendingAction(m))),
            NodeKind::AuditRow => store::audit::find(db, org, id)
                .await
                .map_err(ApiError::from)?
                .map(|m| Node::AuditRow(AuditRow(m))),
            NodeKind::ConnectedAccount => store::accounts::find(db, org, id)
                .await
                .map_err(ApiError::from)?
                .map(|m| Node::ConnectedAccount(ConnectedAccount(m))),
        };
        Ok(node)
    }
}
