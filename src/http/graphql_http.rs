//! GraphQL over HTTP (the GraphQL-over-HTTP spec, as the `graphql-http` audit checks it): how a
//! `/graphql` request becomes a GraphQL request, and how a GraphQL response goes back.
//!
//! async-graphql-axum's [`GraphQLRequest`] extractor reads the parameters of GET and POST
//! ([`read`]). What the spec asks beyond it is written here, each rule with the test (in
//! `tests/api/http.rs`, or `tests/api/http_rules.rs`) that checks it:
//!
//! - only GET and POST, else 405 `Allow: GET, POST` (`other_methods_are_405`);
//! - `Accept` picks the response media type, `application/graphql-response+json` or
//!   `application/json`; absent or matched only by wildcards (`*/*`), `application/json` (legacy
//!   clients); allowing neither, 406 (`accept_picks_the_response_media_type`,
//!   `an_accept_without_either_json_type_is_406`). The extractor's response type always answers
//!   `application/graphql-response+json`;
//! - a POST body is `application/json` (charset optional, UTF-8), else 415: a form or
//!   `text/plain` POST is how another site forges one (`posts_that_are_not_json_are_415`); read
//!   under `LAYERS_HTTP_MAX_BODY_BYTES`, else 413 (`an_oversized_body_is_413_with_a_graphql_error`);
//!   a JSON array (a batch) is 400: batching is off (`batches_are_refused`);
//! - `query` is required: the extractor takes a missing one as empty (`a_missing_or_empty_query_is_400`);
//! - GET reads `operationName`, which the extractor skips (`get_reads_operation_name`), runs
//!   queries only: the selected operation being a mutation is 405 `Allow: POST`
//!   (`a_mutation_over_get_is_405_allow_post`), and must carry `Authorization` (401 otherwise):
//!   browsers never add that header to a cross-site GET (`anonymous_gets_are_refused`);
//! - under `application/graphql-response+json` a request that never executed (it failed to
//!   parse, validate or coerce its variables) is 400 without `data`; under `application/json`
//!   it is 200; a request that executed is 200 either way, whatever its errors
//!   (`request_errors_are_400_without_data_under_graphql_response_json`);
//! - an operation that panicked is 500 with an `INTERNAL` error, not a dropped connection
//!   (`a_panicking_query_answers_500_internal`).
//!
//! Every refusal is a GraphQL response, `{"errors": [...]}`, whose errors carry `extensions.code`.

use std::collections::HashMap;

use async_graphql::ParseRequestError;
use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql_axum::GraphQLRequest;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// `application/graphql-response+json`.
pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
/// `application/json`.
pub const APPLICATION_JSON: &str = "application/json";

/// The media type a response is sent as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    /// `application/graphql-response+json`: request errors are 4xx.
    GraphqlResponseJson,
    /// `application/json`: every GraphQL response is 200 (legacy).
    Json,
}

impl MediaType {
    fn content_type(self) -> HeaderValue {
        match self {
            MediaType::GraphqlResponseJson => {
                HeaderValue::from_static("application/graphql-response+json; charset=utf-8")
            }
            MediaType::Json => HeaderValue::from_static("application/json; charset=utf-8"),
        }
    }
}

/// A refusal before execution: an HTTP status and a GraphQL error with a code.
#[derive(Debug)]
pub struct Refusal {
    status: StatusCode,
    code: &'static str,
    message: String,
    allow: Option<&'static str>,
    retry_after: Option<u64>,
    media: MediaType,
}

