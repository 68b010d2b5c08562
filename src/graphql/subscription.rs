//! The subscription root: live pending actions, kill-switch changes, denied writes and audit
//! rows, each scoped to the caller's organization and optionally one platform.
//!
//! Every event on the bus carries ids only; each is re-read here with the subscriber's tenancy
//! before it is sent, so a subscriber sees exactly what a query would show it. That re-read is
//! done once per delivered event for all the subscribers it concerns, and so are the nested reads
//! their selections make (`shared_loads`): each subscriber still resolves its own selection with
//! its own caller. When events may
//! have been missed (the subscriber fell behind, or the PostgreSQL listener reconnected), the
//! subscriber gets a `RESYNC` event (or, on the audit-row feeds, an error with code
//! `RESYNC_REQUIRED`) and should re-read what it shows. A re-read that fails (the pool timed
//! out, the database is down) is a resync for that subscriber too, never a silent loss; every
//! resync is counted in `layers_subscription_resyncs_total` by reason.

use async_graphql::parser::types::Selection;
use async_graphql::{Context, Enum, ErrorExtensions, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt, stream};
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use super::context::{reader, services};
use super::enums::Platform;
use super::loaders::Loaders;
use super::shared_loads::DeliveryMark;
use super::types::{AuditRow, Layer, PendingAction};
use crate::domain;
use crate::error::ApiError;
use crate::events::{BusMessage, Event, EventKind};
use crate::service::Services;
use crate::store::{self, tenancy};

/// What happened to a pending action.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PendingActionEventKind {
    /// Queued for approval.
    Created,
    /// Approved; dispatch under way.
    Approved,
    /// Rejected.
    Rejected,
    /// Dispatched to the platform.
    Dispatched,
    /// The platform refused it.
    Failed,
    /// It can no longer apply.
    Cancelled,
    /// Its target changed since it was queued.
    Stale,
    /// Nobody approved it in time.
    Expired,
    /// A newer proposal for the same target and field replaced it.
    Superseded,
    /// Events may have been missed: re-read the pending actions.
    Resync,
}

/// A pending action event.
#[derive(SimpleObject, Debug, Clone)]
pub struct PendingActionEvent {
    /// What happened.
    pub kind: PendingActionEventKind,
    /// The pending action as it is now (null for `RESYNC`).
    pub pending_action: Option<PendingAction>,
    /// When the event was delivered.
    pub at: DateTime<Utc>,
}

/// What happened to a kill switch.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum KillSwitchEventKind {
    /// Tripped: every ad write to the layer is denied.
    Tripped,
    /// Released.
    Released,
    /// Events may have been missed: re-read the layers.
    Resync,
}

/// A kill switch event.
#[derive(SimpleObject, Debug, Clone)]
pub struct KillSwitchEvent {
    /// What happened.
    pub kind: KillSwitchEventKind,
    /// The layer as it is now (null for `RESYNC`).
    pub layer: Option<Layer>,
    /// When the event was delivered.
    pub at: DateTime<Utc>,
}

/// Live updates.
#[derive(Debug, Default)]
pub struct SubscriptionRoot;

#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// Pending actions created or changing status (CREATED, APPROVED, REJECTED, DISPATCHED,
    /// FAILED, CANCELLED, STALE, EXPIRED, SUPERSEDED), optionally of one platform.
    async fn pending_action_events(
        &self,
        ctx: &Context<'_>,
        platform: Option<Platform>,
    ) -> async_graphql::Result<impl Stream<Item = PendingActionEvent> + use<>> {
        Ok(resolved(subscriber(ctx)?, platform, pending_resync, pending_event))
    }

    /// Kill switches tripped or released, optionally of one platform.
    async fn kill_switch_events(
        &self,
        ctx: &Context<'_>,
        platform: Option<Platform>,
    ) -> async_graphql::Result<impl Stream<Item = KillSwitchEvent> + use<>> {
        Ok(resolved(subscriber(ctx)?, platform, kill_switch_resync, kill_switch_event))
    }

    /// Denied writes (the `ads.write.denied` feed): one audit row per denial, optionally of one platform.
    async fn write_denied(
        &self,
        ctx: &Context<'_>,
        platform: Option<Platform>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<AuditRow>> + use<>> {
        Ok(resolved(subscriber(ctx)?, platform, resync_required, denied_row))
    }

    /// Every audit row as it is written (decisions and policy events), optionally of one platform.
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        platform: Option<Platform>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<AuditRow>> + use<>> {
        Ok(resolved(subscriber(ctx)?, platform, resync_required, audit_row))
    }
}

/// Who subscribes: the caller's services and organization (subscribing needs read access), and
/// the mark through which the subscription's nested reads are shared per delivered event.
struct Subscriber {
    services: Services,
    org: Uuid,
    mark: Option<DeliveryMark>,
}

