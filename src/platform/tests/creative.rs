//! Creative pushes: the native steps on Meta and TikTok, the ads they make, Apple's refusal.

use std::sync::Mutex;

use async_trait::async_trait;
use serde_json::{Value, json};
use uuid::Uuid;

use super::fixtures::account;
use crate::domain::Platform;
use crate::domain::status::EntityStatus;
use crate::platform::creative::{self, Destination, Exchange};
use crate::platform::{
    AccountContext, AdIdentity, AdMedia, CreativeMedia, MediaKind, NativeRequest, PlatformError,
    PlatformWrite, tiktok,
};

/// One request sent, with its query.
type Sent = (NativeRequest, Vec<(String, String)>);

/// Answers each request with the next canned response and remembers what it was sent.
struct Scripted {
    answers: Mutex<Vec<Result<Value, PlatformError>>>,
    sent: Mutex<Vec<Sent>>,
}

impl Scripted {
    fn new(answers: Vec<Result<Value, PlatformError>>) -> Self {
        Scripted { answers: Mutex::new(answers), sent: Mutex::new(Vec::new()) }
    }

    fn sent(&self) -> Vec<Sent> {
        self.sent.lock().expect("lock").clone()
    }
}

#[async_trait]
impl Exchange for Scripted {
    async fn exchange(
        &self,
        request: &NativeRequest,
        query: &[(String, String)],
    ) -> Result<Value, PlatformError> {
        self.sent.lock().expect("lock").push((request.clone(), query.to_vec()));
        let mut answers = self.answers.lock().expect("lock");
        assert!(!answers.is_empty(), "an unexpected request: {request:?}");
        answers.remove(0)
    }
}

fn identified(platform: Platform) -> AccountContext {
    let mut account = account(platform, "USD");
    account.identity = AdIdentity {
        meta_page_id: Some("1122334455".to_owned()),
        tiktok_identity_type: Some("CUSTOMIZED_USER".to_owned()),
        tiktok_identity_id: Some("7001".to_owned()),
        landing_page_url: Some("https://shop.example/app".to_owned()),
        ..AdIdentity::default()
    };
    account
}

fn media(url: &str) -> CreativeMedia {
    CreativeMedia {
        id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001),
        name: "Spring launch".to_owned(),
        media_url: url.to_owned(),
        destination: Destination::LandingPage,
    }
}

#[tokio::test]
async fn a_meta_video_is_uploaded_its_thumbnail_read_and_an_ad_creative_made() {
    let exchange = Scripted::new(vec![
        Ok(json!({ "id": "900100" })),
        Ok(json!({ "id": "900100", "picture": "https://scontent.example/thumb.jpg" })),
        Ok(json!({ "id": "120330000000000001" })),
    ]);
    let video = media("https://cdn.example/spring.MP4?sig=1");
    let pushed =
        creative::push(&identified(Platform::Meta), &video, "v22.0", &exchange).await.expect("pushed");
    assert_eq!(
        (pushed.platform_creative_id.as_str(), pushed.kind, pushed.cover_image_id),
        ("120330000000000001", MediaKind::Video, None)
    );
    let sent = exchange.sent();
    let paths: Vec<_> = sent.iter().map(|(r, _)| format!("{} {}", r.method, r.path)).collect();
    assert_eq!(
        paths,
        ["POST /v22.0/act_123456789/advideos", "GET /v22.0/900100", "POST /v22.0/act_123456789/adcreatives"]
    );
    assert_eq!(
        sent[0].0.body,
        json!({ "name": "layers-01900000-0000-7000-8000-000000000001", "file_url": "https://cdn.example/spring.MP4?sig=1" })
    );
    assert_eq!(sent[1].1, [("fields".to_owned(), "picture".to_owned())]);
    assert_eq!(
        sent[2].0.body,
        json!({ "name": "Spring launch", "object_story_spec": { "page_id": "1122334455", "video_data": {
            "video_id": "900100", "image_url": "https://scontent.example/thumb.jpg",
            "call_to_action": { "type": "LEARN_MORE", "value": { "link": "https://shop.example/app" } } } } })
    );
    assert!(sent.iter().all(|(r, _)| r.headers["Authorization"] == "Bearer <redacted>"));
    assert_eq!(pushed.native["steps"].as_array().map(Vec::len), Some(3), "every step is kept for the record");
}

#[tokio::test]
async fn a_meta_image_needs_only_the_ad_creative() {
    let exchange = Scripted::new(vec![Ok(json!({ "id": "120330000000000002" }))]);
    let image = media("https://cdn.example/spring.png");
    let pushed =
        creative::push(&identified(Platform::Meta), &image, "v21.0", &exchange).await.expect("pushed");
    assert_eq!((pushed.platform_creative_id.as_str(), pushed.kind), ("120330000000000002", MediaKind::Image));
    let sent = exchange.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0.path, "/v21.0/act_123456789/adcreatives");
    assert_eq!(
        sent[0].0.body["object_story_spec"]["link_data"],
        json!({ "picture": "https://cdn.example/spring.png", "link": "https://shop.example/app",
            "call_to_action": { "type": "LEARN_MORE", "value": { "link": "https://shop.example/app" } } })
    );
}