impl Refusal {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Refusal {
            status,
            code,
            message: message.into(),
            allow: None,
            retry_after: None,
            media: MediaType::Json,
        }
    }

    fn bad_request(message: impl Into<String>) -> Self {
        Refusal::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", message)
    }

    /// The same refusal, sent as `media`.
    pub fn sent_as(mut self, media: MediaType) -> Self {
        self.media = media;
        self
    }

    /// A body the server could not read (too large, or cut off).
    pub fn unreadable_body(status: StatusCode, detail: &str) -> Self {
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            Refusal::new(status, "PAYLOAD_TOO_LARGE", "the request body is too large")
        } else {
            Refusal::bad_request(format!("the request body could not be read: {detail}"))
        }
    }

    /// A request the admission rules refused: 429 with `Retry-After` for a rate limit; a broken
    /// query limit or forbidden introspection is a request that cannot run, so 400 under
    /// `application/graphql-response+json` and 200 under `application/json`, like a validation error.
    pub fn refused(refused: &crate::graphql::Refused, media: MediaType) -> Self {
        let status = match (refused, media) {
            (crate::graphql::Refused::RateLimited { .. }, _) => StatusCode::TOO_MANY_REQUESTS,
            (_, MediaType::GraphqlResponseJson) => StatusCode::BAD_REQUEST,
            (_, MediaType::Json) => StatusCode::OK,
        };
        let retry_after = match refused {
            crate::graphql::Refused::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        };
        Refusal { retry_after, media, ..Refusal::new(status, refused.code(), refused.message()) }
    }

    /// An operation that failed as a whole on our side (it panicked): 500, `INTERNAL`, nothing of
    /// the failure shown.
    pub fn internal() -> Self {
        Refusal::new(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", "internal error")
    }

    /// A GET without credentials. A browser sends a cross-site GET (an image, a link) without
    /// asking first, but never one with an `Authorization` header, so refusing anonymous GETs
    /// closes the cross-site request forgery path; anonymous callers use a JSON POST.
    pub fn anonymous_get() -> Self {
        Refusal::new(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "a GET request must carry `Authorization: Bearer <token>`; without credentials, POST a JSON body",
        )
    }

    /// A method `/graphql` does not serve.
    pub fn method_not_allowed(method: &Method) -> Self {
        Refusal {
            allow: Some("GET, POST"),
            ..Refusal::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                format!("{method} is not supported on /graphql: use GET (queries) or POST"),
            )
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let body = json!({ "errors": [{ "message": self.message, "extensions": { "code": self.code } }] });
        let mut response = (self.status, body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, self.media.content_type());
        headers.insert(header::VARY, HeaderValue::from_static("accept"));
        if let Some(allow) = self.allow {
            headers.insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// The response media type `Accept` asks for (absent: `application/json`), or 406.
pub fn negotiate(headers: &HeaderMap) -> Result<MediaType, Refusal> {
    let values: Vec<&str> =
        headers.get_all(header::ACCEPT).iter().filter_map(|value| value.to_str().ok()).collect();
    if values.is_empty() || values.iter().all(|value| value.trim().is_empty()) {
        return Ok(MediaType::Json);
    }
    // For each of the two types: the quality of the most specific matching range, and whether
    // that range names the type exactly.
    let mut graphql = (0.0_f32, 0_u8, false);
    let mut json = (0.0_f32, 0_u8, false);
    for range in values.iter().flat_map(|value| value.split(',')) {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let quality = parts
            .filter_map(|param| param.split_once('='))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
            .map_or(1.0, |(_, q)| q.trim().parse::<f32>().unwrap_or(0.0).clamp(0.0, 1.0));
        let specificity = match media.as_str() {
            GRAPHQL_RESPONSE_JSON | APPLICATION_JSON => 3,
            "application/*" => 2,
            "*/*" => 1,
            _ => continue,
        };
        for (target, slot) in [(GRAPHQL_RESPONSE_JSON, &mut graphql), (APPLICATION_JSON, &mut json)] {
            let matches = specificity < 3 || media == target;
            if matches && specificity > slot.1 {
                *slot = (quality, specificity, specificity == 3);
            }
        }
    }
    match (graphql, json) {
        ((g, _, _), (j, _, _)) if g <= 0.0 && j <= 0.0 => Err(Refusal::new(
            StatusCode::NOT_ACCEPTABLE,
            "NOT_ACCEPTABLE",
            "the Accept header allows neither application/graphql-response+json nor application/json",
        )),
        ((g, _, _), (j, _, _)) if g > j => Ok(MediaType::GraphqlResponseJson),
        ((g, _, _), (j, _, _)) if j > g => Ok(MediaType::Json),
        // Equal quality: the type named explicitly wins; wildcards alone mean application/json.
        ((_, _, true), _) => Ok(MediaType::GraphqlResponseJson),
        _ => Ok(MediaType::Json),
    }
}

/// A `/graphql` request read over HTTP: the GraphQL request and the media type to answer in.
#[derive(Debug)]
pub struct Incoming {
    /// The GraphQL request, as async-graphql-axum's extractor read it.
    pub request: async_graphql::Request,
    /// The response media type `Accept` asked for.
    pub media: MediaType,
    /// Whether it came as a GET (which must carry credentials: see [`Refusal::anonymous_get`]).
    pub get: bool,
}

/// Reads a GET or POST to `/graphql` with async-graphql-axum's [`GraphQLRequest`] extractor,
/// around it checking what the GraphQL-over-HTTP spec asks and the extractor does not: the
/// method, `Accept`, a JSON `Content-Type`, the body limit, a present `query`, GET's
/// `operationName` and no mutation over GET.
pub async fn read(request: Request) -> Result<Incoming, Refusal> {
    let method = request.method().clone();
    if method != Method::GET && method != Method::POST {
        return Err(Refusal::method_not_allowed(&method));
    }
    let media = negotiate(request.headers())?;
    let get = method == Method::GET;
    let read = if get { read_get(request).await } else { read_post(request).await };
    let request = read.map_err(|refusal| refusal.sent_as(media))?;
    Ok(Incoming { request, media, get })
}

/// A GET's parameters, from the query string. The extractor reads `query`, `variables` and
/// `extensions` but not `operationName` (it looks for `operation_name`), so that one is read
/// here; a mutation is refused with 405 `Allow: POST` (GET must not change anything).
async fn read_get(request: Request) -> Result<async_graphql::Request, Refusal> {
    let operation_name = axum::extract::Query::<HashMap<String, String>>::try_from_uri(request.uri())
        .ok()
        .and_then(|query| query.0.get("operationName").cloned());
    let mut graphql = extract(request).await?;
    if graphql.operation_name.is_none() {
        graphql.operation_name = operation_name;
    }
    require_query(&graphql)?;
    if selects_mutation(&graphql.query, graphql.operation_name.as_deref()) {
        return Err(Refusal {
            allow: Some("POST"),
            ..Refusal::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                "mutations are not allowed over GET: send them as POST",
            )
        });
    }
    Ok(graphql)
}

/// A POST's JSON body. Only `application/json` is read (the extractor would also take a
/// multipart form, and any other type as JSON: a form or `text/plain` POST is how another site
/// forges a request). The body is read under the body limit first (axum's `Bytes` answers 413),
/// as the extractor streams it without one.
async fn read_post(request: Request) -> Result<async_graphql::Request, Refusal> {
    if !is_json_content_type(request.headers()) {
        return Err(Refusal::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "a POST to /graphql must have Content-Type: application/json",
        ));
    }
    let content_type = request.headers().get(header::CONTENT_TYPE).cloned();
    let body = Bytes::from_request(request, &())
        .await
        .map_err(|rejection| Refusal::unreadable_body(rejection.status(), &rejection.body_text()))?;
    let mut buffered = Request::new(Body::from(body));
    *buffered.method_mut() = Method::POST;
    if let Some(content_type) = content_type {
        buffered.headers_mut().insert(header::CONTENT_TYPE, content_type);
    }
    let graphql = extract(buffered).await?;
    require_query(&graphql)?;
    Ok(graphql)
}

/// The GraphQL request async-graphql-axum reads (its failures become [`Refusal`]s).
async fn extract(request: Request) -> Result<async_graphql::Request, Refusal> {
    GraphQLRequest::<Refusal>::from_request(request, &()).await.map(GraphQLRequest::into_inner)
}

/// A request must name a document: the extractor takes a missing `query` as an empty one.
fn require_query(request: &async_graphql::Request) -> Result<(), Refusal> {
    if request.query.trim().is_empty() {
        return Err(Refusal::bad_request("the `query` parameter is missing or empty"));
    }
    Ok(())
}

impl From<ParseRequestError> for Refusal {
    /// What the extractor could not read: a batch (off), a body too large, or parameters that are
    /// not a GraphQL request (`query` not a string, `variables` not an object, bad JSON, ...).
    fn from(error: ParseRequestError) -> Self {
        match error {
            ParseRequestError::UnsupportedBatch => Refusal::new(
                StatusCode::BAD_REQUEST,
                "BATCHING_NOT_SUPPORTED",
                "batched requests (a JSON array) are not supported: send one operation per request",
            ),
            ParseRequestError::PayloadTooLarge => Refusal::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                "the request body is too large",
            ),
            other => Refusal::bad_request(format!("the request is not a GraphQL request: {other}")),
        }
    }
}

