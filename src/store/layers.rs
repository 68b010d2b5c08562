//! Layer rows: an organization's three layers as they start, and every change to one (its
//! settings, defaults block and cap, kill switch, and the ad account it points at). Reading
//! layers is [`super::tenancy`]'s.
//!
//! Every change bumps the layer's `version` except pointing it at a newly connected account,
//! which changes no policy.

use chrono::{DateTime, Utc};
use entity::layers;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use serde_json::json;
use uuid::Uuid;

use crate::domain::Platform;
use crate::domain::authority::AuthorityBlock;
use crate::domain::layer_settings::SettingsChange;

/// A layer as an organization starts with it.
#[derive(Debug, Clone)]
pub struct NewLayer {
    /// The organization.
    pub organization_id: Uuid,
    /// Its platform.
    pub platform: Platform,
    /// The ad account's currency (ISO 4217).
    pub currency: &'static str,
    /// The defaults block.
    pub defaults: AuthorityBlock,
    /// The ad account it is connected to.
    pub ad_account_id: Option<String>,
    /// Apple: the Search Ads organization.
    pub apple_org_id: Option<String>,
    /// Apple: the promoted app.
    pub apple_adam_id: Option<String>,
    /// The countries it runs in.
    pub countries: Vec<String>,
}

/// Inserts `layer`: no cap, kill switch released, ad identity settings unset, version 0.
pub async fn insert<C: ConnectionTrait>(conn: &C, layer: NewLayer) -> Result<layers::Model, DbErr> {
    let now = Utc::now();
    layers::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(layer.organization_id),
        platform: Set(layer.platform.as_str().to_owned()),
        currency: Set(layer.currency.to_owned()),
        default_creative: Set(layer.defaults.creative.as_str().to_owned()),
        default_tactical: Set(layer.defaults.tactical.as_str().to_owned()),
        default_structural: Set(layer.defaults.structural.as_str().to_owned()),
        max_daily_budget_cents: Set(None),
        kill_switch_active: Set(false),
        kill_switch_tripped_at: Set(None),
        kill_switch_tripped_by: Set(None),
        kill_switch_reason: Set(None),
        ad_account_id: Set(layer.ad_account_id),
        apple_org_id: Set(layer.apple_org_id),
        apple_adam_id: Set(layer.apple_adam_id),
        countries: Set(Some(json!(layer.countries))),
        version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        // Ad identity settings start unset (NULL).
        ..Default::default()
    }
    .insert(conn)
    .await
}

/// Writes the settings `change` sets on `layer`, returning the layer as it is now.
pub async fn update_settings<C: ConnectionTrait>(
    conn: &C,
    layer: &layers::Model,
    change: SettingsChange,
) -> Result<layers::Model, DbErr> {
    let mut row = bumped(layer, Utc::now());
    if let Some(currency) = change.currency {
        row.currency = Set(currency.code().to_owned());
    }
    if let Some(countries) = change.countries {
        row.countries = Set(Some(json!(countries)));
    }
    if let Some(adam_id) = change.apple_adam_id {
        row.apple_adam_id = Set(adam_id);
    }
    if let Some(page_id) = change.meta_page_id {
        row.meta_page_id = Set(page_id);
    }
    if let Some(identity) = change.tiktok_identity {
        let (kind, id) = identity.unzip();
        row.tiktok_identity_type = Set(kind);
        row.tiktok_identity_id = Set(id);
    }
    if let Some(url) = change.landing_page_url {
        row.landing_page_url = Set(url);
    }
    let columns = [
        layers::Column::MetaPixelId,
        layers::Column::MetaCustomEventType,
        layers::Column::MetaApplicationId,
        layers::Column::AppStoreUrl,
        layers::Column::TiktokAppId,
        layers::Column::TiktokPixelId,
        layers::Column::TiktokOptimizationEvent,
    ];
    for (column, (_, value)) in columns.into_iter().zip(change.promoted.entries()) {
        if let Some(value) = value {
            row.set(column, value.clone().into());
        }
    }
    row.update(conn).await
}

/// Sets `layer`'s defaults block and its daily budget cap (`None`: no cap).
pub async fn set_defaults<C: ConnectionTrait>(
    conn: &C,
    layer: &layers::Model,
    block: AuthorityBlock,
    cap: Option<i64>,
) -> Result<layers::Model, DbErr> {
    let mut row = bumped(layer, Utc::now());
    row.default_creative = Set(block.creative.as_str().to_owned());
    row.default_tactical = Set(block.tactical.as_str().to_owned());
    row.default_structural = Set(block.structural.as_str().to_owned());
    row.max_daily_budget_cents = Set(cap);
    row.update(conn).await
}

/// A kill switch state to write.
#[derive(Debug, Clone)]
pub struct KillSwitch {
    /// Tripped (`true`) or released.
    pub active: bool,
    /// Who tripped it (`customer:<user>`); `None` on release.
    pub tripped_by: Option<String>,
    /// Why it was tripped; `None` on release.
    pub reason: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// Trips or releases `layer`'s kill switch, returning the layer as it is now. Released, the
/// switch keeps no trace of its last trip.
pub async fn set_kill_switch<C: ConnectionTrait>(
    conn: &C,
    layer: &layers::Model,
    switch: KillSwitch,
) -> Result<layers::Model, DbErr> {
    let mut row = bumped(layer, switch.at);
    row.kill_switch_active = Set(switch.active);
    row.kill_switch_tripped_at = Set(switch.active.then_some(switch.at));
    row.kill_switch_tripped_by = Set(switch.tripped_by.filter(|_| switch.active));
    row.kill_switch_reason = Set(switch.reason.filter(|_| switch.active));
    row.update(conn).await
}

/// The ad account field a connection points a layer at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountField {
    /// `ad_account_id`: a Meta or TikTok account, or an Apple Ads Platform API ad account.
    AdAccount,
    /// `apple_org_id`: an Apple Search Ads v5 organization.
    AppleOrg,
}

/// Points `layer` at the external account `external_id` through `field`.
pub async fn point_at_account<C: ConnectionTrait>(
    conn: &C,
    layer: &layers::Model,
    field: AccountField,
    external_id: &str,
) -> Result<(), DbErr> {
    let column = match field {
        AccountField::AdAccount => layers::Column::AdAccountId,
        AccountField::AppleOrg => layers::Column::AppleOrgId,
    };
    layers::Entity::update_many()
        .col_expr(column, Expr::value(external_id.to_owned()))
        .col_expr(layers::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(layers::Column::Id.eq(layer.id))
        .filter(layers::Column::OrganizationId.eq(layer.organization_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// An update of `layer` that bumps its version.
fn bumped(layer: &layers::Model, now: DateTime<Utc>) -> layers::ActiveModel {
    layers::ActiveModel {
        id: Set(layer.id),
        version: Set(layer.version + 1),
        updated_at: Set(now),
        ..Default::default()
    }
}
