//! Abuse limits on a GraphQL document, checked before it is validated or executed.
//!
//! Every limit is a [`QueryLimits`] field with a documented default (configured by
//! `LAYERS_GRAPHQL_*`), at least as strict as the graphql-armor defaults:
//!
//! - **size**: the document's length in bytes (default 32 KiB), checked before anything else;
//! - **tokens**: lexical tokens (names, numbers, strings, punctuators; default 1,000), counted
//!   before parsing so a huge document never reaches the parser;
//! - **fields**: field selections as written (default 250; 500 copies of `__typename` are refused);
//! - **aliases**: aliased fields in the document (default 15);
//! - **directives**: per field (default 5) and per document (default 50);
//! - **depth**: nested field levels of any operation, fragments expanded (default 6). The Relay
//!   plumbing of a connection does not add a level: `edges`, `nodes`, the `node` inside `edges`, and
//!   `pageInfo` are free, so `campaigns { edges { node { adSets { edges { node { ads { edges {
//!   node { creative { state } } } } } } } } } }` is depth 5 (campaigns, adSets, ads, creative,
//!   state). Introspection (`__schema`, `__type`) is exempt from depth, and instead may not nest
//!   `fields`, `inputFields`, `interfaces` or `possibleTypes` three deep (a circular
//!   introspection query);
//! - **cost**: the number of objects the operation may return in the worst case (default 5,000):
//!   each object-typed field or list item counts one, and a connection multiplies what is under
//!   it by its `first` (a literal, a variable, or the default page size of 20 when absent).
//!   Scalars are free; they are bounded by the field limit. Introspection is not costed.
//!
//! Pure: no I/O, no clock. The checks run on the parsed document the executor then reuses.

use std::collections::HashMap;

use async_graphql::Variables;
use async_graphql::parser::Positioned;
use async_graphql::parser::types::{
    ExecutableDocument, Field, FragmentDefinition, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Value};
use async_graphql_value::Value as InputValue;

use crate::store::page::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};

/// The limits a document must stay within.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryLimits {
    /// Bytes in the document text.
    pub max_document_bytes: usize,
    /// Lexical tokens in the document.
    pub max_tokens: usize,
    /// Field selections, as written.
    pub max_fields: usize,
    /// Aliased fields.
    pub max_aliases: usize,
    /// Directives on one field.
    pub max_directives_per_field: usize,
    /// Directives in the whole document.
    pub max_directives: usize,
    /// Nested field levels (connection plumbing free, introspection exempt).
    pub max_depth: usize,
    /// Objects the operation may return.
    pub max_cost: u64,
}

impl Default for QueryLimits {
    /// The `LAYERS_GRAPHQL_MAX_*` defaults ([`crate::config::graphql`]).
    fn default() -> Self {
        use crate::config::graphql as defaults;
        QueryLimits {
            max_document_bytes: defaults::DEFAULT_MAX_DOCUMENT_BYTES as usize,
            max_tokens: defaults::DEFAULT_MAX_TOKENS as usize,
            max_fields: defaults::DEFAULT_MAX_FIELDS as usize,
            max_aliases: defaults::DEFAULT_MAX_ALIASES as usize,
            max_directives_per_field: defaults::DEFAULT_MAX_DIRECTIVES_PER_FIELD as usize,
            max_directives: defaults::DEFAULT_MAX_DIRECTIVES as usize,
            max_depth: defaults::DEFAULT_MAX_DEPTH as usize,
            max_cost: defaults::DEFAULT_MAX_COST,
        }
    }
}

