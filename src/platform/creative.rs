//! Pushing a creative to an ad platform: what has to exist there before an ad can show it.
//!
//! - **Meta**: a video is uploaded by URL (`POST /act_<id>/advideos` with `file_url`), its
//!   thumbnail read back (`GET /<video id>?fields=picture`), then an ad creative made from it
//!   (`POST /act_<id>/adcreatives` with `object_story_spec.video_data`, the layer's Page and
//!   a `LEARN_MORE` call to action to its landing page; for an app-install campaign an
//!   `INSTALL_MOBILE_APP` one to the app's store URL). An image needs no upload: the ad creative names it (`link_data.picture`).
//!   Ads name the ad creative id.
//! - **TikTok**: a video is uploaded by URL (`/file/video/ad/upload/`, `UPLOAD_BY_URL`), then its
//!   cover frame as an image (`/file/image/ad/upload/`); an image is uploaded by URL alone. Ads
//!   name the video (or image) id and carry the layer's identity and landing page.
//! - **Apple Search Ads** shows the app's App Store product pages, not uploaded media: pushing is
//!   refused, so launching a creative on Apple is a user error before the gate.
//!
//! The steps are the same for the sandbox and the live adapters: each hands in an [`Exchange`]
//! that answers one native request (the sandbox simulates the platform, live sends over HTTP).
//! A push is not an ad write: it changes no delivery, so it needs no gate decision of its own;
//! the ad write that needs it is gated, and the push runs right before that write's dispatch.

use async_trait::async_trait;
use serde_json::{Value, json};
use uuid::Uuid;

use super::common::id_string;
use super::error::PlatformError;
use super::native::NativeRequest;
use super::write::{AccountContext, MediaKind};
use super::{meta, tiktok};
use crate::domain::Platform;
use crate::domain::campaign::Outcome;

/// One of our creatives, as a platform needs it to make its own.
#[derive(Debug, Clone, PartialEq)]
pub struct CreativeMedia {
    /// Our creative id.
    pub id: Uuid,
    /// The creative's name (the ad creative's name on Meta, the ad text on TikTok).
    pub name: String,
    /// Where the finished media is served from (fetched by the platform).
    pub media_url: String,
    /// Where a tap on the ad leads, from the campaign the ad runs in.
    pub destination: Destination,
}

/// Where a tap on an ad leads, from its campaign's outcome: Meta's ad creative carries it
/// (`LEARN_MORE` to the landing page, or `INSTALL_MOBILE_APP` to the app's store page).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Destination {
    /// The layer's landing page: traffic and conversions campaigns.
    #[default]
    LandingPage,
    /// The promoted app's App Store or Google Play page: app-install campaigns.
    AppStore,
}

impl Destination {
    /// Where ads of a campaign with `outcome` lead (the landing page when it has none).
    pub fn of(outcome: Option<&Outcome>) -> Self {
        match outcome {
            Some(Outcome::AppInstalls) => Destination::AppStore,
            _ => Destination::LandingPage,
        }
    }

    /// The destination a creative pushed to `platform` is kept under: Meta's ad creative holds
    /// its call to action and link, so Meta keeps one per destination; TikTok's upload is the
    /// media alone (the ad carries the rest) and serves every destination.
    pub fn kept_on(self, platform: Platform) -> Self {
        if platform == Platform::Meta { self } else { Destination::LandingPage }
    }

    /// The stored name: `landing_page` or `app_store`.
    pub fn as_str(self) -> &'static str {
        match self {
            Destination::LandingPage => "landing_page",
            Destination::AppStore => "app_store",
        }
    }
}

impl CreativeMedia {
    /// Video or image, from the media URL.
    pub fn kind(&self) -> MediaKind {
        MediaKind::of_url(&self.media_url)
    }

    /// The file name given to an upload: unique per creative, so the platform's library names it.
    pub fn file_name(&self) -> String {
        format!("layers-{}", self.id)
    }
}

/// What the platform holds for a pushed creative.
#[derive(Debug, Clone, PartialEq)]
pub struct PushedCreative {
    /// The id an ad names: Meta's ad creative id, TikTok's video or image id.
    pub platform_creative_id: String,
    /// Video or image.
    pub kind: MediaKind,
    /// TikTok: the image id of a video's cover.
    pub cover_image_id: Option<String>,
    /// The native requests (tokens redacted) and responses, in order.
    pub native: Value,
}

/// Answers one native request: the platform's response body, or its typed error.
#[async_trait]
pub trait Exchange: Send + Sync {
    /// Sends `request` with `query` and returns the platform's answer.
    async fn exchange(
        &self,
        request: &NativeRequest,
        query: &[(String, String)],
    ) -> Result<Value, PlatformError>;
}

