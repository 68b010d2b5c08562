//! TikTok file uploads: a creative's video or image (and a video's cover), fetched by TikTok from
//! its URL into the advertiser's library.

use serde_json::{Map, Value, json};

use super::API_PREFIX;
use crate::platform::common::require_ad_account;
use crate::platform::creative::CreativeMedia;
use crate::platform::error::PlatformError;
use crate::platform::native::{NativeRequest, REDACTED};
use crate::platform::write::AccountContext;

/// `/file/video/ad/upload/`: TikTok fetches the creative's video from its URL.
pub(crate) fn upload_video(
    account: &AccountContext,
    media: &CreativeMedia,
) -> Result<NativeRequest, PlatformError> {
    upload(
        account,
        "/file/video/ad/upload/",
        json!({
        "upload_type": "UPLOAD_BY_URL", "video_url": media.media_url, "file_name": media.file_name() }),
    )
}

/// `/file/image/ad/upload/`: TikTok fetches an image (a creative, or a video's cover) from its URL.
pub(crate) fn upload_image(
    account: &AccountContext,
    image_url: &str,
    file_name: &str,
) -> Result<NativeRequest, PlatformError> {
    upload(
        account,
        "/file/image/ad/upload/",
        json!({
        "upload_type": "UPLOAD_BY_URL", "image_url": image_url, "file_name": file_name }),
    )
}

/// A file upload to the advertiser's library.
fn upload(account: &AccountContext, endpoint: &str, fields: Value) -> Result<NativeRequest, PlatformError> {
    let mut body = Map::new();
    body.insert("advertiser_id".into(), json!(require_ad_account(account)?));
    if let Value::Object(fields) = fields {
        body.extend(fields);
    }
    let request =
        NativeRequest::new("POST", format!("{API_PREFIX}{endpoint}")).header("Access-Token", REDACTED);
    Ok(request.body(Value::Object(body)))
}