fn subscriber(ctx: &Context<'_>) -> Result<Subscriber, ApiError> {
    let caller = reader(ctx)?;
    Ok(Subscriber { services: services(ctx)?.clone(), org: caller.organization_id, mark: delivery_mark(ctx) })
}

/// The request loader's delivery mark, when this field is the operation's only root field:
/// async-graphql resolves one root field's items one after the other, so the mark names the
/// delivery being resolved. Several root fields would resolve side by side: they share nothing.
fn delivery_mark(ctx: &Context<'_>) -> Option<DeliveryMark> {
    let roots = &ctx.query_env.operation.node.selection_set.node.items;
    let alone = matches!(roots.as_slice(), [root] if matches!(root.node, Selection::Field(_)));
    alone.then(|| ctx.data_opt::<Loaders>().map(|loaders| loaders.loader().mark())).flatten()
}

/// The bus messages for organization `org` (and `platform`, if given), resyncs included.
fn feed(services: Services, org: Uuid, platform: Option<Platform>) -> impl Stream<Item = BusMessage> {
    let platform = platform.map(|p| domain::Platform::from(p).as_str());
    let receiver = services.events.subscribe();
    stream::unfold(receiver, |mut receiver| async move {
        match receiver.recv().await {
            Ok(message) => Some((message, receiver)),
            Err(RecvError::Lagged(_)) => Some((BusMessage::Resync, receiver)),
            Err(RecvError::Closed) => None,
        }
    })
    .filter(move |message| {
        let keep = match message {
            BusMessage::Resync => true,
            BusMessage::Event(event) => mine(event, org, platform),
        };
        std::future::ready(keep)
    })
}

fn mine(event: &Event, org: Uuid, platform: Option<&str>) -> bool {
    event.organization_id == org && platform.is_none_or(|p| event.platform.as_deref() == Some(p))
}

/// The outcome of re-reading an event's row: the item, nothing (the feed does not carry that
/// event, or the row is not the subscriber's to see), or a failed read.
type Reread<T> = Result<Option<T>, sea_orm::DbErr>;

/// The re-reads every subscriber of this process shares: one per delivered event and feed.
static SHARED: std::sync::LazyLock<super::shared_reads::SharedReads> =
    std::sync::LazyLock::new(Default::default);

/// The items of a feed: each bus message for `org` (and `platform`) turned into an item by
/// `read`, which re-reads the event's row with the subscriber's tenancy, or `on_resync()` when
/// events may have been missed: the bus lagged or reconnected, or the re-read failed.
///
/// Before an item is handed over, the subscriber's delivery mark is set to the event's delivery,
/// so the nested reads of its selection are shared with every other subscriber of the
/// organization resolving the same delivery ([`super::shared_loads`]).
fn resolved<T, Read, Fut>(
    subscriber: Subscriber,
    platform: Option<Platform>,
    on_resync: fn() -> T,
    read: Read,
) -> impl Stream<Item = T>
where
    Read: Fn(Services, Uuid, Event) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Reread<T>> + Send,
    T: Clone + Send + Sync + 'static,
{
    let Subscriber { services, org, mark } = subscriber;
    feed(services.clone(), org, platform).filter_map(move |message| {
        let (services, read, mark) = (services.clone(), read.clone(), mark.clone());
        async move {
            let (item, delivery) = match message {
                BusMessage::Resync => {
                    metrics::counter!("layers_subscription_resyncs_total", "reason" => "missed").increment(1);
                    (Some(on_resync()), 0)
                }
                BusMessage::Event(event) => {
                    let delivery = event.delivery;
                    // Boxed: the stream holds this read only while an event is read, so an
                    // idle subscriber does not carry room for it.
                    (Box::pin(reread(services, org, event, read, on_resync)).await, delivery)
                }
            };
            if let Some(mark) = &mark {
                mark.resolving(delivery);
            }
            item
        }
    })
}

/// The item of `event`, re-read by `read` once for every subscriber of its delivery, or
/// `on_resync()` when the read failed.
async fn reread<T, Read, Fut>(
    services: Services,
    org: Uuid,
    event: Event,
    read: Read,
    on_resync: fn() -> T,
) -> Option<T>
where
    Read: Fn(Services, Uuid, Event) -> Fut,
    Fut: std::future::Future<Output = Reread<T>>,
    T: Clone + Send + Sync + 'static,
{
    match shared_read(services, org, event, read).await {
        Ok(item) => item,
        Err(error) => {
            tracing::warn!(%error, "subscription re-read failed: the subscriber is told to resync");
            metrics::counter!("layers_subscription_resyncs_total", "reason" => "read_failed").increment(1);
            Some(on_resync())
        }
    }
}

