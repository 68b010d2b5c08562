//! Parsed documents kept by their text: dashboards, GraphiQL and partners send the same few
//! documents again and again with other variables, and parsing one (20 µs for a mutation, 100 µs
//! for the dashboard page) costs fifty times what copying its parsed form costs.
//!
//! Only documents that parsed are kept, and only up to [`LONGEST`] bytes of text (the dashboard
//! page is about 1 KB); the least recently used goes first once [`KEPT`] are kept, so the cache
//! holds a few megabytes at most whatever callers send. A request whose document is kept carries
//! its parsed form from the start: admission and execution never parse it.

use std::num::NonZeroUsize;
use std::sync::Mutex;

use async_graphql::Request;
use async_graphql::parser::types::ExecutableDocument;
use lru::LruCache;

/// How many parsed documents are kept.
pub const KEPT: NonZeroUsize = NonZeroUsize::new(256).expect("not zero");

/// The longest document text kept, in bytes.
pub const LONGEST: usize = 8 * 1024;

/// The parsed documents of this process, by text.
pub struct Documents {
    parsed: Mutex<LruCache<String, ExecutableDocument>>,
}

impl Default for Documents {
    fn default() -> Self {
        Documents { parsed: Mutex::new(LruCache::new(KEPT)) }
    }
}

impl std::fmt::Debug for Documents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Documents").field("kept", &self.len()).finish()
    }
}

impl Documents {
    /// Gives `request` its parsed document: the one kept for its text, or one parsed now (kept
    /// if it parsed). A document that does not parse is left to the executor to report.
    pub fn parse(&self, request: &mut Request) {
        if request.query.len() > LONGEST {
            return;
        }
        let kept = self.lock().get(request.query.as_str()).cloned();
        if let Some(document) = kept {
            request.set_parsed_query(document);
            return;
        }
        if let Ok(document) = request.parsed_query() {
            let document = document.clone();
            self.lock().put(request.query.clone(), document);
        }
    }

    /// How many documents are kept.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<String, ExecutableDocument>> {
        // A panic while holding the lock leaves a consistent cache (every operation on it is one
        // call), so a poisoned lock is used as it is.
        self.parsed.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;
    use async_graphql::parser::types::{DocumentOperations, Selection};

    use super::*;

    fn root_field(request: &mut Request) -> String {
        let document = request.parsed_query().expect("parses");
        let DocumentOperations::Single(operation) = &document.operations else { panic!("one operation") };
        match &operation.node.selection_set.node.items[0].node {
            Selection::Field(field) => field.node.name.node.to_string(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_kept_document_is_the_one_a_request_with_its_text_carries() {
        let documents = Documents::default();
        // Kept under the text `{ a }`: the parse of `{ b }`, so the test tells which one is used.
        documents.lock().put("{ a }".to_owned(), parse_query("{ b }").expect("parses"));
        let mut request = Request::new("{ a }");
        documents.parse(&mut request);
        assert_eq!(root_field(&mut request), "b");
        let mut other = Request::new("{ c }");
        documents.parse(&mut other);
        assert_eq!(root_field(&mut other), "c");
        assert_eq!(documents.len(), 2, "`{{ c }}` is kept once parsed");
    }

    #[test]
    fn documents_that_do_not_parse_or_are_too_long_are_not_kept() {
        let documents = Documents::default();
        documents.parse(&mut Request::new("{ a "));
        let long = format!("{{ a {} }}", " ".repeat(LONGEST));
        documents.parse(&mut Request::new(long));
        assert!(documents.is_empty());
    }

    #[test]
    fn the_least_recently_used_document_goes_first() {
        let documents = Documents::default();
        documents.parse(&mut Request::new("{ first }"));
        for n in 1..KEPT.get() {
            documents.parse(&mut Request::new(format!("{{ field{n} }}")));
        }
        documents.parse(&mut Request::new("{ first }"));
        documents.parse(&mut Request::new("{ one_more }"));
        assert_eq!(documents.len(), KEPT.get());
        let kept = documents.lock();
        assert!(kept.contains("{ first }"), "used again, so kept");
        assert!(!kept.contains("{ field1 }"), "the least recently used went");
    }
}
