//! Reading the creative library by derived state, filtered in the database so pages stay right.
//!
//! A state is not stored: `domain::lifecycle::state_condition` says which stored facts define
//! each one, and each fact becomes a condition on the page query (the container's status and
//! approval, and `EXISTS` subqueries on its ads-content row and its ads). The one fact that is not
//! stored is fatigue, which is classified from metrics: for `LIVE` and `FATIGUED` the creatives
//! with a fatigued active ad are computed first (one pass over the organization's ads in ad sets
//! that have an active ad, the same classification `Ad.classification` shows) and the query
//! takes or leaves exactly those ids. That set is bounded by the organization's live ads, not by
//! the library's size.

use std::collections::HashSet;

use entity::{ads, ads_content, content_containers};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Select};
use uuid::Uuid;

use crate::domain::classification::{Classification, Thresholds};
use crate::domain::lifecycle::{self, CreativeState};
use crate::service::Services;
use crate::store::page::{self, Page, PageRequest};

impl Services {
    /// One page of organization `org`'s creatives, newest first, only those in `state` if given.
    pub async fn creatives_page(
        &self,
        org: Uuid,
        state: Option<CreativeState>,
        request: PageRequest,
    ) -> Result<Page<content_containers::Model>, DbErr> {
        let mut select =
            content_containers::Entity::find().filter(content_containers::Column::OrganizationId.eq(org));
        if let Some(state) = state {
            select = in_state(self, org, select, state).await?;
        }
        page::fetch(&self.db, select, content_containers::Column::Id, request).await
    }
}

/// `select` narrowed to the creatives in `state`.
async fn in_state(
    services: &Services,
    org: Uuid,
    select: Select<content_containers::Entity>,
    state: CreativeState,
) -> Result<Select<content_containers::Entity>, DbErr> {
    let condition = lifecycle::state_condition(state);
    let mut select = select.filter(content_containers::Column::Status.eq(condition.container_status));
    if let Some(archived) = condition.archived {
        select = select.filter(exists(archived, archived_content()));
    }
    if let Some(active) = condition.has_active_ad {
        select = select.filter(exists(active, ads_of_creative(true)));
    }
    if let Some(any) = condition.has_ad {
        select = select.filter(exists(any, ads_of_creative(false)));
    }
    if let Some(cleared) = condition.approval_cleared {
        let column = content_containers::Column::ApprovalStatus;
        let cleared_codes = ["approved", "not_required"];
        select = select.filter(if cleared {
            column.is_in(cleared_codes)
        } else {
            column.is_not_in(cleared_codes)
        });
    }
    if let Some(fatigued) = condition.fatigued {
        let ids = fatigued_creatives(&services.db, org, &services.thresholds).await?;
        let column = content_containers::Column::Id;
        select = select.filter(if fatigued { column.is_in(ids) } else { column.is_not_in(ids) });
    }
    Ok(select)
}

/// `EXISTS (subquery)` when `wanted`, else `NOT EXISTS (subquery)`.
fn exists(wanted: bool, subquery: SelectStatement) -> Expr {
    if wanted { Expr::exists(subquery) } else { Expr::not_exists(subquery) }
}

/// The container's archived ads-content row.
fn archived_content() -> SelectStatement {
    Query::select()
        .expr(Expr::val(1))
        .from(ads_content::Entity)
        .and_where(
            Expr::col((ads_content::Entity, ads_content::Column::ContentContainerId))
                .equals((content_containers::Entity, content_containers::Column::Id)),
        )
        .and_where(Expr::col((ads_content::Entity, ads_content::Column::ArchivedAt)).is_not_null())
        .to_owned()
}

/// The container's ads (only the active ones when `active`).
fn ads_of_creative(active: bool) -> SelectStatement {
    let mut query = Query::select();
    query.expr(Expr::val(1)).from(ads::Entity).and_where(
        Expr::col((ads::Entity, ads::Column::ContentContainerId))
            .equals((content_containers::Entity, content_containers::Column::Id)),
    );
    if active {
        query.and_where(Expr::col((ads::Entity, ads::Column::Status)).eq("active"));
    }
    query
}

/// The creatives of `org` with an active ad classified `FATIGUED`, each ad classified against
/// the ads of its ad set, as `Ad.classification` does.
pub(crate) async fn fatigued_creatives<C: ConnectionTrait>(
    conn: &C,
    org: Uuid,
    thresholds: &Thresholds,
) -> Result<Vec<Uuid>, DbErr> {
    let active = ads::Entity::find()
        .filter(ads::Column::OrganizationId.eq(org))
        .filter(ads::Column::Status.eq("active"))
        .filter(ads::Column::ContentContainerId.is_not_null())
        .all(conn)
        .await?;
    if active.is_empty() {
        return Ok(Vec::new());
    }
    let sets: HashSet<Uuid> = active.iter().map(|ad| ad.ad_set_id).collect();
    let peers = ads::Entity::find()
        .filter(ads::Column::OrganizationId.eq(org))
        .filter(ads::Column::AdSetId.is_in(sets))
        .all(conn)
        .await?;
    let peer_ids: Vec<Uuid> = peers.iter().map(|ad| ad.id).collect();
    let histories = crate::store::metrics::histories(conn, org, &peer_ids).await?;
    let classes = crate::service::optimizer::classify_ads(&peers, &histories, thresholds);
    let fatigued: HashSet<Uuid> = active
        .iter()
        .filter(|ad| classes.get(&ad.id) == Some(&Classification::Fatigued))
        .filter_map(|ad| ad.content_container_id)
        .collect();
    Ok(fatigued.into_iter().collect())
}
