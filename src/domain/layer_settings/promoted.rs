//! The settings that say what a layer's campaigns promote: Meta's `promoted_object` (a pixel
//! and its conversion event; an app's Meta application id and store URL) and the TikTok app an
//! app-promotion ad group installs, the TikTok pixel and event a conversions ad group optimizes
//! for, each checked before it is stored.

use super::{SettingsError, applies, invalid, numeric_id};

/// The conversion events a Meta pixel can optimize for (`promoted_object.custom_event_type`).
pub const META_CUSTOM_EVENT_TYPES: [&str; 16] = [
    "PURCHASE",
    "LEAD",
    "COMPLETE_REGISTRATION",
    "ADD_TO_CART",
    "INITIATED_CHECKOUT",
    "ADD_PAYMENT_INFO",
    "ADD_TO_WISHLIST",
    "CONTENT_VIEW",
    "CONTACT",
    "SEARCH",
    "SUBSCRIBE",
    "START_TRIAL",
    "SUBMIT_APPLICATION",
    "SCHEDULE",
    "DONATE",
    "OTHER",
];

/// The event a Meta conversions ad set optimizes for when the layer names none.
pub const DEFAULT_META_CUSTOM_EVENT_TYPE: &str = "PURCHASE";

/// The event a TikTok conversions ad group optimizes for when the layer names none: `SHOPPING`,
/// TikTok's code for a completed payment (a purchase), the counterpart of Meta's `PURCHASE`.
pub const DEFAULT_TIKTOK_OPTIMIZATION_EVENT: &str = "SHOPPING";

/// The hosts of the app stores Meta takes as `object_store_url`.
const APP_STORE_HOSTS: [&str; 3] = ["apps.apple.com", "itunes.apple.com", "play.google.com"];

/// A requested change of the promoted-object settings: `None` leaves one alone, `Some(None)`
/// clears it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Promoted {
    /// Meta pixel id.
    pub meta_pixel_id: Option<Option<String>>,
    /// Meta conversion event (`PURCHASE`, ...).
    pub meta_custom_event_type: Option<Option<String>>,
    /// Meta application id of the promoted app.
    pub meta_application_id: Option<Option<String>>,
    /// App Store or Google Play URL of the promoted app.
    pub app_store_url: Option<Option<String>>,
    /// TikTok app id of the promoted app.
    pub tiktok_app_id: Option<Option<String>>,
    /// TikTok pixel id conversions ad groups optimize for.
    pub tiktok_pixel_id: Option<Option<String>>,
    /// TikTok optimization event of that pixel (`SHOPPING`, ...).
    pub tiktok_optimization_event: Option<Option<String>>,
}