/// How a document broke a limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitExceeded {
    /// The document text is too long.
    #[error("the document is {found} bytes long; the limit is {limit}")]
    DocumentTooLarge {
        /// Its size.
        found: usize,
        /// The limit.
        limit: usize,
    },
    /// Too many lexical tokens.
    #[error("the document has more than {limit} tokens")]
    TooManyTokens {
        /// The limit.
        limit: usize,
    },
    /// Too many field selections.
    #[error("the document selects {found} fields; the limit is {limit}")]
    TooManyFields {
        /// How many.
        found: usize,
        /// The limit.
        limit: usize,
    },
    /// Too many aliases.
    #[error("the document uses {found} aliases; the limit is {limit}")]
    TooManyAliases {
        /// How many.
        found: usize,
        /// The limit.
        limit: usize,
    },
    /// Too many directives on a field or in the document.
    #[error("{found} directives {place}; the limit is {limit}")]
    TooManyDirectives {
        /// `on one field` or `in the document`.
        place: &'static str,
        /// How many.
        found: usize,
        /// The limit.
        limit: usize,
    },
    /// Nested too deep.
    #[error("the operation is nested {found} levels deep; the limit is {limit}")]
    TooDeep {
        /// Its depth.
        found: usize,
        /// The limit.
        limit: usize,
    },
    /// Introspection nests its list fields too deep.
    #[error("introspection may not nest `fields`, `inputFields`, `interfaces` or `possibleTypes` three deep")]
    CircularIntrospection,
    /// Too costly.
    #[error("the operation may return {found} objects; the limit is {limit}")]
    TooCostly {
        /// Its worst-case cost.
        found: u64,
        /// The limit.
        limit: u64,
    },
}

impl LimitExceeded {
    /// The `extensions.code` of the refusal.
    pub fn code(&self) -> &'static str {
        match self {
            LimitExceeded::DocumentTooLarge { .. } => "DOCUMENT_TOO_LARGE",
            LimitExceeded::TooManyTokens { .. } => "TOO_MANY_TOKENS",
            LimitExceeded::TooManyFields { .. } => "TOO_MANY_FIELDS",
            LimitExceeded::TooManyAliases { .. } => "TOO_MANY_ALIASES",
            LimitExceeded::TooManyDirectives { .. } => "TOO_MANY_DIRECTIVES",
            LimitExceeded::TooDeep { .. } => "QUERY_TOO_DEEP",
            LimitExceeded::CircularIntrospection => "INTROSPECTION_TOO_DEEP",
            LimitExceeded::TooCostly { .. } => "QUERY_TOO_COSTLY",
        }
    }
}

/// The checks that need only the text: size, then tokens.
pub fn check_text(query: &str, limits: &QueryLimits) -> Result<(), LimitExceeded> {
    if query.len() > limits.max_document_bytes {
        return Err(LimitExceeded::DocumentTooLarge { found: query.len(), limit: limits.max_document_bytes });
    }
    if count_tokens(query, limits.max_tokens + 1) > limits.max_tokens {
        return Err(LimitExceeded::TooManyTokens { limit: limits.max_tokens });
    }
    Ok(())
}

/// The checks on the parsed document: fields, aliases, directives, depth, cost.
pub fn check_document(
    document: &ExecutableDocument,
    variables: &Variables,
    limits: &QueryLimits,
) -> Result<(), LimitExceeded> {
    let mut counts = Counts::default();
    let fragments = document.fragments.values().map(|fragment| &fragment.node.selection_set.node);
    for (_, operation) in document.operations.iter() {
        counts.directives += operation.node.directives.len();
        counts.selection_set(&operation.node.selection_set.node, limits)?;
    }
    for fragment in fragments {
        counts.selection_set(fragment, limits)?;
    }
    counts.directives += document.fragments.values().map(|f| f.node.directives.len()).sum::<usize>();
    if counts.fields > limits.max_fields {
        return Err(LimitExceeded::TooManyFields { found: counts.fields, limit: limits.max_fields });
    }
    if counts.aliases > limits.max_aliases {
        return Err(LimitExceeded::TooManyAliases { found: counts.aliases, limit: limits.max_aliases });
    }
    if counts.directives > limits.max_directives {
        return Err(LimitExceeded::TooManyDirectives {
            place: "in the document",
            found: counts.directives,
            limit: limits.max_directives,
        });
    }
    let mut walker =
        Walker { fragments: &document.fragments, variables, memo: HashMap::new(), stack: Vec::new() };
    for (_, operation) in document.operations.iter() {
        let shape = walker.operation(&operation.node);
        if shape.introspection_nesting >= 3 {
            return Err(LimitExceeded::CircularIntrospection);
        }
        if shape.depth > limits.max_depth {
            return Err(LimitExceeded::TooDeep { found: shape.depth, limit: limits.max_depth });
        }
        if shape.cost > limits.max_cost {
            return Err(LimitExceeded::TooCostly { found: shape.cost, limit: limits.max_cost });
        }
    }
    Ok(())
}