/// Whether `Content-Type` is `application/json`, with no charset or UTF-8.
fn is_json_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()) else {
        return false;
    };
    let mut parts = value.split(';');
    if !parts.next().unwrap_or_default().trim().eq_ignore_ascii_case(APPLICATION_JSON) {
        return false;
    }
    parts.filter_map(|param| param.split_once('=')).all(|(name, value)| {
        !name.trim().eq_ignore_ascii_case("charset")
            || value.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
            || value.trim().trim_matches('"').eq_ignore_ascii_case("utf8")
    })
}

/// Whether the operation `query` would run (by `operation_name`) is a mutation. A document that
/// does not parse or does not name its operation unambiguously is left to the executor to refuse.
fn selects_mutation(query: &str, operation_name: Option<&str>) -> bool {
    let Ok(document) = async_graphql::parser::parse_query(query) else {
        return false;
    };
    let operation = match (&document.operations, operation_name) {
        (DocumentOperations::Single(operation), _) => Some(operation),
        (DocumentOperations::Multiple(operations), Some(name)) => {
            operations.iter().find(|(key, _)| key.as_str() == name).map(|(_, operation)| operation)
        }
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next()
        }
        (DocumentOperations::Multiple(_), None) => None,
    };
    operation.is_some_and(|operation| operation.node.ty == OperationType::Mutation)
}

