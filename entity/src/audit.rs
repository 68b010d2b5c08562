//! `layer_ads_audit`: one row per gate decision and per policy event; the row's id is the
//! verdict id. Rows outlive what they describe, so only the organization is a foreign key.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One audit row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "layer_ads_audit")]
pub struct Model {
    /// The verdict id (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Owning organization.
    pub organization_id: Uuid,
    /// The layer concerned.
    pub layer_id: Option<Uuid>,
    /// `meta`, `tiktok` or `apple`.
    #[sea_orm(column_type = "Text", nullable)]
    pub platform: Option<String>,
    /// The campaign concerned (not a foreign key).
    pub campaign_id: Option<Uuid>,
    /// Kind of the target (`layer`, `campaign`, `ad_set`, `ad`, ...).
    #[sea_orm(column_type = "Text", nullable)]
    pub target_type: Option<String>,
    /// Id of the target.
    pub target_id: Option<Uuid>,
    /// Event code (`ads.write.allowed`, `ads.write.denied`, `kill_switch.tripped`, ...).
    #[sea_orm(column_type = "Text")]
    pub event: String,
    /// The write or policy action (`campaign.create`, ...).
    #[sea_orm(column_type = "Text")]
    pub action: String,
    /// The axis the write needed.
    #[sea_orm(column_type = "Text", nullable)]
    pub axis: Option<String>,
    /// `allow`, `queue_for_approval` or `deny`.
    #[sea_orm(column_type = "Text", nullable)]
    pub decision: Option<String>,
    /// The deciding reason code (`authority_axis_off`, ...).
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
    /// The ordered checks that ran: a JSON array of strings.
    #[sea_orm(column_type = "JsonBinary")]
    pub trace: Json,
    /// `customer`, `partner`, `optimizer` or `system`.
    #[sea_orm(column_type = "Text")]
    pub actor_type: String,
    /// The actor's id.
    #[sea_orm(column_type = "Text")]
    pub actor_id: String,
    /// The actor's organization (partner attribution).
    pub actor_organization_id: Option<Uuid>,
    /// The partner key used (partner attribution).
    pub actor_api_key_id: Option<Uuid>,
    /// The pending action queued or resolved by this decision.
    pub pending_action_id: Option<Uuid>,
    /// The normalized write, as JSON.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub request: Option<Json>,
    /// `in_flight`, `succeeded`, `failed` or `unknown` (needs a person to look).
    #[sea_orm(column_type = "Text", nullable)]
    pub dispatch_status: Option<String>,
    /// Native request and response, platform ids, error: as JSON.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub dispatch: Option<Json>,
    /// The normalized platform write, recorded when the platform call starts.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub dispatch_write: Option<Json>,
    /// When the platform call started.
    pub dispatch_started_at: Option<DateTimeUtc>,
    /// Who holds the dispatch (the dispatching request or a reconciler).
    pub dispatch_lease_id: Option<Uuid>,
    /// Until when the holder may finish it; afterwards a reconciler may take it over.
    pub dispatch_lease_until: Option<DateTimeUtc>,
    /// The platform object the write changes (`<platform>:<id>`; none for creates): at most one
    /// started dispatch per object is in flight.
    #[sea_orm(column_type = "Text", nullable)]
    pub dispatch_target: Option<String>,
    /// The server instance holding the dispatch (`LAYERS_INSTANCE_ID`).
    #[sea_orm(column_type = "Text", nullable)]
    pub dispatch_instance: Option<String>,
    /// The boot of that instance's process holding it: another boot of the same instance means
    /// the holder died.
    pub dispatch_boot: Option<Uuid>,
    /// When the decision was made.
    pub created_at: DateTimeUtc,
}

/// Relations of an audit row.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The owning organization.
    #[sea_orm(
        belongs_to = "super::organizations::Entity",
        from = "Column::OrganizationId",
        to = "super::organizations::Column::Id",
        on_delete = "Cascade"
    )]
    Organizations,
}

impl Related<super::organizations::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organizations.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
