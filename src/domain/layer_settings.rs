//! A layer's platform settings: what its campaigns and ads need from the customer's own
//! accounts (the currency, the countries, Apple's app, Meta's Page, TikTok's identity, the
//! landing page), each checked here before it is stored.
//!
//! Changing them is customer-only (like the kill switch) and audited; the currency is fixed once
//! the layer has a campaign, because every stored amount is in it, and a Meta layer takes only a
//! currency Meta ad accounts can hold.

mod promoted;

pub use promoted::{
    DEFAULT_META_CUSTOM_EVENT_TYPE, DEFAULT_TIKTOK_OPTIMIZATION_EVENT, META_CUSTOM_EVENT_TYPES, Promoted,
};

use super::Platform;
use super::campaign::validate_targeting;
use super::money::{Currency, meta_supports};

/// TikTok identity types an ad can speak as.
pub const TIKTOK_IDENTITY_TYPES: [&str; 4] = ["CUSTOMIZED_USER", "TT_USER", "BC_AUTH_TT", "AUTH_CODE"];

/// A checked change: `None` leaves a setting as it is; `Some(None)` clears a clearable one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SettingsChange {
    /// The ad account's currency (ISO 4217).
    pub currency: Option<Currency>,
    /// Countries the layer runs in (ISO 3166-1 alpha-2, normalized).
    pub countries: Option<Vec<String>>,
    /// Apple: the promoted app's App Store id.
    pub apple_adam_id: Option<Option<String>>,
    /// Meta: the Facebook Page ads run from.
    pub meta_page_id: Option<Option<String>>,
    /// TikTok: the identity ads speak as (type, id).
    pub tiktok_identity: Option<Option<(String, String)>>,
    /// Meta and TikTok: where a tap on an ad leads (https).
    pub landing_page_url: Option<Option<String>>,
    /// What the campaigns promote (Meta's pixel and app, TikTok's app).
    pub promoted: Promoted,
}

impl SettingsChange {
    /// Whether it changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == SettingsChange::default()
    }
}

/// Why a setting was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    /// The setting means nothing on this platform.
    #[error("`{field}` is not a {platform} setting")]
    NotForPlatform {
        /// The input field.
        field: &'static str,
        /// The layer's platform.
        platform: Platform,
    },
    /// The value is malformed.
    #[error("{message}")]
    Invalid {
        /// The input field.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The layer has campaigns, whose amounts are in the current currency.
    #[error("the currency cannot change once the layer has campaigns: their amounts are in {0}")]
    CurrencyLocked(&'static str),
    /// The platform's ad accounts cannot hold the currency (Meta and KWD, ...).
    #[error("{platform} ad accounts do not support {currency}")]
    CurrencyNotSupported {
        /// The layer's platform.
        platform: Platform,
        /// The refused currency.
        currency: &'static str,
    },
}

impl SettingsError {
    /// The user error code.
    pub fn code(&self) -> crate::domain::UserErrorCode {
        match self {
            SettingsError::NotForPlatform { .. } => crate::domain::UserErrorCode::SettingNotForPlatform,
            SettingsError::Invalid { .. } => crate::domain::UserErrorCode::InvalidSetting,
            SettingsError::CurrencyLocked(_) => crate::domain::UserErrorCode::CurrencyLocked,
            SettingsError::CurrencyNotSupported { .. } => crate::domain::UserErrorCode::CurrencyNotSupported,
        }
    }

    /// The input field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            SettingsError::NotForPlatform { field, .. } | SettingsError::Invalid { field, .. } => field,
            SettingsError::CurrencyLocked(_) | SettingsError::CurrencyNotSupported { .. } => "currency",
        }
    }
}

/// Which platforms a setting applies to.
fn applies(field: &'static str, platform: Platform) -> Result<(), SettingsError> {
    let ok = match field {
        "appleAdamId" => platform == Platform::Apple,
        "metaPageId" | "metaPixelId" | "metaCustomEventType" | "metaApplicationId" => {
            platform == Platform::Meta
        }
        "tiktokAppId" | "tiktokPixelId" | "tiktokOptimizationEvent" => platform == Platform::Tiktok,
        "appStoreUrl" => platform != Platform::Apple,
        "tiktokIdentityType" | "tiktokIdentityId" => platform == Platform::Tiktok,
        "landingPageUrl" => platform != Platform::Apple,
        _ => true,
    };
    if ok { Ok(()) } else { Err(SettingsError::NotForPlatform { field, platform }) }
}

fn invalid(field: &'static str, message: impl Into<String>) -> SettingsError {
    SettingsError::Invalid { field, message: message.into() }
}