impl Promoted {
    /// Each setting with its stored (snake_case) name, in a stable order.
    pub fn entries(&self) -> [(&'static str, &Option<Option<String>>); 7] {
        [
            ("meta_pixel_id", &self.meta_pixel_id),
            ("meta_custom_event_type", &self.meta_custom_event_type),
            ("meta_application_id", &self.meta_application_id),
            ("app_store_url", &self.app_store_url),
            ("tiktok_app_id", &self.tiktok_app_id),
            ("tiktok_pixel_id", &self.tiktok_pixel_id),
            ("tiktok_optimization_event", &self.tiktok_optimization_event),
        ]
    }
}

/// Checks a requested change of the promoted-object settings for a layer on `platform`.
pub(super) fn check(platform: super::Platform, requested: Promoted) -> Result<Promoted, SettingsError> {
    let checked = |field: &'static str,
                   value: Option<Option<String>>,
                   parse: fn(&'static str, &str) -> Result<String, SettingsError>| {
        value
            .map(|value| {
                applies(field, platform)?;
                value.map(|v| parse(field, &v)).transpose()
            })
            .transpose()
    };
    Ok(Promoted {
        meta_pixel_id: checked("metaPixelId", requested.meta_pixel_id, numeric_id)?,
        meta_custom_event_type: checked(
            "metaCustomEventType",
            requested.meta_custom_event_type,
            custom_event_type,
        )?,
        meta_application_id: checked("metaApplicationId", requested.meta_application_id, numeric_id)?,
        app_store_url: checked("appStoreUrl", requested.app_store_url, store_url)?,
        tiktok_app_id: checked("tiktokAppId", requested.tiktok_app_id, numeric_id)?,
        tiktok_pixel_id: checked("tiktokPixelId", requested.tiktok_pixel_id, numeric_id)?,
        tiktok_optimization_event: checked(
            "tiktokOptimizationEvent",
            requested.tiktok_optimization_event,
            event_code,
        )?,
    })
}

/// One of [`META_CUSTOM_EVENT_TYPES`] (letter case ignored).
fn custom_event_type(field: &'static str, value: &str) -> Result<String, SettingsError> {
    let value = value.trim().to_ascii_uppercase();
    if META_CUSTOM_EVENT_TYPES.contains(&value.as_str()) {
        Ok(value)
    } else {
        Err(invalid(field, format!("`{value}` is not one of {}", META_CUSTOM_EVENT_TYPES.join(", "))))
    }
}

/// A TikTok optimization event code (`SHOPPING`, `ON_WEB_CART`, `FORM`, ...): upper-case
/// letters, digits and underscores (letter case ignored). Which events a pixel tracks is
/// TikTok's to check.
fn event_code(field: &'static str, value: &str) -> Result<String, SettingsError> {
    let value = value.trim().to_ascii_uppercase();
    let code = value.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    if code && (1..=64).contains(&value.len()) && value.as_bytes()[0].is_ascii_uppercase() {
        Ok(value)
    } else {
        Err(invalid(field, format!("`{value}` is not a TikTok optimization event code such as SHOPPING")))
    }
}

/// An https URL on the App Store or Google Play.
fn store_url(field: &'static str, value: &str) -> Result<String, SettingsError> {
    let value = value.trim();
    let parsed = url::Url::parse(value).map_err(|_| invalid(field, "not an absolute URL"))?;
    let on_a_store = parsed.host_str().is_some_and(|host| APP_STORE_HOSTS.contains(&host));
    if parsed.scheme() != "https" || !on_a_store || value.len() > 2048 {
        return Err(invalid(field, "the app's https App Store (apps.apple.com) or Google Play URL"));
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Platform;

    #[test]
    fn meta_takes_a_pixel_an_event_and_an_app_and_tiktok_an_app_id() {
        let meta = Promoted {
            meta_pixel_id: Some(Some(" 1234567890 ".into())),
            meta_custom_event_type: Some(Some("lead".into())),
            meta_application_id: Some(Some("55501".into())),
            app_store_url: Some(Some("https://apps.apple.com/app/id835599320".into())),
            ..Promoted::default()
        };
        let checked = check(Platform::Meta, meta.clone()).expect("valid");
        assert_eq!(checked.meta_pixel_id, Some(Some("1234567890".to_owned())));
        assert_eq!(checked.meta_custom_event_type, Some(Some("LEAD".to_owned())));
        let refused = check(Platform::Tiktok, meta).expect_err("Meta settings");
        assert_eq!((refused.code().as_str(), refused.field()), ("SETTING_NOT_FOR_PLATFORM", "metaPixelId"));
        let tiktok = Promoted { tiktok_app_id: Some(Some("7012345".into())), ..Promoted::default() };
        assert!(check(Platform::Tiktok, tiktok.clone()).is_ok());
        assert!(check(Platform::Meta, tiktok).is_err());
    }

    #[test]
    fn malformed_values_name_their_field_and_null_clears() {
        let cases = [
            (Promoted { meta_pixel_id: Some(Some("px-1".into())), ..Promoted::default() }, "metaPixelId"),
            (
                Promoted { meta_custom_event_type: Some(Some("BUY".into())), ..Promoted::default() },
                "metaCustomEventType",
            ),
            (
                Promoted {
                    app_store_url: Some(Some("https://example.com/app".into())),
                    ..Promoted::default()
                },
                "appStoreUrl",
            ),
        ];
        for (requested, field) in cases {
            let error = check(Platform::Meta, requested).expect_err(field);
            assert_eq!((error.code().as_str(), error.field()), ("INVALID_SETTING", field));
        }
        let clear = Promoted { meta_pixel_id: Some(None), ..Promoted::default() };
        assert_eq!(check(Platform::Meta, clear).expect("clears").meta_pixel_id, Some(None));
    }

    #[test]
    fn tiktok_takes_a_pixel_and_an_optimization_event_code() {
        let tiktok = Promoted {
            tiktok_pixel_id: Some(Some(" 7012345678 ".into())),
            tiktok_optimization_event: Some(Some("on_web_cart".into())),
            ..Promoted::default()
        };
        let checked = check(Platform::Tiktok, tiktok.clone()).expect("valid");
        assert_eq!(checked.tiktok_pixel_id, Some(Some("7012345678".to_owned())));
        assert_eq!(checked.tiktok_optimization_event, Some(Some("ON_WEB_CART".to_owned())));
        let refused = check(Platform::Meta, tiktok).expect_err("TikTok settings");
        assert_eq!((refused.code().as_str(), refused.field()), ("SETTING_NOT_FOR_PLATFORM", "tiktokPixelId"));
        for event in ["", "ON WEB", "1ST", "on-web-cart"] {
            let bad = Promoted { tiktok_optimization_event: Some(Some(event.into())), ..Promoted::default() };
            let error = check(Platform::Tiktok, bad).expect_err(event);
            assert_eq!(
                (error.code().as_str(), error.field()),
                ("INVALID_SETTING", "tiktokOptimizationEvent")
            );
        }
    }
}
