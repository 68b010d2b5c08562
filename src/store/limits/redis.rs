//! Rate-limit buckets in Redis (`LAYERS_REDIS_URL`): the same GCRA as PostgreSQL's, as a Lua
//! script, so one round trip reads, decides and writes atomically on the server's clock.
//!
//! The connection is made on first use and re-made by the connection manager after a drop;
//! while Redis cannot be reached every call fails fast with the error (the caller decides what
//! a failure means).

use std::time::Duration;

use redis::aio::ConnectionManager;
use tokio::sync::OnceCell;

use super::{Rate, Take};

/// Keys are `<prefix><bucket key>`.
const PREFIX: &str = "layers:rate:";

/// GCRA: `KEYS[1]` holds the theoretical arrival time in milliseconds; `ARGV[1]` is the
/// emission interval and `ARGV[2]` the limit, in milliseconds. Returns `{1, 0}` when admitted,
/// `{0, wait}` (milliseconds) when refused. The key expires when the bucket is full again.
const GCRA: &str = r"
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + tonumber(now_parts[2]) / 1000
local emission = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local next_tat = tat + emission
if next_tat - now > limit then
  return {0, math.ceil(next_tat - now - limit)}
end
redis.call('SET', KEYS[1], string.format('%.3f', next_tat), 'PX', math.ceil(next_tat - now))
return {1, 0}
";

/// Rate-limit buckets in one Redis server.
pub struct RedisBuckets {
    client: redis::Client,
    connection: OnceCell<ConnectionManager>,
    script: redis::Script,
}

impl std::fmt::Debug for RedisBuckets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password: never printed.
        f.debug_struct("RedisBuckets").finish_non_exhaustive()
    }
}

impl RedisBuckets {
    /// Buckets in the Redis server at `url` (`redis://host:port/db`); nothing is connected yet.
    pub fn new(url: &str) -> redis::RedisResult<Self> {
        Ok(RedisBuckets {
            client: redis::Client::open(url)?,
            connection: OnceCell::new(),
            script: redis::Script::new(GCRA),
        })
    }

    /// Draws one request from bucket `key` at `rate`, in one round trip.
    pub async fn take(&self, key: &str, rate: Rate) -> redis::RedisResult<Take> {
        let mut connection = self.connection().await?;
        let (admitted, wait_ms): (i64, i64) = self
            .script
            .key(format!("{PREFIX}{key}"))
            .arg(millis(rate.emission))
            .arg(millis(rate.limit))
            .invoke_async(&mut connection)
            .await?;
        if admitted == 1 {
            return Ok(Take::Admitted);
        }
        Ok(Take::Refused { wait: Duration::from_millis(u64::try_from(wait_ms).unwrap_or(0)) })
    }

    async fn connection(&self) -> redis::RedisResult<ConnectionManager> {
        let connection = self
            .connection
            .get_or_try_init(|| async {
                let config = redis::aio::ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(Duration::from_secs(2)))
                    .set_number_of_retries(1);
                self.client.get_connection_manager_with_config(config).await
            })
            .await?;
        Ok(connection.clone())
    }
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