/// A numeric platform id (Apple adamId, Meta Page id): 1 to 20 digits.
fn numeric_id(field: &'static str, value: &str) -> Result<String, SettingsError> {
    let value = value.trim();
    if !value.is_empty() && value.len() <= 20 && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(value.to_owned())
    } else {
        Err(invalid(field, format!("`{value}` is not a numeric id")))
    }
}

/// An absolute https URL of at most 2,048 characters.
fn landing_page(value: &str) -> Result<String, SettingsError> {
    let value = value.trim();
    let parsed = url::Url::parse(value).map_err(|_| invalid("landingPageUrl", "not an absolute URL"))?;
    if parsed.scheme() != "https" || parsed.host_str().is_none() {
        return Err(invalid("landingPageUrl", "the landing page must be an https URL"));
    }
    if value.len() > 2048 {
        return Err(invalid("landingPageUrl", "the landing page URL is longer than 2,048 characters"));
    }
    Ok(value.to_owned())
}

/// A requested change, as given: `None` leaves a setting alone, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct RequestedSettings {
    /// ISO 4217 code.
    pub currency: Option<String>,
    /// ISO 3166-1 alpha-2 codes.
    pub countries: Option<Vec<String>>,
    /// Apple app id.
    pub apple_adam_id: Option<Option<String>>,
    /// Meta Page id.
    pub meta_page_id: Option<Option<String>>,
    /// TikTok identity type.
    pub tiktok_identity_type: Option<Option<String>>,
    /// TikTok identity id.
    pub tiktok_identity_id: Option<Option<String>>,
    /// Landing page URL.
    pub landing_page_url: Option<Option<String>>,
    /// What the campaigns promote.
    pub promoted: Promoted,
}

