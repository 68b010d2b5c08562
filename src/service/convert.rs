//! Building domain and platform values out of stored rows (their codes read through
//! `store::codes`).

use entity::{campaign_authority, layers};

use crate::domain::UnknownCode;
use crate::domain::authority::{ResolvedAuthority, resolve};
use crate::error::ApiError;
use crate::platform::AccountContext;
use crate::store::codes::{AuthorityCodes, CampaignCodes, ContentCodes, LayerCodes};

/// The authority in force for a campaign: its own row, else its layer's defaults.
pub fn resolved_authority(
    row: Option<&campaign_authority::Model>,
    layer: &layers::Model,
) -> Result<ResolvedAuthority, UnknownCode> {
    let own = row.map(AuthorityCodes::block).transpose()?;
    Ok(resolve(own, layer.defaults()?))
}

/// The account a layer's writes go to.
pub(crate) fn account_context(layer: &layers::Model) -> Result<AccountContext, ApiError> {
    let countries = match &layer.countries {
        Some(value) => serde_json::from_value(value.clone())?,
        None => Vec::new(),
    };
    Ok(AccountContext {
        platform: layer.platform()?,
        ad_account_id: layer.ad_account_id.clone(),
        currency: layer.currency()?,
        apple_org_id: layer.apple_org_id.clone(),
        // The layer's own Apple org, as the sandbox simulates it; a connected account says which
        // API it speaks (see `Services::dispatch_account`).
        apple_api: crate::domain::apple_api::AppleApi::V5,
        apple_adam_id: layer.apple_adam_id.clone(),
        countries,
        identity: crate::platform::AdIdentity {
            meta_page_id: layer.meta_page_id.clone(),
            tiktok_identity_type: layer.tiktok_identity_type.clone(),
            tiktok_identity_id: layer.tiktok_identity_id.clone(),
            landing_page_url: layer.landing_page_url.clone(),
            meta_pixel_id: layer.meta_pixel_id.clone(),
            meta_custom_event_type: layer.meta_custom_event_type.clone(),
            meta_application_id: layer.meta_application_id.clone(),
            app_store_url: layer.app_store_url.clone(),
            tiktok_app_id: layer.tiktok_app_id.clone(),
            tiktok_pixel_id: layer.tiktok_pixel_id.clone(),
            tiktok_optimization_event: layer.tiktok_optimization_event.clone(),
        },
        dispatch_key: None,
        access_token: None,
    })
}

/// A creative's media, as a platform needs it to make a creative of its own for ads of
/// `campaign` (which says where they lead); `None` while the
/// creative has no media (still rendering, or failed).
pub(crate) fn creative_media(
    container: &entity::content_containers::Model,
    campaign: Option<&entity::campaigns::Model>,
) -> Option<crate::platform::CreativeMedia> {
    Some(crate::platform::CreativeMedia {
        id: container.id,
        name: container.name.clone(),
        media_url: container.media_url.clone()?,
        destination: destination(campaign),
    })
}

/// Where ads of `campaign` lead (its outcome's destination; the landing page without one).
pub(crate) fn destination(
    campaign: Option<&entity::campaigns::Model>,
) -> crate::platform::creative::Destination {
    let outcome = campaign.and_then(|campaign| campaign.outcome().ok());
    crate::platform::creative::Destination::of(outcome.as_ref())
}

/// Whether a creative may be shown now (`domain::lifecycle::is_eligible` on its stored rows).
pub fn creative_eligible(
    container: &entity::content_containers::Model,
    content: Option<&entity::ads_content::Model>,
) -> Result<bool, UnknownCode> {
    let override_mode = content.map(ContentCodes::override_mode).transpose()?.flatten();
    Ok(crate::domain::lifecycle::is_eligible(&crate::domain::lifecycle::EligibilityFacts {
        container_status: &container.status,
        approval_status: &container.approval_status,
        has_content: content.is_some(),
        override_mode,
        archived: content.is_some_and(|c| c.archived_at.is_some()),
    }))
}
