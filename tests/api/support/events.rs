//! Subscriptions run in-process: a stream that is already listening when returned, and its next
//! event as JSON with a deadline.

use std::time::Duration;

use serde_json::Value;
use uuid::Uuid;

use super::TestApp;

/// A subscription run in-process for `token`, already listening when returned.
pub async fn subscribe(
    app: &TestApp,
    token: &str,
    query: &str,
) -> std::pin::Pin<Box<dyn futures_util::Stream<Item = async_graphql::Response> + Send>> {
    use futures_util::StreamExt;
    let auth = layers_dashboard::http::authenticate_token(app.services(), &app.state.jwt, token).await;
    let org = match &auth {
        layers_dashboard::graphql::RequestAuth::Authenticated(caller) => caller.organization_id,
        _ => Uuid::nil(),
    };
    let request = async_graphql::Request::new(query)
        .data(auth)
        .data(layers_dashboard::graphql::loaders::loaders(app.services().db.clone(), org));
    let mut stream = app.state.schema.execute_stream(request).boxed();
    // The first poll runs the subscription's resolver, which starts listening.
    if let Ok(Some(response)) = tokio::time::timeout(Duration::from_millis(50), stream.next()).await {
        return futures_util::stream::once(async move { response }).chain(stream).boxed();
    }
    stream
}

/// The next item of a subscription as JSON, or `None` if nothing arrives within `millis`.
pub async fn next_event(
    stream: &mut std::pin::Pin<Box<dyn futures_util::Stream<Item = async_graphql::Response> + Send>>,
    millis: u64,
) -> Option<Value> {
    use futures_util::StreamExt;
    let response = tokio::time::timeout(Duration::from_millis(millis), stream.next()).await.ok()??;
    Some(serde_json::to_value(response).expect("response as JSON"))
}
