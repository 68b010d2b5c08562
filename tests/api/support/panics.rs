//! Resolvers that panic: a schema extension standing for any resolver with a bug, so tests can
//! check what a panicking operation answers (over HTTP and over WebSocket).

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo};
use async_graphql::{Schema, ServerResult, Value as GqlValue};
use layers_dashboard::graphql::mutation::MutationRoot;
use layers_dashboard::graphql::query::QueryRoot;
use layers_dashboard::graphql::subscription::SubscriptionRoot;

use super::TestApp;

/// Panics while resolving the field named `field`; with `value`, only once the field resolved to
/// that enum value (so a subscription can panic on one event and not on the ones before).
#[derive(Debug, Clone, Copy)]
pub struct PanicOn {
    field: &'static str,
    value: Option<&'static str>,
}

impl PanicOn {
    /// Panics on every resolution of `field`.
    pub fn field(field: &'static str) -> Self {
        PanicOn { field, value: None }
    }

    /// Panics when `field` resolves to the enum value `value`.
    pub fn value(field: &'static str, value: &'static str) -> Self {
        PanicOn { field, value: Some(value) }
    }

    /// Replaces `app`'s schema with one whose resolvers panic as this says.
    pub fn install(self, app: &mut TestApp) {
        app.state.schema = Schema::build(QueryRoot, MutationRoot::default(), SubscriptionRoot)
            .data(app.services().clone())
            .extension(self)
            .finish();
    }
}

impl ExtensionFactory for PanicOn {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(*self)
    }
}

#[async_trait::async_trait]
impl Extension for PanicOn {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<GqlValue>> {
        if info.name != self.field {
            return next.run(ctx, info).await;
        }
        let Some(value) = self.value else { panic!("a resolver panicked") };
        let resolved = next.run(ctx, info).await?;
        if let Some(GqlValue::Enum(name)) = &resolved
            && name.as_str() == value
        {
            panic!("a resolver panicked on {value}");
        }
        Ok(resolved)
    }
}
