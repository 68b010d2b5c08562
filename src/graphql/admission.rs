//! Whether a GraphQL request may run at all: rate limits, the introspection policy and the
//! query limits ([`super::limits`]), checked in that order before validation and execution, for
//! HTTP and WebSocket operations alike.
//!
//! Rate limits are per organization for customer tokens and per key for partner keys (a
//! partner's traffic never uses up its customer's allowance); system actors are not limited.
//! Subscription starts draw from a bucket of their own (per organization, or per partner key),
//! so dashboards reconnecting their live feeds after a deploy never use up the allowance of
//! queries and mutations, nor the other way round.
//!
//! Each limit is checked twice, with the same quota (GCRA): first in this process's memory (the
//! `governor` crate), then in the store every instance shares ([`shared`]: PostgreSQL by
//! default on a PostgreSQL database, Redis when `LAYERS_REDIS_URL` names one, nothing on
//! SQLite). A request over the quota on one instance is over it everywhere, so a flood the
//! local gate refuses costs no round trip; a request the local gate admits costs one. With
//! several instances behind a load balancer, the shared bucket holds the organization to its
//! quota whichever instances its requests reach. When the shared store fails or is slow the
//! request goes through (fail open): see [`shared`].

mod shared;

pub use shared::SharedLimiter;
pub(crate) use shared::store_failed;

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Request, ServerError};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use uuid::Uuid;

use super::RequestAuth;
use super::documents::Documents;
use super::limits::{self, LimitExceeded, QueryLimits};
use crate::domain::ActorKind;
use crate::domain::Caller;
use crate::store::limits::{Rate, Take};

/// Who may run introspection (`__schema`, `__type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Introspection {
    /// Everyone.
    On,
    /// The whole schema (`__schema`) for authenticated callers (customer tokens, partner keys), so
    /// GraphiQL works with a token; a lookup of one named type (`__type`) for everyone, as
    /// GraphQL-over-HTTP clients and conformance tools use it.
    Authenticated,
    /// Nobody.
    Off,
}

/// Requests per minute, with a burst allowance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Sustained requests per minute.
    pub per_minute: NonZeroU32,
    /// Requests that may arrive at once.
    pub burst: NonZeroU32,
}

impl RateLimit {
    fn quota(self) -> Quota {
        Quota::per_minute(self.per_minute).allow_burst(self.burst)
    }

    /// The same quota for the shared store: one request per minute / `per_minute`, `burst` at once.
    fn rate(self) -> Rate {
        let emission = Duration::from_secs(60) / self.per_minute.get();
        Rate { emission, limit: emission * self.burst.get() }
    }
}

/// The admission rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdmissionConfig {
    /// The query limits.
    pub limits: QueryLimits,
    /// Who may introspect.
    pub introspection: Introspection,
    /// The limit per organization for customers; `None` for no limit.
    pub per_organization: Option<RateLimit>,
    /// The limit per partner key; `None` for no limit.
    pub per_partner_key: Option<RateLimit>,
    /// The limit on subscription starts, per organization (customers) or partner key; `None`
    /// for no limit.
    pub subscriptions: Option<RateLimit>,
}

impl Default for AdmissionConfig {
    fn default() -> Self {
        AdmissionConfig {
            limits: QueryLimits::default(),
            introspection: Introspection::Authenticated,
            per_organization: Some(RateLimit {
                per_minute: NonZeroU32::new(600).unwrap_or(NonZeroU32::MIN),
                burst: NonZeroU32::new(100).unwrap_or(NonZeroU32::MIN),
            }),
            per_partner_key: Some(RateLimit {
                per_minute: NonZeroU32::new(300).unwrap_or(NonZeroU32::MIN),
                burst: NonZeroU32::new(50).unwrap_or(NonZeroU32::MIN),
            }),
            subscriptions: Some(RateLimit {
                per_minute: NonZeroU32::new(3_000).unwrap_or(NonZeroU32::MIN),
                burst: NonZeroU32::new(3_000).unwrap_or(NonZeroU32::MIN),
            }),
        }
    }
}

/// Why a request was refused before it ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The caller's rate limit is used up; retry after the given wait.
    RateLimited {
        /// Whole seconds until a request will be admitted again (at least 1).
        retry_after_secs: u64,
    },
    /// The caller may not introspect.
    IntrospectionDisabled,
    /// The document breaks a query limit.
    Limit(LimitExceeded),
}

impl Refused {
    /// The `extensions.code`.
    pub fn code(&self) -> &'static str {
        match self {
            Refused::RateLimited { .. } => "RATE_LIMITED",
            Refused::IntrospectionDisabled => "INTROSPECTION_DISABLED",
            Refused::Limit(limit) => limit.code(),
        }
    }

    /// The message for the client.
    pub fn message(&self) -> String {
        match self {
            Refused::RateLimited { retry_after_secs } => {
                format!("rate limit reached: retry in {retry_after_secs} s")
            }
            Refused::IntrospectionDisabled => "introspection is disabled for this caller".to_owned(),
            Refused::Limit(limit) => limit.to_string(),
        }
    }

    /// The refusal as a GraphQL error, with its code (and `retryAfter` for a rate limit).
    pub fn to_server_error(&self) -> ServerError {
        let mut error = ServerError::new(self.message(), None);
        let mut extensions = async_graphql::ErrorExtensionValues::default();
        extensions.set("code", self.code());
        if let Refused::RateLimited { retry_after_secs } = self {
            extensions.set("retryAfter", *retry_after_secs);
        }
        error.extensions = Some(extensions);
        error
    }
}

