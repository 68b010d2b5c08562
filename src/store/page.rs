//! Keyset pagination on UUID v7 primary keys, newest first.
//!
//! Ids are UUID v7, so ordering by id is ordering by creation time; a cursor is the last id seen.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use uuid::Uuid;

/// The largest page a client may ask for.
pub const MAX_PAGE_SIZE: u64 = 100;
/// The page size when a client does not say.
pub const DEFAULT_PAGE_SIZE: u64 = 20;

/// A validated page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// How many rows to return.
    pub first: u64,
    /// Only rows older than this id.
    pub after: Option<Uuid>,
}

/// A page of rows and whether more follow.
#[derive(Debug, Clone)]
pub struct Page<M> {
    /// The rows, newest first.
    pub items: Vec<M>,
    /// Whether rows follow the last one.
    pub has_next_page: bool,
    /// Whether the page started after a cursor.
    pub has_previous_page: bool,
}

/// A cursor or page size a client cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    /// `first` below zero or above the maximum.
    #[error("`first` must be between 0 and {MAX_PAGE_SIZE}")]
    First,
    /// A cursor this server did not hand out.
    #[error("`after` is not a valid cursor")]
    Cursor,
}

impl PageRequest {
    /// Validates the Relay arguments.
    pub fn new(first: Option<i32>, after: Option<&str>) -> Result<Self, PageError> {
        let first = match first {
            None => DEFAULT_PAGE_SIZE,
            Some(n) if (0..=MAX_PAGE_SIZE as i32).contains(&n) => n as u64,
            Some(_) => return Err(PageError::First),
        };
        let after = after.map(decode_cursor).transpose()?;
        Ok(PageRequest { first, after })
    }
}

/// The opaque cursor of a row.
pub fn encode_cursor(id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("cursor:{id}"))
}

/// The id a cursor of [`encode_cursor`] names.
pub fn decode_cursor(cursor: &str) -> Result<Uuid, PageError> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| PageError::Cursor)?;
    let text = String::from_utf8(bytes).map_err(|_| PageError::Cursor)?;
    let raw = text.strip_prefix("cursor:").ok_or(PageError::Cursor)?;
    Uuid::try_parse(raw).map_err(|_| PageError::Cursor)
}

/// Runs `select` for one page, newest first, keyed on `id_column`.
pub async fn fetch<E, C>(
    conn: &C,
    select: Select<E>,
    id_column: E::Column,
    request: PageRequest,
) -> Result<Page<E::Model>, DbErr>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let mut select = select.order_by_desc(id_column);
    if let Some(after) = request.after {
        select = select.filter(id_column.lt(after));
    }
    let mut items = select.limit(request.first + 1).all(conn).await?;
    let has_next_page = items.len() as u64 > request.first;
    items.truncate(request.first as usize);
    Ok(Page { items, has_next_page, has_previous_page: request.after.is_some() })
}
