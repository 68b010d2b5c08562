//! The Relay `Node` interface.

use async_graphql::{ID, Interface};

use super::{Ad, AdSet, AuditRow, Campaign, ConnectedAccount, Creative, Layer, PendingAction};

/// An object with a global id, fetchable with `node(id:)`.
#[derive(Interface, Debug, Clone)]
#[graphql(field(name = "id", ty = "ID", desc = "Global id."))]
pub enum Node {
    /// A platform layer.
    Layer(Layer),
    /// A campaign.
    Campaign(Campaign),
    /// An ad set.
    AdSet(AdSet),
    /// An ad.
    Ad(Ad),
    /// A creative.
    Creative(Creative),
    /// A pending action.
    PendingAction(PendingAction),
    /// An audit row.
    AuditRow(AuditRow),
    /// A connected ad account.
    ConnectedAccount(ConnectedAccount),
}