#[tokio::test]
async fn a_meta_app_install_creative_leads_to_the_store_with_an_install_call_to_action() {
    let store = "https://apps.apple.com/app/id835599320";
    let image =
        CreativeMedia { destination: Destination::AppStore, ..media("https://cdn.example/spring.png") };
    let mut account = identified(Platform::Meta);
    let refused = creative::check_push(&account, &image).expect_err("no store URL");
    assert!(
        matches!(refused, PlatformError::InvalidRequest { field: Some(ref f), .. } if f == "appStoreUrl")
    );
    account.identity.app_store_url = Some(store.to_owned());
    let exchange = Scripted::new(vec![Ok(json!({ "id": "120330000000000003" }))]);
    creative::push(&account, &image, "v21.0", &exchange).await.expect("pushed");
    assert_eq!(
        exchange.sent()[0].0.body["object_story_spec"]["link_data"],
        json!({ "picture": "https://cdn.example/spring.png", "link": store,
            "call_to_action": { "type": "INSTALL_MOBILE_APP", "value": { "link": store } } })
    );
}

#[tokio::test]
async fn a_tiktok_video_and_its_cover_are_uploaded_by_url() {
    let exchange = Scripted::new(vec![
        Ok(json!({ "code": 0, "message": "OK", "request_id": "r1",
            "data": [{ "video_id": "v10033g50000abc", "video_cover_url": "https://p16.example/cover.jpg" }] })),
        Ok(
            json!({ "code": 0, "message": "OK", "request_id": "r2", "data": { "image_id": "ad-site-i18n-sg/cover1" } }),
        ),
    ]);
    let video = media("https://cdn.example/spring.mp4");
    let account = identified(Platform::Tiktok);
    let pushed = creative::push(&account, &video, "v21.0", &exchange).await.expect("pushed");
    assert_eq!(
        (pushed.platform_creative_id.as_str(), pushed.cover_image_id.as_deref()),
        ("v10033g50000abc", Some("ad-site-i18n-sg/cover1"))
    );
    let sent = exchange.sent();
    assert_eq!(sent[0].0.path, "/open_api/v1.3/file/video/ad/upload/");
    assert_eq!(
        sent[0].0.body,
        json!({ "advertiser_id": "123456789", "upload_type": "UPLOAD_BY_URL",
            "video_url": "https://cdn.example/spring.mp4", "file_name": "layers-01900000-0000-7000-8000-000000000001" })
    );
    assert_eq!(sent[1].0.path, "/open_api/v1.3/file/image/ad/upload/");
    assert_eq!(sent[1].0.body["image_url"], "https://p16.example/cover.jpg");
    assert!(sent.iter().all(|(r, _)| r.headers["Access-Token"] == "<redacted>"));

    // The ad then carries the video, its cover, the text, identity and landing page.
    let ad = PlatformWrite::CreateAd {
        campaign_id: "1".to_owned(),
        ad_set_id: "2".to_owned(),
        name: "Ad 1".to_owned(),
        creative_id: pushed.platform_creative_id,
        status: EntityStatus::Active,
        media: Some(AdMedia {
            kind: MediaKind::Video,
            cover_image_id: pushed.cover_image_id,
            text: video.name,
        }),
    };
    let request = tiktok::build_request(&account, &ad).expect("valid");
    assert_eq!(
        request.body["creatives"],
        json!([{ "ad_name": "Ad 1", "ad_format": "SINGLE_VIDEO", "video_id": "v10033g50000abc",
            "image_ids": ["ad-site-i18n-sg/cover1"], "ad_text": "Spring launch", "identity_type": "CUSTOMIZED_USER",
            "identity_id": "7001", "landing_page_url": "https://shop.example/app", "call_to_action": "LEARN_MORE" }])
    );
}

#[tokio::test]
async fn a_refused_step_stops_the_push_with_the_platform_error() {
    let exchange = Scripted::new(vec![Err(PlatformError::invalid_request(None, "video too long"))]);
    let video = media("https://cdn.example/spring.mp4");
    let error =
        creative::push(&identified(Platform::Meta), &video, "v21.0", &exchange).await.expect_err("refused");
    assert_eq!(error.code(), "PLATFORM_INVALID_REQUEST");
    assert!(error.to_string().contains("while pushing the creative"), "{error}");
    assert_eq!(exchange.sent().len(), 1, "nothing after the refused step");
}

#[test]
fn apple_takes_no_media_and_missing_settings_are_named() {
    let video = media("https://cdn.example/spring.mp4");
    let apple = creative::check_push(&identified(Platform::Apple), &video).expect_err("Apple");
    assert_eq!(apple.field(), Some("creativeId"));
    let mut meta = identified(Platform::Meta);
    meta.identity.meta_page_id = None;
    assert_eq!(creative::check_push(&meta, &video).expect_err("no Page").field(), Some("metaPageId"));
    let mut tiktok = identified(Platform::Tiktok);
    tiktok.identity.landing_page_url = None;
    assert_eq!(
        creative::check_push(&tiktok, &video).expect_err("no landing").field(),
        Some("landingPageUrl")
    );
    assert!(creative::check_push(&identified(Platform::Tiktok), &video).is_ok());
}