/// Document-wide counts, as written.
#[derive(Default)]
struct Counts {
    fields: usize,
    aliases: usize,
    directives: usize,
}

impl Counts {
    fn selection_set(&mut self, set: &SelectionSet, limits: &QueryLimits) -> Result<(), LimitExceeded> {
        for item in &set.items {
            let (directives, children) = match &item.node {
                Selection::Field(field) => {
                    self.fields += 1;
                    self.aliases += usize::from(field.node.alias.is_some());
                    (field.node.directives.len(), Some(&field.node.selection_set.node))
                }
                Selection::FragmentSpread(spread) => (spread.node.directives.len(), None),
                Selection::InlineFragment(inline) => {
                    (inline.node.directives.len(), Some(&inline.node.selection_set.node))
                }
            };
            if directives > limits.max_directives_per_field {
                return Err(LimitExceeded::TooManyDirectives {
                    place: "on one field",
                    found: directives,
                    limit: limits.max_directives_per_field,
                });
            }
            self.directives += directives;
            if let Some(children) = children {
                self.selection_set(children, limits)?;
            }
        }
        Ok(())
    }
}

/// What a selection set adds up to, fragments expanded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Shape {
    /// Nested field levels, plumbing free, introspection excluded.
    depth: usize,
    /// Objects returned, per item of the parent.
    cost: u64,
    /// The deepest nesting of introspection list fields.
    introspection_nesting: usize,
}

impl Shape {
    fn merge(self, other: Shape) -> Shape {
        Shape {
            depth: self.depth.max(other.depth),
            cost: self.cost.saturating_add(other.cost),
            introspection_nesting: self.introspection_nesting.max(other.introspection_nesting),
        }
    }
}

/// Where a selection set sits: what the walk of its fields depends on besides the set itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Place {
    /// Under an ordinary field.
    Plain,
    /// Directly under a connection's `edges`.
    Edges,
    /// Inside `__schema` or `__type`.
    Introspection,
}

/// Walks operations with fragments expanded, each fragment shape computed once per place.
struct Walker<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    variables: &'a Variables,
    memo: HashMap<(Name, Place), Shape>,
    stack: Vec<Name>,
}

