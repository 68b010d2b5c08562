//! A layer's platform settings (`domain::layer_settings`): customer-only, audited, checked
//! before the decision like any malformed input.

use serde_json::{Value, json};

use super::policy::{LayerChange, record_layer_change};
use super::{Caller, Services, WriteResult};
use crate::domain::Platform;
use crate::domain::gate::Decision;
use crate::domain::layer_settings::{self, RequestedSettings, SettingsChange};
use crate::domain::policy;
use crate::error::{ApiError, UserError};
use crate::store::{campaigns, layers};

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
            let has_campaigns = campaigns::layer_has_campaigns(txn, org, layer.id).await?;
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
            let layer = if result.applied && !change.is_empty() {
                layers::update_settings(txn, &layer, change).await?
            } else {
                layer
            };
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
