//! `ad_daily_metrics`: one row per ad per day (impressions, frequency, spend, conversions), from
//! the sandbox or imported from a live account. `(ad_id, day)` is unique: re-imports upsert.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One day of one ad's delivery.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "ad_daily_metrics")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Owning organization (the ad's).
    pub organization_id: Uuid,
    /// The ad these metrics are for.
    pub ad_id: Uuid,
    /// The day (in the ad account's reporting time zone) the metrics cover.
    pub day: Date,
    /// Impressions served that day (0 or more).
    pub impressions: i64,
    /// Average impressions per person reached that day (finite, 0 or more).
    pub frequency: f64,
    /// Spend that day, in the layer currency's minor units (0 or more).
    pub spend_cents: i64,
    /// Conversions attributed to that day (0 or more).
    pub conversions: i64,
    /// When the row was first written.
    pub created_at: DateTimeUtc,
    /// When the row was last written (a re-import updates it).
    pub updated_at: DateTimeUtc,
}

/// Relations of a daily metrics row.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The organization it belongs to.
    #[sea_orm(
        belongs_to = "super::organizations::Entity",
        from = "Column::OrganizationId",
        to = "super::organizations::Column::Id",
        on_delete = "Cascade"
    )]
    Organizations,
    /// The ad it measures.
    #[sea_orm(
        belongs_to = "super::ads::Entity",
        from = "Column::AdId",
        to = "super::ads::Column::Id",
        on_delete = "Cascade"
    )]
    Ads,
}

impl Related<super::organizations::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organizations.def()
    }
}

impl Related<super::ads::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Ads.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
