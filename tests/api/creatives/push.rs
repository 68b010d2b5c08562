//! Creatives reaching the platform: pushed once per ad account before the first ad that shows
//! them, reused by every later ad, refused on Apple, and a refused push failing its write cleanly.

use layers_dashboard::platform::PlatformError;
use serde_json::{Value, json};

use super::launch;
use crate::dispatch::with_sandboxes;
use crate::support::{TestApp, audit_rows, create_ad_set, insert_creative};

/// The paths the sandbox received, in order.
fn paths(sandbox: &layers_dashboard::platform::SandboxAdapter) -> Vec<String> {
    sandbox.recorded().iter().map(|request| format!("{} {}", request.method, request.path)).collect()
}

#[tokio::test]
async fn a_creative_is_pushed_once_and_every_ad_names_the_same_meta_ad_creative() {
    let mut app = TestApp::new().await;
    let sandboxes = with_sandboxes(&mut app);
    let campaign = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
    let first_set = create_ad_set(&app, &campaign).await;
    let second_set = create_ad_set(&app, &campaign).await;
    let creative = insert_creative(&app, "Spring launch").await;
    let before = sandboxes.meta.recorded().len();

    for ad_set in [&first_set, &second_set] {
        let payload = launch(&app, ad_set, &creative).await;
        assert_eq!(payload["verdict"]["decision"], "ALLOW", "{payload:#}");
        assert_eq!(payload["ad"]["status"], "ACTIVE", "{payload:#}");
    }
    let recorded = sandboxes.meta.recorded();
    let mut sent: Vec<String> = paths(&sandboxes.meta).split_off(before);
    assert!(sent[1].starts_with("GET /v27.0/"), "the video's thumbnail is read: {sent:?}");
    sent[1] = "GET <video>".to_owned();
    assert_eq!(
        sent,
        [
            "POST /v27.0/act_1000000000000001/advideos",
            "GET <video>",
            "POST /v27.0/act_1000000000000001/adcreatives",
            "POST /v27.0/act_1000000000000001/ads",
            "POST /v27.0/act_1000000000000001/ads",
        ],
        "one push, then one ad per launch"
    );
    let ad_creative = recorded[before + 2].body["object_story_spec"]["video_data"]["video_id"].clone();
    assert!(
        ad_creative.is_string(),
        "the ad creative shows the uploaded video: {:#}",
        recorded[before + 2].body
    );
    let names: Vec<&Value> =
        recorded[before + 3..].iter().map(|ad| &ad.body["creative"]["creative_id"]).collect();
    assert_eq!(names[0], names[1], "both ads name the same ad creative");
    assert_ne!(names[0], &json!(creative), "the platform's id, not ours");

    let query = "query($id: ID!) { node(id: $id) { ... on Creative {
        platformCreatives { platform adAccountId platformCreativeId mediaKind coverImageId } } } }";
    let read = app.ok(&app.customer(), query, json!({ "id": creative })).await;
    assert_eq!(
        read["node"]["platformCreatives"],
        json!([{ "platform": "META", "adAccountId": "1000000000000001", "platformCreativeId": names[0],
            "mediaKind": "VIDEO", "coverImageId": null }])
    );
}

#[tokio::test]
async fn a_tiktok_ad_carries_the_video_its_cover_and_the_identity() {
    let mut app = TestApp::new().await;
    let sandboxes = with_sandboxes(&mut app);
    let campaign = app.campaign("TIKTOK", ("AUTOPILOT", "AUTOPILOT")).await;
    let ad_set = create_ad_set(&app, &campaign).await;
    let creative = insert_creative(&app, "Clip").await;
    let payload = launch(&app, &ad_set, &creative).await;
    assert_eq!(payload["ad"]["status"], "ACTIVE", "{payload:#}");
    let recorded = sandboxes.tiktok.recorded();
    let n = recorded.len();
    assert_eq!(recorded[n - 3].path, "/open_api/v1.3/file/video/ad/upload/");
    assert_eq!(recorded[n - 2].path, "/open_api/v1.3/file/image/ad/upload/");
    let ad = &recorded[n - 1].body["creatives"][0];
    assert_eq!(ad["ad_format"], "SINGLE_VIDEO", "{ad:#}");
    assert!(ad["video_id"].as_str().is_some_and(|id| id.starts_with("v10033g5")), "{ad:#}");
    assert_eq!(ad["image_ids"].as_array().map(Vec::len), Some(1), "{ad:#}");
    assert_eq!((&ad["ad_text"], &ad["identity_type"]), (&json!("Clip"), &json!("CUSTOMIZED_USER")), "{ad:#}");
}

