//! `layers-bench`: the tools `bench/run.sh` drives. It seeds the benchmark dataset, serves the
//! hand-written reference for the dashboard page, compares two JSON answers, and runs the
//! WebSocket fan-out and memory measurements. It times nothing on HTTP itself: `wrk` does.

mod fanout;
mod page;
mod reference;
mod seed;
mod sql;

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use layers_dashboard::auth::{JwtKeys, Secret, mint_customer_token};
use layers_dashboard::ids::{NodeKind, encode};

#[derive(Parser, Debug)]
#[command(name = "layers-bench", about = "The Layers dashboard benchmark's tools")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Seeds the dataset into a migrated, empty database and writes tokens and write targets.
    Seed {
        #[arg(long)]
        database_url: String,
        /// Where `orgs.json`, `tokens.txt`, `writes-auto.txt` and `writes-draft.txt` go.
        #[arg(long)]
        out: PathBuf,
        #[arg(long, env = "LAYERS_JWT_SECRET")]
        jwt_secret: String,
        #[arg(long, default_value_t = 12)]
        seed: u64,
    },
    /// Serves the hand-written reference page on PostgreSQL at `POST /graphql`.
    Reference {
        #[arg(long)]
        database_url: String,
        #[arg(long)]
        listen: String,
        #[arg(long, env = "LAYERS_JWT_SECRET")]
        jwt_secret: String,
        #[arg(long, default_value_t = 10)]
        pool: u32,
    },
    /// Exits 0 when two files hold the same JSON (object keys in any order), 1 otherwise.
    SameJson { a: PathBuf, b: PathBuf },
    /// Times one event's delivery to many subscribers and reads the servers' memory.
    Fanout {
        /// `host:port` of each instance (comma-separated).
        #[arg(long, value_delimiter = ',')]
        servers: Vec<String>,
        /// Their process ids (comma-separated).
        #[arg(long, value_delimiter = ',')]
        pids: Vec<u32>,
        #[arg(long)]
        token: String,
        /// Global id of a campaign in `DRAFT` on the tactical axis.
        #[arg(long)]
        campaign: String,
        /// Open WebSockets to measure at (comma-separated, ascending).
        #[arg(long, value_delimiter = ',', default_value = "1000")]
        stages: Vec<usize>,
        #[arg(long, default_value_t = 5)]
        events: usize,
    },
}

#[tokio::main]
async fn main() {
    let outcome = match Cli::parse().command {
        Command::Seed { database_url, out, jwt_secret, seed } => {
            seed_cmd(&database_url, &out, jwt_secret, seed).await
        }
        Command::Reference { database_url, listen, jwt_secret, pool } => {
            reference::serve(&database_url, &listen, jwt_secret, pool).await
        }
        Command::SameJson { a, b } => same_json(&a, &b),
        Command::Fanout { servers, pids, token, campaign, stages, events } => {
            let plan = fanout::Plan { servers, pids, token, campaign, stages, events };
            fanout::run(plan).await.map(|report| println!("{report}"))
        }
    };
    if let Err(err) = outcome {
        eprintln!("layers-bench: {err}");
        std::process::exit(1);
    }
}

async fn seed_cmd(url: &str, out: &std::path::Path, jwt_secret: String, rng_seed: u64) -> Result<(), String> {
    let db = layers_dashboard::db::connect(url, 4).await.map_err(|e| e.to_string())?;
    let started = std::time::Instant::now();
    let (orgs, counts) =
        seed::seed(&db, layers_dashboard::db::is_postgres(url), rng_seed).await.map_err(|e| e.to_string())?;
    eprintln!("seeded in {:.1} s: {:?}", started.elapsed().as_secs_f64(), counts.tables);
    let keys = JwtKeys::from_secret(&Secret::from(jwt_secret));
    let now = chrono::Utc::now().timestamp();
    let (mut tokens, mut auto, mut draft) = (String::new(), String::new(), String::new());
    for org in &orgs {
        let token =
            mint_customer_token(&keys, org.id, "bench", now, 7 * 86_400).map_err(|e| e.to_string())?;
        let _ = writeln!(tokens, "{token}");
        for id in &org.auto_campaigns {
            let _ = writeln!(auto, "{token}\t{}", encode(NodeKind::Campaign, *id));
        }
        for id in &org.draft_campaigns {
            let _ = writeln!(draft, "{token}\t{}", encode(NodeKind::Campaign, *id));
        }
    }
    std::fs::create_dir_all(out).map_err(|e| e.to_string())?;
    let json = serde_json::to_string_pretty(&orgs).map_err(|e| e.to_string())?;
    for (name, body) in
        [("orgs.json", json), ("tokens.txt", tokens), ("writes-auto.txt", auto), ("writes-draft.txt", draft)]
    {
        std::fs::write(out.join(name), body).map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn same_json(a: &std::path::Path, b: &std::path::Path) -> Result<(), String> {
    let read = |p: &std::path::Path| -> Result<serde_json::Value, String> {
        let text = std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?;
        serde_json::from_slice(&text).map_err(|e| format!("{}: {e}", p.display()))
    };
    let (left, right) = (read(a)?, read(b)?);
    if left == right {
        return Ok(());
    }
    Err(format!(
        "{} and {} differ: first at {}",
        a.display(),
        b.display(),
        first_difference(&left, &right, String::new())
    ))
}

fn first_difference(a: &serde_json::Value, b: &serde_json::Value, path: String) -> String {
    use serde_json::Value::{Array, Object};
    match (a, b) {
        (Object(x), Object(y)) => {
            for (k, v) in x {
                match y.get(k) {
                    Some(w) if w != v => return first_difference(v, w, format!("{path}/{k}")),
                    None => return format!("{path}/{k} (missing on the right)"),
                    _ => {}
                }
            }
            format!("{path} (extra keys on the right)")
        }
        (Array(x), Array(y)) if x.len() == y.len() => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                if v != w {
                    return first_difference(v, w, format!("{path}/{i}"));
                }
            }
            path
        }
        _ => format!("{path}: {a} vs {b}"),
    }
}