/// A GraphQL response as it goes on the wire, serialized straight from the executor's values:
/// `data` (left out for a request error, which never executed), `errors` and `extensions` when
/// there are any.
#[derive(serde::Serialize)]
struct ResponseBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a async_graphql::Value>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [async_graphql::ServerError],
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extensions: &'a std::collections::BTreeMap<String, async_graphql::Value>,
}

impl<'a> ResponseBody<'a> {
    fn of(response: &'a async_graphql::Response, request_error: bool) -> Self {
        ResponseBody {
            data: (!request_error).then_some(&response.data),
            errors: &response.errors,
            extensions: &response.extensions,
        }
    }
}

/// The HTTP response of an executed (or refused by the executor) GraphQL request.
pub fn respond(response: async_graphql::Response, media: MediaType) -> Response {
    // A request error (the document failed to parse or validate, or its variables to coerce)
    // stops before execution: no data, and no error has a path.
    let request_error = !response.errors.is_empty()
        && response.data == async_graphql::Value::Null
        && response.errors.iter().all(|error| error.path.is_empty());
    let cache_control = response.is_ok().then(|| response.cache_control.value()).flatten();
    let extra_headers = response.http_headers.clone();
    let body = serde_json::to_vec(&ResponseBody::of(&response, request_error)).unwrap_or_else(|error| {
        tracing::error!(%error, "a GraphQL response could not be serialized");
        br#"{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}"#.to_vec()
    });
    let status = if request_error && media == MediaType::GraphqlResponseJson {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let mut http = Response::new(Body::from(body));
    *http.status_mut() = status;
    let headers = http.headers_mut();
    headers.extend(extra_headers);
    headers.insert(header::CONTENT_TYPE, media.content_type());
    headers.insert(header::VARY, HeaderValue::from_static("accept"));
    if let Some(value) = cache_control.and_then(|value| HeaderValue::from_str(&value).ok()) {
        headers.insert(header::CACHE_CONTROL, value);
    }
    http
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> Result<MediaType, StatusCode> {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap_or(HeaderValue::from_static("")));
        negotiate(&headers).map_err(|refusal| refusal.status)
    }

    #[test]
    fn accept_picks_the_media_type() {
        use MediaType::{GraphqlResponseJson as G, Json as J};
        assert_eq!(negotiate(&HeaderMap::new()).ok(), Some(J));
        assert_eq!(accept("application/graphql-response+json"), Ok(G));
        assert_eq!(accept("application/json"), Ok(J));
        assert_eq!(accept("*/*"), Ok(J));
        assert_eq!(accept("application/*"), Ok(J));
        assert_eq!(accept("application/graphql-response+json, application/json;q=0.9"), Ok(G));
        assert_eq!(accept("application/json, application/graphql-response+json"), Ok(G));
        assert_eq!(accept("application/graphql-response+json;q=0.5, application/json"), Ok(J));
        assert_eq!(accept("application/graphql-response+json, */*;q=0.1"), Ok(G));
        assert_eq!(accept("text/html, */*;q=0.8"), Ok(J));
        assert_eq!(accept("application/json; charset=utf-8"), Ok(J));
        assert_eq!(accept("text/html"), Err(StatusCode::NOT_ACCEPTABLE));
        assert_eq!(accept("application/json;q=0"), Err(StatusCode::NOT_ACCEPTABLE));
        assert_eq!(accept("application/xml, text/plain"), Err(StatusCode::NOT_ACCEPTABLE));
    }

    #[test]
    fn only_json_bodies_are_read() {
        for (content_type, ok) in [
            ("application/json", true),
            ("application/json; charset=utf-8", true),
            ("Application/JSON;charset=UTF-8", true),
            ("application/json; charset=latin1", false),
            ("text/plain", false),
            ("application/x-www-form-urlencoded", false),
            ("multipart/form-data; boundary=x", false),
            ("application/graphql", false),
        ] {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            assert_eq!(is_json_content_type(&headers), ok, "{content_type}");
        }
        assert!(!is_json_content_type(&HeaderMap::new()));
    }

    #[test]
    fn the_selected_operation_decides_mutation() {
        assert!(selects_mutation("mutation { a }", None));
        assert!(!selects_mutation("{ a }", None));
        assert!(!selects_mutation("query Q { a } mutation M { b }", Some("Q")));
        assert!(selects_mutation("query Q { a } mutation M { b }", Some("M")));
        assert!(!selects_mutation("query Q { a } mutation M { b }", None));
        assert!(!selects_mutation("{", None));
    }
}
