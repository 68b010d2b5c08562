//! Fan-out and WebSocket memory: holds many `pendingActionEvents` subscribers
//! (graphql-transport-ws) over one or more server instances, sends one `DRAFT` write over HTTP
//! and times its delivery to every subscriber; reads the servers' resident memory (VmRSS) idle,
//! at each number of connections, and 3 s and 10 s after they close. Each subscriber selects a
//! field nested in the event's row (`campaign { name }`), as the dashboard does.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

/// What to run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Server addresses (`host:port`); subscribers are spread over them, writes go to the first.
    pub servers: Vec<String>,
    /// Their process ids, for VmRSS.
    pub pids: Vec<u32>,
    /// The customer token.
    pub token: String,
    /// Global id of a campaign whose tactical axis is `draft`.
    pub campaign: String,
    /// Numbers of open WebSockets to measure at, ascending.
    pub stages: Vec<usize>,
    /// Events timed at each stage.
    pub events: usize,
}

const SUBSCRIBE: &str =
    "subscription { pendingActionEvents { kind pendingAction { id status campaign { name } } } }";

/// Runs the plan and answers its figures as JSON.
pub async fn run(plan: Plan) -> Result<Value, String> {
    let mut report = json!({ "rss_idle_kb": rss(&plan.pids), "load_start": load_average() });
    let (deliveries, mut received) = mpsc::unbounded_channel::<Instant>();
    let (close, closed) = watch::channel(false);
    let gate = std::sync::Arc::new(Semaphore::new(200));
    let (ready, mut ready_rx) = mpsc::unbounded_channel::<bool>();
    let mut tasks = Vec::new();
    let client = reqwest::Client::new();
    let mut stages = Vec::new();
    for &target in &plan.stages {
        let mut opening = Vec::new();
        while tasks.len() + opening.len() < target {
            let server = &plan.servers[(tasks.len() + opening.len()) % plan.servers.len()];
            let link = Link {
                url: format!("ws://{server}/graphql"),
                token: plan.token.clone(),
                deliveries: deliveries.clone(),
                ready: ready.clone(),
                closed: closed.clone(),
                gate: gate.clone(),
            };
            opening.push(tokio::spawn(subscriber(link)));
        }
        let mut failed = 0;
        for _ in 0..opening.len() {
            if ready_rx.recv().await != Some(true) {
                failed += 1;
            }
        }
        tasks.extend(opening);
        tokio::time::sleep(Duration::from_secs(2)).await;
        let rss_kb = rss(&plan.pids);
        let mut latencies = Vec::new();
        let mut missing = 0;
        for n in 0..plan.events {
            while received.try_recv().is_ok() {}
            let start = Instant::now();
            write(&client, &plan.servers[0], &plan.token, &plan.campaign, 6_000 + 100 * n as i64).await?;
            let mut got = 0;
            let deadline = start + Duration::from_secs(30);
            while got < target {
                match tokio::time::timeout_at(deadline.into(), received.recv()).await {
                    Ok(Some(at)) => {
                        latencies.push(at.duration_since(start).as_secs_f64() * 1000.0);
                        got += 1;
                    }
                    _ => break,
                }
            }
            missing += target - got;
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        latencies.sort_by(f64::total_cmp);
        stages.push(json!({
            "connections": target,
            "failed_connections": failed,
            "rss_kb": rss_kb,
            "events": plan.events,
            "missing": missing,
            "p50_ms": pct(&latencies, 50.0),
            "p99_ms": pct(&latencies, 99.0),
            "max_ms": latencies.last().copied().unwrap_or(0.0),
        }));
    }
    let _ = close.send(true);
    for task in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    report["rss_closed_kb"] = json!(rss(&plan.pids));
    tokio::time::sleep(Duration::from_secs(7)).await;
    report["rss_closed_10s_kb"] = json!(rss(&plan.pids));
    report["stages"] = Value::Array(stages);
    report["load_end"] = json!(load_average());
    Ok(report)
}

/// What one subscriber needs.
struct Link {
    url: String,
    token: String,
    deliveries: mpsc::UnboundedSender<Instant>,
    ready: mpsc::UnboundedSender<bool>,
    closed: watch::Receiver<bool>,
    gate: std::sync::Arc<Semaphore>,
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The machine's load averages over 1, 5 and 15 minutes.
fn load_average() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    text.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

/// Sum of the VmRSS of `pids`, in KiB.
pub fn rss(pids: &[u32]) -> u64 {
    pids.iter()
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/status")).ok())
        .filter_map(|status| {
            let line = status.lines().find(|l| l.starts_with("VmRSS:"))?.to_owned();
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .sum()
}

async fn write(
    client: &reqwest::Client,
    server: &str,
    token: &str,
    campaign: &str,
    cents: i64,
) -> Result<(), String> {
    let query = "mutation($id: ID!, $cents: Int!) { updateCampaignBudget(input: {campaignId: $id, dailyBudgetCents: $cents}) { verdict { decision } userErrors { code } } }";
    let body = json!({ "query": query, "variables": { "id": campaign, "cents": cents } });
    let answer: Value = client
        .post(format!("http://{server}/graphql"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    match answer.pointer("/data/updateCampaignBudget/verdict/decision").and_then(Value::as_str) {
        Some("QUEUE_FOR_APPROVAL") => Ok(()),
        _ => Err(format!("the fan-out write was not queued: {answer}")),
    }
}

async fn subscriber(mut link: Link) {
    let subscribed = subscribe(&link).await;
    let Some(mut ws) = subscribed else {
        let _ = link.ready.send(false);
        return;
    };
    let _ = link.ready.send(true);
    loop {
        tokio::select! {
            msg = ws.next() => match msg {
                Some(Ok(Message::Text(text))) => {
                    if text.contains("\"next\"") && !text.contains("\"errors\"") {
                        let _ = link.deliveries.send(Instant::now());
                    } else if text.contains("\"ping\"") {
                        let _ = ws.send(Message::text(r#"{"type":"pong"}"#)).await;
                    }
                }
                Some(Ok(_)) => {}
                _ => return,
            },
            _ = link.closed.changed() => {
                let _ = ws.close(None).await;
                return;
            }
        }
    }
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Connects, acknowledges and subscribes, at most 200 at a time.
async fn subscribe(link: &Link) -> Option<Ws> {
    let _permit = link.gate.acquire().await.ok()?;
    let mut request = link.url.as_str().into_client_request().ok()?;
    request.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_static("graphql-transport-ws"));
    let (mut ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .map_err(|e| eprintln!("websocket connect failed: {e}"))
        .ok()?;
    let init = json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {}", link.token) } });
    ws.send(Message::text(init.to_string())).await.ok()?;
    loop {
        let msg = ws.next().await?.ok()?;
        if msg.to_text().is_ok_and(|t| t.contains("connection_ack")) {
            break;
        }
    }
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": { "query": SUBSCRIBE } });
    ws.send(Message::text(subscribe.to_string())).await.ok()?;
    Some(ws)
}