impl Walker<'_> {
    fn operation(&mut self, operation: &OperationDefinition) -> Shape {
        self.selection_set(&operation.selection_set.node, Place::Plain)
    }

    fn selection_set(&mut self, set: &SelectionSet, place: Place) -> Shape {
        let mut shape = Shape::default();
        for item in &set.items {
            let next = match &item.node {
                Selection::Field(field) => self.field(&field.node, place),
                Selection::InlineFragment(inline) => {
                    self.selection_set(&inline.node.selection_set.node, place)
                }
                Selection::FragmentSpread(spread) => self.fragment(&spread.node.fragment_name.node, place),
            };
            shape = shape.merge(next);
        }
        shape
    }

    fn fragment(&mut self, name: &Name, place: Place) -> Shape {
        if let Some(shape) = self.memo.get(&(name.clone(), place)) {
            return *shape;
        }
        // A fragment cycle is invalid and refused by validation; here it only must not loop.
        if self.stack.contains(name) {
            return Shape::default();
        }
        let Some(fragment) = self.fragments.get(name) else {
            return Shape::default();
        };
        self.stack.push(name.clone());
        let shape = self.selection_set(&fragment.node.selection_set.node, place);
        self.stack.pop();
        self.memo.insert((name.clone(), place), shape);
        shape
    }

    fn field(&mut self, field: &Field, place: Place) -> Shape {
        let name = field.name.node.as_str();
        let children = &field.selection_set.node;
        if place == Place::Introspection {
            let inner = self.selection_set(children, Place::Introspection);
            let nests = matches!(name, "fields" | "inputFields" | "interfaces" | "possibleTypes");
            return Shape {
                depth: 0,
                cost: 0,
                introspection_nesting: inner.introspection_nesting + usize::from(nests),
            };
        }
        if matches!(name, "__schema" | "__type") {
            return self.selection_set(children, Place::Introspection);
        }
        let plumbing =
            matches!(name, "edges" | "nodes" | "pageInfo") || (name == "node" && place == Place::Edges);
        let child_place = if name == "edges" { Place::Edges } else { Place::Plain };
        let inner = self.selection_set(children, child_place);
        if children.items.is_empty() {
            return Shape { depth: 1, ..Shape::default() };
        }
        if plumbing {
            // The items under `edges`/`nodes` are what the connection's `first` counts.
            return inner;
        }
        let cost = match self.page_size(field) {
            Some(items) => items.saturating_mul(inner.cost.saturating_add(1)),
            None => inner.cost.saturating_add(1),
        };
        Shape { depth: inner.depth + 1, cost, introspection_nesting: inner.introspection_nesting }
    }

    /// The number of items a connection field asks for: its `first`, else the default page
    /// size when it selects `edges` or `nodes`; `None` for a field that is not a connection.
    fn page_size(&self, field: &Field) -> Option<u64> {
        let Some((_, value)) = field.arguments.iter().find(|(name, _)| name.node.as_str() == "first") else {
            let is_connection = field.selection_set.node.items.iter().any(|item| {
                matches!(&item.node, Selection::Field(child) if matches!(child.node.name.node.as_str(), "edges" | "nodes"))
            });
            return is_connection.then_some(DEFAULT_PAGE_SIZE);
        };
        let value = match &value.node {
            InputValue::Variable(name) => self.variables.get(name).cloned().unwrap_or(Value::Null),
            other => other.clone().into_const().unwrap_or(Value::Null),
        };
        let requested = match value {
            Value::Number(number) => number.as_u64().unwrap_or(MAX_PAGE_SIZE),
            _ => DEFAULT_PAGE_SIZE,
        };
        Some(requested.min(MAX_PAGE_SIZE))
    }
}

/// Counts GraphQL lexical tokens, stopping at `stop`. Whitespace, commas and comments are not
/// tokens; a string (block or not) is one token; an unterminated string runs to the end.
pub fn count_tokens(source: &str, stop: usize) -> usize {
    let bytes = source.as_bytes();
    let mut index = 0;
    let mut tokens = 0;
    while index < bytes.len() && tokens < stop {
        let byte = bytes[index];
        match byte {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => index += 1,
            0xEF if bytes[index..].starts_with(&[0xEF, 0xBB, 0xBF]) => index += 3,
            b'#' => {
                while index < bytes.len() && bytes[index] != b'\n' && bytes[index] != b'\r' {
                    index += 1;
                }
            }
            b'"' if bytes[index..].starts_with(b"\"\"\"") => {
                tokens += 1;
                index += 3;
                loop {
                    if index >= bytes.len() {
                        break;
                    }
                    if bytes[index..].starts_with(b"\\\"\"\"") {
                        index += 4;
                    } else if bytes[index..].starts_with(b"\"\"\"") {
                        index += 3;
                        break;
                    } else {
                        index += 1;
                    }
                }
            }
            b'"' => {
                tokens += 1;
                index += 1;
                while index < bytes.len() && bytes[index] != b'"' && bytes[index] != b'\n' {
                    index += if bytes[index] == b'\\' { 2 } else { 1 };
                }
                index += 1;
            }
            b'.' if bytes[index..].starts_with(b"...") => {
                tokens += 1;
                index += 3;
            }
            b'_' | b'a'..=b'z' | b'A'..=b'Z' => {
                tokens += 1;
                while index < bytes.len() && (bytes[index] == b'_' || bytes[index].is_ascii_alphanumeric()) {
                    index += 1;
                }
            }
            b'-' | b'0'..=b'9' => {
                tokens += 1;
                index += 1;
                while index < bytes.len()
                    && (bytes[index].is_ascii_alphanumeric() || matches!(bytes[index], b'.' | b'+' | b'-'))
                {
                    index += 1;
                }
            }
            _ => {
                // Punctuators (`{ } ( ) [ ] : = @ $ ! & |`) and anything the parser will refuse.
                tokens += 1;
                index += 1;
            }
        }
    }
    tokens
}

#[cfg(test)]
mod tests;
