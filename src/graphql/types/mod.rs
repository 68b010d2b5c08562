//! GraphQL output types. Each wraps a stored row and exposes its fields one by one, so a column
//! change never silently changes the API.
//!
//! A field that reads (through a DataLoader or the store) boxes that read at its `.await`.
//! async-graphql runs every selected field of an object as a future of its own, sized for the
//! largest field of the type, and moves it into a box: one unboxed read (a sea-orm query holds
//! kilobytes of state) makes every field of every object of a page that large, though a page's
//! objects carry their relations and read nothing.

mod account;
mod audit;
mod campaign;
mod creative;
mod layer;
mod node;
mod optimizer;
mod pending;
mod viewer;

pub use account::{AdAccountAuthorization, ConnectedAccount, ConnectedAccountStatus};
pub use audit::AuditRow;
pub use campaign::{Ad, AdRelations, AdSet, Campaign, CampaignRelations};
pub use creative::{Creative, CreativeState, prefetch_states as prefetch_creative_states};
pub use layer::{AuthorityBlock, Layer};
pub use node::Node;
pub use optimizer::{AdClassification, OptimizerRun};
pub use pending::PendingAction;
pub use viewer::Viewer;

use async_graphql::OutputType;
use async_graphql::connection::{Connection, Edge};

use crate::store::Page;
use crate::store::page::{PageRequest, encode_cursor};

/// A Relay connection keyed by opaque cursors.
pub type Conn<T> = Connection<Cursor, T>;

/// The cursor of one edge: the row's id, encoded only if the client selects it (`cursor`,
/// `pageInfo.endCursor`), so a page costs no string per edge it never shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor(pub uuid::Uuid);

impl async_graphql::connection::CursorType for Cursor {
    type Error = crate::store::page::PageError;

    fn decode_cursor(cursor: &str) -> Result<Self, Self::Error> {
        crate::store::page::decode_cursor(cursor).map(Cursor)
    }

    fn encode_cursor(&self) -> String {
        encode_cursor(self.0)
    }
}

/// Builds a connection from a store page.
pub fn connection<M, T: OutputType>(
    page: Page<M>,
    id: impl Fn(&M) -> uuid::Uuid,
    mut wrap: impl FnMut(M) -> T,
) -> Conn<T> {
    let mut connection = Connection::new(page.has_previous_page, page.has_next_page);
    connection.edges.extend(page.items.into_iter().map(|item| Edge::new(Cursor(id(&item)), wrap(item))));
    connection
}

/// Pages through rows already in memory (relations loaded in one batch), newest first.
pub fn paginate<M>(mut items: Vec<M>, request: PageRequest, id: impl Fn(&M) -> uuid::Uuid) -> Page<M> {
    items.sort_by_key(|item| std::cmp::Reverse(id(item)));
    let has_previous_page = request.after.is_some();
    if let Some(after) = request.after {
        items.retain(|item| id(item) < after);
    }
    let has_next_page = items.len() as u64 > request.first;
    items.truncate(request.first as usize);
    Page { items, has_next_page, has_previous_page }
}

/// Pages through items already in memory and ordered newest first (relations a page loaded
/// ahead), cloning only the items of the page.
pub fn page_of<M: Clone>(items: &[M], request: PageRequest, id: impl Fn(&M) -> uuid::Uuid) -> Page<M> {
    let start = request.after.map_or(0, |after| items.partition_point(|item| id(item) >= after));
    let rest = &items[start..];
    Page {
        items: rest.iter().take(request.first as usize).cloned().collect(),
        has_next_page: rest.len() as u64 > request.first,
        has_previous_page: request.after.is_some(),
    }
}