/// Whether `account` can take `media` at all, without I/O: Apple never can; Meta needs the
/// layer's Page and landing page (its app's store URL for an app-install campaign); TikTok its
/// identity and landing page.
pub fn check_push(account: &AccountContext, media: &CreativeMedia) -> Result<(), PlatformError> {
    if media.media_url.trim().is_empty() {
        return Err(PlatformError::invalid("mediaUrl", "the creative has no media to push"));
    }
    match account.platform {
        Platform::Meta => meta::ad_creative(account, media, &json!({}), meta::API_VERSION).map(drop),
        Platform::Tiktok => tiktok::ad_identity(account).map(drop),
        Platform::Apple => Err(apple_refusal()),
    }
}

/// Makes `media` a creative `account`'s platform can show, through `exchange`.
pub async fn push(
    account: &AccountContext,
    media: &CreativeMedia,
    meta_version: &str,
    exchange: &dyn Exchange,
) -> Result<PushedCreative, PlatformError> {
    check_push(account, media)?;
    let mut steps = Steps { exchange, log: Vec::new() };
    let kind = media.kind();
    match account.platform {
        Platform::Meta => {
            let media_spec = match kind {
                MediaKind::Video => {
                    let uploaded = steps.call(meta::upload_video(account, media, meta_version)?, &[]).await?;
                    let video_id = id_at(&uploaded, "id", "Meta's video upload")?;
                    let fields = [("fields".to_owned(), "picture".to_owned())];
                    let video = steps.call(meta::video(&video_id, meta_version)?, &fields).await?;
                    meta::video_spec(&video_id, video["picture"].as_str())
                }
                MediaKind::Image => meta::image_spec(media),
            };
            let created =
                steps.call(meta::ad_creative(account, media, &media_spec, meta_version)?, &[]).await?;
            let id = id_at(&created, "id", "Meta's ad creative")?;
            Ok(steps.pushed(id, kind, None))
        }
        Platform::Tiktok => match kind {
            MediaKind::Video => {
                let uploaded = steps.call(tiktok::upload_video(account, media)?, &[]).await?;
                let video = tiktok_data(&uploaded);
                let video_id = id_at(video, "video_id", "TikTok's video upload")?;
                let cover_url = video["video_cover_url"].as_str().ok_or_else(|| {
                    PlatformError::permanent("TikTok's video upload answered without a cover image")
                })?;
                let cover_name = format!("{}-cover", media.file_name());
                let cover = steps.call(tiktok::upload_image(account, cover_url, &cover_name)?, &[]).await?;
                let cover_id = id_at(tiktok_data(&cover), "image_id", "TikTok's image upload")?;
                Ok(steps.pushed(video_id, kind, Some(cover_id)))
            }
            MediaKind::Image => {
                let uploaded = steps
                    .call(tiktok::upload_image(account, &media.media_url, &media.file_name())?, &[])
                    .await?;
                let image_id = id_at(tiktok_data(&uploaded), "image_id", "TikTok's image upload")?;
                Ok(steps.pushed(image_id, kind, None))
            }
        },
        Platform::Apple => Err(apple_refusal()),
    }
}

/// Why Apple takes no creative.
fn apple_refusal() -> PlatformError {
    PlatformError::invalid(
        "creativeId",
        "Apple Search Ads ads show the app's App Store product pages; a creative's media cannot be pushed to Apple",
    )
}

/// The steps of one push so far.
struct Steps<'a> {
    exchange: &'a dyn Exchange,
    log: Vec<Value>,
}

impl Steps<'_> {
    /// One request and its answer, kept for the record.
    async fn call(
        &mut self,
        request: NativeRequest,
        query: &[(String, String)],
    ) -> Result<Value, PlatformError> {
        let answer = self.exchange.exchange(&request, query).await;
        let query: serde_json::Map<String, Value> =
            query.iter().map(|(key, value)| (key.clone(), json!(value))).collect();
        self.log.push(json!({
            "request": request,
            "query": query,
            "response": match &answer { Ok(body) => body.clone(), Err(error) => error.audit_detail() },
        }));
        answer.map_err(|error| error.with_context("while pushing the creative"))
    }

    fn pushed(self, id: String, kind: MediaKind, cover_image_id: Option<String>) -> PushedCreative {
        PushedCreative {
            platform_creative_id: id,
            kind,
            cover_image_id,
            native: json!({ "steps": self.log }),
        }
    }
}

/// TikTok's `data`, or its first element when `data` is a list (video uploads answer one).
fn tiktok_data(body: &Value) -> &Value {
    let data = &body["data"];
    if data.is_array() { &data[0] } else { data }
}

/// The id under `key`, as a string.
fn id_at(object: &Value, key: &str, what: &str) -> Result<String, PlatformError> {
    id_string(&object[key]).ok_or_else(|| PlatformError::permanent(format!("{what} answered without an id")))
}
