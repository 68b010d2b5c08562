//! Creates `optimizer_pending_actions` (queued writes awaiting approval) and `layer_ads_audit`
//! (one row per gate decision and policy event; its id is the verdict id).
//!
//! The audit table deliberately has no foreign key except to its organization: audit rows
//! outlive the campaigns, layers and pending actions they describe.
//! Never edit once applied anywhere: later schema changes go in a new migration.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer_null, boolean, json_binary, json_binary_null, text, text_null, timestamp_with_time_zone_null,
    uuid, uuid_null,
};

use crate::ddl::{
    ACTOR_TYPES, AXES, PLATFORMS, at_col, create_indexes, drop_tables, fk, id_col, index, one_of, tenant_col,
};
use crate::m20261122_000001_organizations_and_layers::{Layers, Organizations};
use crate::m20261122_000002_campaigns::Campaigns;

/// What a pending action targets.
const TARGET_TYPES: &[&str] = &["layer", "campaign", "ad_set", "ad"];
/// Lifecycle of a pending action.
const PENDING_STATUSES: &[&str] =
    &["pending", "approved", "dispatched", "failed", "rejected", "cancelled", "stale", "expired"];
/// Gate decisions.
const DECISIONS: &[&str] = &["allow", "queue_for_approval", "deny"];
/// Progress of a platform call recorded on an audit row.
const DISPATCH_STATUSES: &[&str] = &["in_flight", "succeeded", "failed"];

/// A write queued for approval.
#[derive(DeriveIden, Clone, Copy)]
enum PendingActions {
    #[sea_orm(iden = "optimizer_pending_actions")]
    Table,
    Id,
    OrganizationId,
    LayerId,
    Platform,
    CampaignId,
    TargetType,
    TargetId,
    Kind,
    Axis,
    IsPolicy,
    Before,
    After,
    TargetVersion,
    Status,
    ProposedByType,
    ProposedById,
    ProposedByKeyId,
    VerdictId,
    ResolutionVerdictId,
    ResolvedByType,
    ResolvedById,
    ResolutionReason,
    ResolvedAt,
    ExpiresAt,
    CreatedAt,
    UpdatedAt,
}

/// One gate decision or policy event.
#[derive(DeriveIden, Clone, Copy)]
enum Audit {
    #[sea_orm(iden = "layer_ads_audit")]
    Table,
    Id,
    OrganizationId,
    LayerId,
    Platform,
    CampaignId,
    TargetType,
    TargetId,
    Event,
    Action,
    Axis,
    Decision,
    Reason,
    Trace,
    ActorType,
    ActorId,
    ActorOrganizationId,
    ActorApiKeyId,
    PendingActionId,
    Request,
    DispatchStatus,
    Dispatch,
    CreatedAt,
}

/// The pending actions and audit tables.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(pending_actions()).await?;
        manager.create_table(audit()).await?;
        create_indexes(manager, indexes()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let tables = vec![Audit::Table.into_iden(), PendingActions::Table.into_iden()];
        drop_tables(manager, tables).await
    }
}

fn pending_actions() -> TableCreateStatement {
    let mut stmt = Table::create();
    stmt.table(PendingActions::Table)
        .col(id_col(PendingActions::Id))
        .col(tenant_col(PendingActions::OrganizationId))
        .col(uuid(PendingActions::LayerId))
        .col(text(PendingActions::Platform))
        .col(uuid_null(PendingActions::CampaignId))
        .col(text(PendingActions::TargetType))
        .col(uuid(PendingActions::TargetId))
        .col(text(PendingActions::Kind))
        .col(text_null(PendingActions::Axis))
        .col(boolean(PendingActions::IsPolicy))
        .col(json_binary(PendingActions::Before))
        .col(json_binary(PendingActions::After))
        .col(big_integer_null(PendingActions::TargetVersion))
        .col(text(PendingActions::Status).default("pending"))
        .col(text(PendingActions::ProposedByType))
        .col(text(PendingActions::ProposedById))
        .col(uuid_null(PendingActions::ProposedByKeyId))
        .col(uuid(PendingActions::VerdictId))
        .col(uuid_null(PendingActions::ResolutionVerdictId))
        .col(text_null(PendingActions::ResolvedByType))
        .col(text_null(PendingActions::ResolvedById))
        .col(text_null(PendingActions::ResolutionReason))
        .col(timestamp_with_time_zone_null(PendingActions::ResolvedAt))
        .col(at_col(PendingActions::ExpiresAt))
        .col(at_col(PendingActions::CreatedAt))
        .col(at_col(PendingActions::UpdatedAt));
    pending_action_checks(&mut stmt);
    pending_action_foreign_keys(&mut stmt);
    stmt
}