/// One rate limit: its quota, this process's buckets and the shared buckets' key prefix.
struct Limit {
    name: &'static str,
    quota: RateLimit,
    local: DefaultKeyedRateLimiter<Uuid>,
}

impl Limit {
    fn new(name: &'static str, quota: Option<RateLimit>) -> Option<Arc<Self>> {
        let quota = quota?;
        Some(Arc::new(Limit { name, quota, local: governor::RateLimiter::keyed(quota.quota()) }))
    }
}

/// Applies the admission rules; shared by every request of the process.
#[derive(Clone)]
pub struct Admission {
    config: AdmissionConfig,
    organizations: Option<Arc<Limit>>,
    partner_keys: Option<Arc<Limit>>,
    subscriptions: Option<Arc<Limit>>,
    shared: SharedLimiter,
    documents: Arc<Documents>,
}

impl std::fmt::Debug for Admission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Admission").field("config", &self.config).field("shared", &self.shared).finish()
    }
}

impl Admission {
    /// The rules of `config`, with empty rate-limit state, shared through `shared`.
    pub fn new(config: AdmissionConfig, shared: SharedLimiter) -> Self {
        Admission {
            organizations: Limit::new("org", config.per_organization),
            partner_keys: Limit::new("partner_key", config.per_partner_key),
            subscriptions: Limit::new("subscribe", config.subscriptions),
            config,
            shared,
            documents: Arc::default(),
        }
    }

    /// The rules in force.
    pub fn config(&self) -> &AdmissionConfig {
        &self.config
    }

    /// Checks `request` for `auth`; on success the request carries its parsed document (see
    /// [`Documents`]), and introspection is switched off in it when the policy is
    /// [`Introspection::Off`].
    pub async fn admit(&self, auth: &RequestAuth, request: &mut Request) -> Result<(), Refused> {
        self.documents.parse(request);
        let subscription = super::operation_of(request).1 == "subscription";
        if let RequestAuth::Authenticated(caller) = auth {
            self.take_token(caller, subscription).await?;
        }
        self.check_document(auth, request)
    }

    fn check_document(&self, auth: &RequestAuth, request: &mut Request) -> Result<(), Refused> {
        limits::check_text(&request.query, &self.config.limits).map_err(Refused::Limit)?;
        let authenticated = matches!(auth, RequestAuth::Authenticated(_));
        let variables = request.variables.clone();
        // A document that does not parse is left to the executor, which reports the syntax error.
        let Ok(document) = request.parsed_query() else {
            return Ok(());
        };
        let refused = match self.config.introspection {
            Introspection::On => false,
            Introspection::Authenticated => !authenticated && selects_root_field(document, "__schema"),
            Introspection::Off => {
                selects_root_field(document, "__schema") || selects_root_field(document, "__type")
            }
        };
        if refused {
            return Err(Refused::IntrospectionDisabled);
        }
        limits::check_document(document, &variables, &self.config.limits).map_err(Refused::Limit)?;
        if self.config.introspection == Introspection::Off {
            request.introspection_mode = async_graphql::IntrospectionMode::Disabled;
        }
        Ok(())
    }

    /// Draws from the caller's bucket: this process's first, then the shared one.
    async fn take_token(&self, caller: &Caller, subscription: bool) -> Result<(), Refused> {
        let (limit, key) = match (caller.kind, caller.api_key_id) {
            (ActorKind::Partner, Some(key)) if subscription => (&self.subscriptions, key),
            (ActorKind::Customer, _) if subscription => (&self.subscriptions, caller.organization_id),
            (ActorKind::Partner, Some(key)) => (&self.partner_keys, key),
            (ActorKind::Customer, _) => (&self.organizations, caller.organization_id),
            _ => return Ok(()),
        };
        let Some(limit) = limit else {
            return Ok(());
        };
        limit.local.check_key(&key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            Refused::RateLimited { retry_after_secs: whole_seconds(wait) }
        })?;
        match self.shared.take(&format!("{}:{key}", limit.name), limit.quota.rate()).await {
            Take::Admitted => Ok(()),
            Take::Refused { wait } => Err(Refused::RateLimited { retry_after_secs: whole_seconds(wait) }),
        }
    }

    /// Forgets keys whose allowance is full again, here and in the shared store (called
    /// periodically to bound memory and the buckets table).
    pub async fn forget_idle(&self) {
        for limit in [&self.organizations, &self.partner_keys, &self.subscriptions].into_iter().flatten() {
            limit.local.retain_recent();
        }
        self.shared.purge().await;
    }
}

fn whole_seconds(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

/// Whether any operation of `document` selects the root field `name`, directly or through fragments.
fn selects_root_field(document: &ExecutableDocument, name: &str) -> bool {
    fn selects(
        set: &SelectionSet,
        document: &ExecutableDocument,
        name: &str,
        seen: &mut Vec<String>,
    ) -> bool {
        set.items.iter().any(|item| match &item.node {
            Selection::Field(field) => field.node.name.node.as_str() == name,
            Selection::InlineFragment(inline) => {
                selects(&inline.node.selection_set.node, document, name, seen)
            }
            Selection::FragmentSpread(spread) => {
                let fragment_name = spread.node.fragment_name.node.to_string();
                if seen.contains(&fragment_name) {
                    return false;
                }
                seen.push(fragment_name);
                document
                    .fragments
                    .get(&spread.node.fragment_name.node)
                    .is_some_and(|fragment| selects(&fragment.node.selection_set.node, document, name, seen))
            }
        })
    }
    document
        .operations
        .iter()
        .any(|(_, operation)| selects(&operation.node.selection_set.node, document, name, &mut Vec::new()))
}
