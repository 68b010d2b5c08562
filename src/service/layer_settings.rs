//! A layer's platform settings (`domain::layer_settings`): customer-only, audited, checked
//! before the decision like any malformed input.

use chrono::Utc;
use entity::{campaigns, layers};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};

use super::policy::{LayerChange, record_layer_change};
use super::{Caller, Failure, Services, WriteResult};
use crate::domain::Platform;
use crate::domain::gate::Decision;
use crate::domain::layer_settings::{self, RequestedSettings, SettingsChange};
use crate::domain::policy;
use crate::error::{ApiError, UserError};

impl Services {
    /// Changes the settings of `platform`'s layer. Customer only: anyone else is denied
    /// `customer_only` and the denial is audited. Malformed settings are user errors.
    pub async fn update_layer_settings(
        &self,
        caller: &Caller,
        platform: Platform,
        requested: RequestedSettings,
        dry_run: bool,
    ) -> Result<WriteResult, ApiError> {
        let org = caller.organization_id;
        self.decide(dry_run, async |txn| {
            let layer = self.layer_locked(txn, org, platform).await?;
            let has_campaigns = campaigns::Entity::find()
                .filter(campaigns::Column::OrganizationId.eq(org))
                .filter(campaigns::Column::LayerId.eq(layer.id))
                .count(txn)
                .await?
                > 0;
            let change = layer_settings::check(platform, requested, has_campaigns, &layer.currency)
                .map_err(|err| UserError::field(err.field(), err.code(), err.to_string()))?;
            let verdict = policy::decide_customer_only(caller.kind);
            let event = if verdict.decision == Decision::Allow {
                "layer.settings.updated"
            } else {
                "layer.settings.update_denied"
            };
            let decided = LayerChange {
                layer: &layer,
                verdict: &verdict,
                action: "layer_settings",
                event,
                request: request(&change),
            };
            let mut result = record_layer_change(txn, caller, decided, dry_run).await?;
            let layer =
                if result.applied && !change.is_empty() { write(txn, &layer, change).await? } else { layer };
            result.layer = Some(layer);
            Ok(result)
        })
        .await
    }
}

/// The change as the audit row records it (cleared settings as `null`).
fn request(change: &SettingsChange) -> Value {
    let mut request = serde_json::Map::new();
    if let Some(currency) = change.currency {
        request.insert("currency".into(), json!(currency.code()));
    }
    if let Some(countries) = &change.countries {
        request.insert("countries".into(), json!(countries));
    }
    if let Some(adam_id) = &change.apple_adam_id {
        request.insert("apple_adam_id".into(), json!(adam_id));
    }
    if let Some(page_id) = &change.meta_page_id {
        request.insert("meta_page_id".into(), json!(page_id));
    }
    if let Some(identity) = &change.tiktok_identity {
        let (kind, id) = identity.clone().unzip();
        request.insert("tiktok_identity_type".into(), json!(kind));
        request.insert("tiktok_identity_id".into(), json!(id));
    }
    if let Some(url) = &change.landing_page_url {
        request.insert("landing_page_url".into(), json!(url));
    }
    for (key, value) in change.promoted.entries() {
        if let Some(value) = value {
            request.insert(key.into(), json!(value));
        }
    }
    Value::Object(request)
}

async fn write<C: sea_orm::ConnectionTrait>(
    conn: &C,
    layer: &layers::Model,
    change: SettingsChange,
) -> Result<layers::Model, Failure> {
    let mut row = layers::ActiveModel {
        id: Set(layer.id),
        version: Set(layer.version + 1),
        updated_at: Set(Utc::now()),
        ..Default::default()
    };
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
    Ok(row.update(conn).await?)
}
