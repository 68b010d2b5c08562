//! Snapshot tests of payloads and audit rows (`insta`): what changes from run to run (ids,
//! times, the ids a platform assigns) is redacted, and checked on the way.
//!
//! Every id is replaced by its kind and a number in order of first appearance (`[Campaign 1]`,
//! `[uuid 2]`), so a snapshot still shows which fields name the same object (a pending action's
//! `verdictId` and the verdict's `id`); an id or time that does not parse fails the test. Use:
//!
//! ```ignore
//! redacted().bind(|| insta::assert_json_snapshot!("auto_payload", payload));
//! ```
//!
//! Snapshots live in `tests/api/snapshots/`. A new or changed one fails the test; to accept it,
//! run the test with `INSTA_UPDATE=always` (or `cargo insta review`) and commit the `.snap` file.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use insta::internals::Content;
use insta::{Settings, dynamic_redaction};

/// Fields holding a global id (`Q2FtcGFpZ2...`) or a UUID (verdict ids, ids inside JSON details).
const ID_FIELDS: &[&str] = &[
    ".**.id",
    ".**.verdictId",
    ".**.targetId",
    ".**.campaignId",
    ".**.pendingActionId",
    ".**.resolutionVerdictId",
    ".**.actorApiKeyId",
    ".**.campaign_id",
    ".**.ad_set_id",
    ".**.ad_id",
    ".**.creative_id",
    ".**.layer_id",
    ".**.organization_id",
];

/// Fields holding an RFC 3339 time.
const TIME_FIELDS: &[&str] = &[
    ".**.createdAt",
    ".**.expiresAt",
    ".**.resolvedAt",
    ".**.dispatchStartedAt",
    ".**.trippedAt",
    ".**.created_at",
    ".**.updated_at",
    ".**.started_at",
    ".**.finished_at",
];

/// Fields holding an id the platform (here its sandbox) assigned: digits only.
const PLATFORM_ID_FIELDS: &[&str] =
    &[".**.platformCampaignId", ".**.platform_id", ".**.platform_campaign_id", ".**.platform_ad_set_id"];

/// Native request paths, which name the platform's ids (`/v27.0/120248341548206548`).
const PATH_FIELDS: &[&str] = &[".**.native_request.path"];

/// Insta settings with every redaction of this module, for one snapshot (or several sharing
/// their numbering).
pub fn redacted() -> Settings {
    let mut settings = Settings::clone_current();
    settings.set_sort_maps(true);
    let numbering = Numbering::default();
    for &selector in ID_FIELDS {
        let numbering = numbering.clone();
        settings.add_redaction(selector, dynamic_redaction(move |value, _| numbering.id(value)));
    }
    for &selector in TIME_FIELDS {
        settings.add_redaction(selector, dynamic_redaction(time));
    }
    for &selector in PLATFORM_ID_FIELDS {
        let numbering = numbering.clone();
        settings.add_redaction(selector, dynamic_redaction(move |value, _| numbering.platform_id(value)));
    }
    for &selector in PATH_FIELDS {
        let numbering = numbering.clone();
        settings.add_redaction(selector, dynamic_redaction(move |value, _| numbering.path(value)));
    }
    settings
}

/// The numbers handed out so far, by the value they stand for: the same object always gets the
/// same number, whether named by a global id or by its UUID.
#[derive(Clone, Default)]
struct Numbering(Arc<Mutex<HashMap<String, usize>>>);

impl Numbering {
    /// `[<Kind> n]` for a global id, `[uuid n]` for a UUID; null stays null.
    fn id(&self, value: Content) -> Content {
        let Some(text) = text_of(&value) else { return value };
        let (kind, uuid) = match layers_dashboard::ids::decode_any(&text) {
            Ok((kind, uuid)) => (kind.type_name(), uuid),
            Err(_) => {
                let uuid = text.parse::<uuid::Uuid>();
                ("uuid", uuid.unwrap_or_else(|_| panic!("{text:?} is neither a global id nor a UUID")))
            }
        };
        Content::from(format!("[{kind} {}]", self.number(&uuid.to_string())))
    }

    /// `[platform id n]` for a platform's id (all digits); null stays null.
    fn platform_id(&self, value: Content) -> Content {
        let Some(text) = text_of(&value) else { return value };
        assert!(is_platform_id(&text), "{text:?} is not a platform id");
        Content::from(self.platform_placeholder(&text))
    }

    /// The path with each platform id in it replaced as [`Numbering::platform_id`] does.
    fn path(&self, value: Content) -> Content {
        let Some(text) = text_of(&value) else { return value };
        let segments: Vec<String> = text
            .split('/')
            .map(|segment| {
                if is_platform_id(segment) { self.platform_placeholder(segment) } else { segment.to_owned() }
            })
            .collect();
        Content::from(segments.join("/"))
    }

    fn platform_placeholder(&self, id: &str) -> String {
        format!("[platform id {}]", self.number(id))
    }

    fn number(&self, key: &str) -> usize {
        let mut numbers = self.0.lock().expect("numbering lock");
        let next = numbers.len() + 1;
        *numbers.entry(key.to_owned()).or_insert(next)
    }
}

/// Whether `text` looks like an id a platform assigns: digits only, at least six of them.
fn is_platform_id(text: &str) -> bool {
    text.len() >= 6 && text.bytes().all(|byte| byte.is_ascii_digit())
}

/// `[time]` for an RFC 3339 time; null stays null.
fn time(value: Content, _: insta::internals::ContentPath<'_>) -> Content {
    let Some(text) = text_of(&value) else { return value };
    chrono::DateTime::parse_from_rfc3339(&text)
        .unwrap_or_else(|_| panic!("{text:?} is not an RFC 3339 time"));
    Content::from("[time]")
}

/// The text of a string (or number) value; `None` for null.
fn text_of(value: &Content) -> Option<String> {
    match value.resolve_inner() {
        Content::None | Content::Unit => None,
        other => Some(
            other
                .as_str()
                .map(str::to_owned)
                .or_else(|| other.as_u64().map(|number| number.to_string()))
                .unwrap_or_else(|| panic!("{other:?} is not a string or a number")),
        ),
    }
}