/// Checks a requested change for a layer on `platform` that has `campaigns` campaigns in
/// `current_currency`.
pub fn check(
    platform: Platform,
    requested: RequestedSettings,
    has_campaigns: bool,
    current_currency: &str,
) -> Result<SettingsChange, SettingsError> {
    let mut change = SettingsChange::default();
    if let Some(code) = requested.currency {
        let currency = Currency::parse(code.trim())
            .map_err(|_| invalid("currency", format!("`{code}` is not an ISO 4217 currency code")))?;
        if platform == Platform::Meta && !meta_supports(currency) {
            return Err(SettingsError::CurrencyNotSupported { platform, currency: currency.code() });
        }
        if currency.code() != current_currency {
            if has_campaigns {
                let current =
                    Currency::parse(current_currency).map(Currency::code).unwrap_or("the old currency");
                return Err(SettingsError::CurrencyLocked(current));
            }
            change.currency = Some(currency);
        }
    }
    if let Some(countries) = requested.countries {
        let targeting = validate_targeting(&countries, None, None)
            .map_err(|err| invalid("countries", err.to_string()))?;
        change.countries = Some(targeting.countries);
    }
    if let Some(adam_id) = requested.apple_adam_id {
        applies("appleAdamId", platform)?;
        change.apple_adam_id = Some(adam_id.map(|id| numeric_id("appleAdamId", &id)).transpose()?);
    }
    if let Some(page_id) = requested.meta_page_id {
        applies("metaPageId", platform)?;
        change.meta_page_id = Some(page_id.map(|id| numeric_id("metaPageId", &id)).transpose()?);
    }
    match (requested.tiktok_identity_type, requested.tiktok_identity_id) {
        (None, None) => {}
        (Some(None), Some(None)) => {
            applies("tiktokIdentityType", platform)?;
            change.tiktok_identity = Some(None);
        }
        (Some(Some(kind)), Some(Some(id))) => {
            applies("tiktokIdentityType", platform)?;
            let kind = kind.trim().to_ascii_uppercase();
            if !TIKTOK_IDENTITY_TYPES.contains(&kind.as_str()) {
                let known = TIKTOK_IDENTITY_TYPES.join(", ");
                return Err(invalid("tiktokIdentityType", format!("`{kind}` is not one of {known}")));
            }
            let id = id.trim();
            if id.is_empty() || id.len() > 64 {
                return Err(invalid("tiktokIdentityId", "the identity id must be 1 to 64 characters"));
            }
            change.tiktok_identity = Some(Some((kind, id.to_owned())));
        }
        (kind, _) => {
            let field = if kind.is_none() { "tiktokIdentityType" } else { "tiktokIdentityId" };
            applies(field, platform)?;
            return Err(invalid(field, "set or clear the TikTok identity type and id together"));
        }
    }
    if let Some(url) = requested.landing_page_url {
        applies("landingPageUrl", platform)?;
        change.landing_page_url = Some(url.as_deref().map(landing_page).transpose()?);
    }
    change.promoted = promoted::check(platform, requested.promoted)?;
    Ok(change)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> RequestedSettings {
        RequestedSettings::default()
    }

    #[test]
    fn settings_apply_to_their_platform_only() {
        let adam = RequestedSettings { apple_adam_id: Some(Some("835599320".into())), ..request() };
        let change = check(Platform::Apple, adam.clone(), false, "USD").expect("apple takes it");
        assert_eq!(change.apple_adam_id, Some(Some("835599320".to_owned())));
        let refused = check(Platform::Meta, adam, false, "USD").expect_err("not a Meta setting");
        assert_eq!((refused.code().as_str(), refused.field()), ("SETTING_NOT_FOR_PLATFORM", "appleAdamId"));
        let landing =
            RequestedSettings { landing_page_url: Some(Some("https://shop.example/x".into())), ..request() };
        assert!(check(Platform::Tiktok, landing.clone(), false, "USD").is_ok());
        assert!(check(Platform::Apple, landing, false, "USD").is_err());
    }

    #[test]
    fn malformed_values_name_their_field() {
        let cases = [
            (RequestedSettings { meta_page_id: Some(Some("page-1".into())), ..request() }, "metaPageId"),
            (
                RequestedSettings { landing_page_url: Some(Some("http://shop.example".into())), ..request() },
                "landingPageUrl",
            ),
            (
                RequestedSettings { landing_page_url: Some(Some("/relative".into())), ..request() },
                "landingPageUrl",
            ),
            (RequestedSettings { countries: Some(vec!["USA".into()]), ..request() }, "countries"),
            (RequestedSettings { currency: Some("XYZ".into()), ..request() }, "currency"),
        ];
        for (requested, field) in cases {
            let error = check(Platform::Meta, requested, false, "USD").expect_err(field);
            assert_eq!((error.code().as_str(), error.field()), ("INVALID_SETTING", field));
        }
    }

    #[test]
    fn the_tiktok_identity_is_set_and_cleared_whole() {
        let both = RequestedSettings {
            tiktok_identity_type: Some(Some("customized_user".into())),
            tiktok_identity_id: Some(Some("7012".into())),
            ..request()
        };
        let change = check(Platform::Tiktok, both, false, "USD").expect("valid");
        assert_eq!(change.tiktok_identity, Some(Some(("CUSTOMIZED_USER".to_owned(), "7012".to_owned()))));
        let half = RequestedSettings { tiktok_identity_id: Some(Some("7012".into())), ..request() };
        let error = check(Platform::Tiktok, half, false, "USD").expect_err("half an identity");
        assert_eq!(error.field(), "tiktokIdentityType");
        let unknown = RequestedSettings {
            tiktok_identity_type: Some(Some("FAN_PAGE".into())),
            tiktok_identity_id: Some(Some("1".into())),
            ..request()
        };
        assert!(check(Platform::Tiktok, unknown, false, "USD").is_err());
    }

    #[test]
    fn the_currency_is_fixed_once_campaigns_exist() {
        let jpy = RequestedSettings { currency: Some("jpy".into()), ..request() };
        let change = check(Platform::Tiktok, jpy.clone(), false, "USD").expect("no campaigns yet");
        assert_eq!(change.currency.map(Currency::code), Some("JPY"));
        let error = check(Platform::Tiktok, jpy, true, "USD").expect_err("campaigns exist");
        assert_eq!(error.code().as_str(), "CURRENCY_LOCKED");
        let same = RequestedSettings { currency: Some("USD".into()), ..request() };
        assert!(check(Platform::Tiktok, same, true, "USD").expect("unchanged").is_empty());
    }

    #[test]
    fn a_meta_layer_takes_only_a_currency_meta_supports() {
        for code in ["KWD", "OMR", "TND", "IQD"] {
            let requested = RequestedSettings { currency: Some(code.into()), ..request() };
            let error = check(Platform::Meta, requested.clone(), false, "USD").expect_err(code);
            assert_eq!((error.code().as_str(), error.field()), ("CURRENCY_NOT_SUPPORTED", "currency"));
            assert!(check(Platform::Tiktok, requested, false, "USD").is_ok(), "{code} on TikTok");
        }
        for code in ["HUF", "BHD", "JPY", "CRC"] {
            let requested = RequestedSettings { currency: Some(code.into()), ..request() };
            assert!(check(Platform::Meta, requested, false, "USD").is_ok(), "{code} on Meta");
        }
    }
}