fn pending_action_checks(stmt: &mut TableCreateStatement) {
    use PendingActions as P;
    stmt.check(one_of("ck_pending_actions_platform", P::Platform, PLATFORMS))
        .check(one_of("ck_pending_actions_target_type", P::TargetType, TARGET_TYPES))
        .check(one_of("ck_pending_actions_axis", P::Axis, AXES))
        .check(one_of("ck_pending_actions_status", P::Status, PENDING_STATUSES))
        .check(one_of("ck_pending_actions_proposed_by_type", P::ProposedByType, ACTOR_TYPES))
        .check(one_of("ck_pending_actions_resolved_by_type", P::ResolvedByType, ACTOR_TYPES));
}

fn pending_action_foreign_keys(stmt: &mut TableCreateStatement) {
    use PendingActions as P;
    stmt.foreign_key(&mut fk(
        "fk_pending_actions_organization_id",
        (P::Table, P::OrganizationId),
        (Organizations::Table, Organizations::Id),
        ForeignKeyAction::Cascade,
    ))
    .foreign_key(&mut fk(
        "fk_pending_actions_layer_id",
        (P::Table, P::LayerId),
        (Layers::Table, Layers::Id),
        ForeignKeyAction::Cascade,
    ))
    .foreign_key(&mut fk(
        "fk_pending_actions_campaign_id",
        (P::Table, P::CampaignId),
        (Campaigns::Table, Campaigns::Id),
        ForeignKeyAction::Cascade,
    ));
}

fn audit() -> TableCreateStatement {
    Table::create()
        .table(Audit::Table)
        .col(id_col(Audit::Id))
        .col(tenant_col(Audit::OrganizationId))
        .col(uuid_null(Audit::LayerId))
        .col(text_null(Audit::Platform))
        .col(uuid_null(Audit::CampaignId))
        .col(text_null(Audit::TargetType))
        .col(uuid_null(Audit::TargetId))
        .col(text(Audit::Event))
        .col(text(Audit::Action))
        .col(text_null(Audit::Axis))
        .col(text_null(Audit::Decision))
        .col(text_null(Audit::Reason))
        .col(json_binary(Audit::Trace))
        .col(text(Audit::ActorType))
        .col(text(Audit::ActorId))
        .col(uuid_null(Audit::ActorOrganizationId))
        .col(uuid_null(Audit::ActorApiKeyId))
        .col(uuid_null(Audit::PendingActionId))
        .col(json_binary_null(Audit::Request))
        .col(text_null(Audit::DispatchStatus))
        .col(json_binary_null(Audit::Dispatch))
        .col(at_col(Audit::CreatedAt))
        .check(one_of("ck_audit_platform", Audit::Platform, PLATFORMS))
        .check(one_of("ck_audit_axis", Audit::Axis, AXES))
        .check(one_of("ck_audit_decision", Audit::Decision, DECISIONS))
        .check(one_of("ck_audit_actor_type", Audit::ActorType, ACTOR_TYPES))
        .check(one_of("ck_audit_dispatch_status", Audit::DispatchStatus, DISPATCH_STATUSES))
        .foreign_key(&mut fk(
            "fk_audit_organization_id",
            (Audit::Table, Audit::OrganizationId),
            (Organizations::Table, Organizations::Id),
            ForeignKeyAction::Cascade,
        ))
        .to_owned()
}

fn indexes() -> Vec<IndexCreateStatement> {
    use PendingActions as P;
    vec![
        index(
            "idx_pending_actions_organization_id_status_id",
            P::Table,
            [P::OrganizationId, P::Status, P::Id],
        ),
        index("idx_pending_actions_campaign_id_id", P::Table, [P::CampaignId, P::Id]),
        index("idx_pending_actions_layer_id", P::Table, [P::LayerId]),
        index("idx_pending_actions_status_expires_at", P::Table, [P::Status, P::ExpiresAt]),
        index("idx_audit_organization_id_id", Audit::Table, [Audit::OrganizationId, Audit::Id]),
        index(
            "idx_audit_organization_id_campaign_id_id",
            Audit::Table,
            [Audit::OrganizationId, Audit::CampaignId, Audit::Id],
        ),
        index(
            "idx_audit_organization_id_platform_id",
            Audit::Table,
            [Audit::OrganizationId, Audit::Platform, Audit::Id],
        ),
    ]
}
