//! Opaque global ids for the Relay `Node` interface: `base64url("<Kind>:<uuid>")`.
//!
//! Decoding only checks the shape; whether the id exists, and belongs to the caller's organization,
//! is the store's business.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

/// The kinds of object that have a global id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// A platform layer.
    Layer,
    /// A campaign.
    Campaign,
    /// An ad set (ad group on TikTok and Apple).
    AdSet,
    /// An ad.
    Ad,
    /// A creative (content container).
    Creative,
    /// A pending action.
    PendingAction,
    /// An audit row (its uuid is the verdict id).
    AuditRow,
    /// A connected ad account.
    ConnectedAccount,
}

impl NodeKind {
    const ALL: [NodeKind; 8] = [
        NodeKind::Layer,
        NodeKind::Campaign,
        NodeKind::AdSet,
        NodeKind::Ad,
        NodeKind::Creative,
        NodeKind::PendingAction,
        NodeKind::AuditRow,
        NodeKind::ConnectedAccount,
    ];

    /// The GraphQL type name, used as the id's prefix.
    pub fn type_name(self) -> &'static str {
        match self {
            NodeKind::Layer => "Layer",
            NodeKind::Campaign => "Campaign",
            NodeKind::AdSet => "AdSet",
            NodeKind::Ad => "Ad",
            NodeKind::Creative => "Creative",
            NodeKind::PendingAction => "PendingAction",
            NodeKind::AuditRow => "AuditRow",
            NodeKind::ConnectedAccount => "ConnectedAccount",
        }
    }
}

/// An id that is not a global id of the expected kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a valid id")]
pub struct InvalidId(pub String);

/// Encodes a global id.
pub fn encode(kind: NodeKind, id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{}", kind.type_name(), id))
}

/// Decodes a global id of any kind.
pub fn decode_any(global: &str) -> Result<(NodeKind, Uuid), InvalidId> {
    let invalid = || InvalidId(truncate(global));
    if global.len() > 128 {
        return Err(invalid());
    }
    let bytes = URL_SAFE_NO_PAD.decode(global).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (prefix, raw) = text.split_once(':').ok_or_else(invalid)?;
    let kind = NodeKind::ALL.into_iter().find(|kind| kind.type_name() == prefix).ok_or_else(invalid)?;
    let id = Uuid::try_parse(raw).map_err(|_| invalid())?;
    Ok((kind, id))
}

/// Decodes a global id that must be of `kind`.
pub fn decode(kind: NodeKind, global: &str) -> Result<Uuid, InvalidId> {
    match decode_any(global)? {
        (found, id) if found == kind => Ok(id),
        _ => Err(InvalidId(truncate(global))),
    }
}

fn truncate(text: &str) -> String {
    text.chars().take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_kind() {
        let id = Uuid::now_v7();
        for kind in NodeKind::ALL {
            assert_eq!(decode(kind, &encode(kind, id)), Ok(id));
        }
    }

    #[test]
    fn rejects_wrong_kind_and_garbage() {
        let id = Uuid::now_v7();
        let campaign = encode(NodeKind::Campaign, id);
        assert!(decode(NodeKind::Ad, &campaign).is_err());
        assert!(decode_any("not base64 !").is_err());
        assert!(decode_any(&URL_SAFE_NO_PAD.encode("Campaign:not-a-uuid")).is_err());
        assert!(decode_any(&URL_SAFE_NO_PAD.encode(format!("Planet:{id}"))).is_err());
        assert!(decode_any(&"A".repeat(10_000)).is_err());
    }
}