#[tokio::test]
async fn apple_takes_no_creative_media_and_nothing_is_decided() {
    let mut app = TestApp::new().await;
    let sandboxes = with_sandboxes(&mut app);
    let campaign = app.campaign("APPLE", ("AUTOPILOT", "AUTOPILOT")).await;
    let ad_set = create_ad_set(&app, &campaign).await;
    let creative = insert_creative(&app, "Screens").await;
    let before = (sandboxes.apple.recorded().len(), crate::support::row_totals(&app).await);
    let payload = launch(&app, &ad_set, &creative).await;
    super::assert_user_error(&payload, "UNSUPPORTED_BY_PLATFORM");
    assert_eq!((sandboxes.apple.recorded().len(), crate::support::row_totals(&app).await), before);
}

#[tokio::test]
async fn a_refused_push_fails_the_launch_and_the_next_launch_pushes_again() {
    let mut app = TestApp::new().await;
    let sandboxes = with_sandboxes(&mut app);
    let campaign = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
    let ad_set = create_ad_set(&app, &campaign).await;
    let creative = insert_creative(&app, "Too long").await;
    sandboxes.meta.fail_next(PlatformError::invalid_request(None, "the video is longer than 241 minutes"));
    let payload = launch(&app, &ad_set, &creative).await;
    assert_eq!(payload["verdict"]["decision"], "ALLOW", "{payload:#}");
    assert_eq!(payload["ad"], Value::Null, "no ad without its creative: {payload:#}");
    assert_eq!(payload["userErrors"][0]["code"], "PLATFORM_INVALID_REQUEST", "{payload:#}");
    let rows = audit_rows(&app, &app.customer(), json!({ "event": "ads.write.allowed" })).await;
    let launch_row = rows.iter().find(|row| row["dispatchStatus"] == "failed").expect("a failed launch row");
    assert_eq!(launch_row["decision"], "ALLOW", "{launch_row:#}");

    let payload = launch(&app, &ad_set, &creative).await;
    assert_eq!(payload["ad"]["status"], "ACTIVE", "{payload:#}");
    let pushes = paths(&sandboxes.meta).iter().filter(|path| path.ends_with("/adcreatives")).count();
    assert_eq!(pushes, 1, "the refused push recorded nothing; the retry pushed once");
}

#[tokio::test]
async fn a_meta_app_install_ad_gets_an_install_ad_creative_of_its_own() {
    let mut app = TestApp::new().await;
    let sandboxes = with_sandboxes(&mut app);
    let conversions = app.campaign("META", ("AUTOPILOT", "AUTOPILOT")).await;
    let input = json!({ "input": { "platform": "META", "name": "Installs", "dailyBudgetCents": 5000,
        "outcome": "APP_INSTALLS", "campaignManagementMode": "AUTOPILOT", "creativeMode": "AUTOPILOT" } });
    let installs = app.ok(&app.customer(), crate::support::CREATE_CAMPAIGN, input).await;
    let installs = installs["createCampaign"]["campaign"]["id"].as_str().expect("campaign").to_owned();
    let web_set = create_ad_set(&app, &conversions).await;
    let app_set = create_ad_set(&app, &installs).await;
    let creative = insert_creative(&app, "Spring launch").await;
    let before = sandboxes.meta.recorded().len();

    for ad_set in [&web_set, &app_set, &app_set, &web_set] {
        let payload = launch(&app, ad_set, &creative).await;
        assert_eq!(payload["ad"]["status"], "ACTIVE", "{payload:#}");
    }
    let recorded = sandboxes.meta.recorded();
    let calls: Vec<(&Value, Value)> = recorded[before..]
        .iter()
        .filter(|request| request.path.ends_with("/adcreatives"))
        .map(|request| {
            let action = &request.body["object_story_spec"]["video_data"]["call_to_action"];
            (&action["type"], action["value"]["link"].clone())
        })
        .collect();
    assert_eq!(calls.len(), 2, "one ad creative per destination, each reused: {calls:?}");
    assert_eq!(calls[0].0, "LEARN_MORE", "{calls:?}");
    assert_eq!(calls[1].0, "INSTALL_MOBILE_APP", "{calls:?}");
    assert!(calls[1].1.as_str().is_some_and(|link| link.starts_with("https://apps.apple.com/")), "{calls:?}");
    let ads: Vec<&Value> = recorded[before..]
        .iter()
        .filter(|request| request.path.ends_with("/ads"))
        .map(|ad| &ad.body["creative"]["creative_id"])
        .collect();
    assert_eq!((ads[0], ads[1]), (ads[3], ads[2]), "each destination's ads name its ad creative");
    assert_ne!(ads[0], ads[1], "an app-install ad names the install ad creative");
}