/// `read` of `event`, done once per delivery for every subscriber of the feed in this process
/// (they all re-read with the event's own organization, so they all get the same row).
async fn shared_read<T, Read, Fut>(
    services: Services,
    org: Uuid,
    event: Event,
    read: Read,
) -> Result<Option<T>, String>
where
    Read: Fn(Services, Uuid, Event) -> Fut,
    Fut: std::future::Future<Output = Reread<T>>,
    T: Clone + Send + Sync + 'static,
{
    let delivery = event.delivery;
    let reread = async move { read(services, org, event).await.map_err(|error| error.to_string()) };
    if delivery == 0 {
        return reread.await;
    }
    let feed = std::any::type_name::<Read>();
    SHARED
        .get(feed, delivery, reread)
        .await
        .unwrap_or_else(|| Err("a shared re-read of another type".to_owned()))
}

fn pending_resync() -> PendingActionEvent {
    PendingActionEvent { kind: PendingActionEventKind::Resync, pending_action: None, at: Utc::now() }
}

async fn pending_event(services: Services, org: Uuid, event: Event) -> Reread<PendingActionEvent> {
    let EventKind::PendingAction { status } = &event.kind else { return Ok(None) };
    let Some(kind) = pending_kind(status) else { return Ok(None) };
    let action = store::pending::find(&services.db, org, event.id).await?;
    Ok(action.map(|action| PendingActionEvent {
        kind,
        pending_action: Some(PendingAction(action)),
        at: Utc::now(),
    }))
}

fn kill_switch_resync() -> KillSwitchEvent {
    KillSwitchEvent { kind: KillSwitchEventKind::Resync, layer: None, at: Utc::now() }
}

async fn kill_switch_event(services: Services, org: Uuid, event: Event) -> Reread<KillSwitchEvent> {
    let EventKind::KillSwitch { active } = event.kind else { return Ok(None) };
    let layer = tenancy::layer(&services.db, org, event.id).await?;
    let kind = if active { KillSwitchEventKind::Tripped } else { KillSwitchEventKind::Released };
    Ok(layer.map(|layer| KillSwitchEvent { kind, layer: Some(Layer(layer)), at: Utc::now() }))
}

async fn denied_row(services: Services, org: Uuid, event: Event) -> Reread<async_graphql::Result<AuditRow>> {
    read_row(services, org, event, EventKind::WriteDenied).await
}

async fn audit_row(services: Services, org: Uuid, event: Event) -> Reread<async_graphql::Result<AuditRow>> {
    read_row(services, org, event, EventKind::Audit).await
}

/// The audit row of `event`, when the event is of `kind`.
async fn read_row(
    services: Services,
    org: Uuid,
    event: Event,
    kind: EventKind,
) -> Reread<async_graphql::Result<AuditRow>> {
    if event.kind != kind {
        return Ok(None);
    }
    let row = store::audit::find(&services.db, org, event.id).await?;
    Ok(row.map(|row| Ok(AuditRow(row))))
}

fn resync_required() -> async_graphql::Result<AuditRow> {
    Err(async_graphql::Error::new("events may have been missed: re-read the audit log")
        .extend_with(|_, ext| ext.set("code", "RESYNC_REQUIRED")))
}

fn pending_kind(status: &str) -> Option<PendingActionEventKind> {
    use PendingActionEventKind as K;
    Some(match status.parse::<domain::gate::PendingStatus>().ok()? {
        domain::gate::PendingStatus::Pending => K::Created,
        domain::gate::PendingStatus::Approved => K::Approved,
        domain::gate::PendingStatus::Dispatched => K::Dispatched,
        domain::gate::PendingStatus::Failed => K::Failed,
        domain::gate::PendingStatus::Rejected => K::Rejected,
        domain::gate::PendingStatus::Cancelled => K::Cancelled,
        domain::gate::PendingStatus::Stale => K::Stale,
        domain::gate::PendingStatus::Expired => K::Expired,
        domain::gate::PendingStatus::Superseded => K::Superseded,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The size of what `make` answers, without calling it.
    fn answer_size<R>(_make: impl Fn(Subscriber, Option<Platform>) -> R) -> usize {
        std::mem::size_of::<R>()
    }

    /// A subscriber's stream lives as long as its subscription, nearly all of it waiting: it must
    /// not carry room for reading an event's row (about 17 KB, which made 10,000 idle
    /// subscribers cost 160 MB more).
    #[test]
    fn a_waiting_subscription_holds_a_small_stream() {
        let sizes = [
            answer_size(|s, p| resolved(s, p, pending_resync, pending_event)),
            answer_size(|s, p| resolved(s, p, kill_switch_resync, kill_switch_event)),
            answer_size(|s, p| resolved(s, p, resync_required, denied_row)),
            answer_size(|s, p| resolved(s, p, resync_required, audit_row)),
        ];
        assert!(sizes.iter().all(|&size| size <= 2048), "stream sizes {sizes:?}");
    }
}
