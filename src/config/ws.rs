//! WebSocket settings (`LAYERS_WS_*`): how long a new connection may wait before
//! `connection_init`, when the server sends keep-alives, and what one connection and one
//! organization may hold. Flattened into [`crate::config::Settings`]; [`WsSettings::ws_config`]
//! turns them into the [`WsConfig`] the `ws` module runs with. Parsing only.

use std::time::Duration;

use clap::Args;

use crate::ws::WsConfig;

/// Default `LAYERS_WS_INIT_TIMEOUT_SECS`.
pub const DEFAULT_INIT_TIMEOUT_SECS: u32 = 10;
/// Default `LAYERS_WS_KEEPALIVE_SECS`.
pub const DEFAULT_KEEPALIVE_SECS: u32 = 15;
/// Default `LAYERS_WS_MAX_SUBSCRIPTIONS`.
pub const DEFAULT_MAX_SUBSCRIPTIONS: u32 = 100;
/// Default `LAYERS_WS_MAX_CONNECTIONS_PER_ORG`: a team of a hundred people with several
/// dashboard tabs each stays well under it; it bounds what one tenant can take.
pub const DEFAULT_MAX_CONNECTIONS_PER_ORG: u32 = 1_000;

/// WebSocket settings.
#[derive(Debug, Clone, Args)]
pub struct WsSettings {
    /// Seconds a new WebSocket may take to send `connection_init` before it is closed (4408).
    #[arg(long, env = "LAYERS_WS_INIT_TIMEOUT_SECS", default_value_t = DEFAULT_INIT_TIMEOUT_SECS, value_parser = clap::value_parser!(u32).range(1..=600), global = true)]
    pub ws_init_timeout_secs: u32,

    /// Seconds of silence after which the server pings a WebSocket.
    #[arg(long, env = "LAYERS_WS_KEEPALIVE_SECS", default_value_t = DEFAULT_KEEPALIVE_SECS, value_parser = clap::value_parser!(u32).range(1..=3600), global = true)]
    pub ws_keepalive_secs: u32,

    /// Subscriptions one WebSocket may run at once.
    #[arg(long, env = "LAYERS_WS_MAX_SUBSCRIPTIONS", default_value_t = DEFAULT_MAX_SUBSCRIPTIONS, value_parser = clap::value_parser!(u32).range(1..=10_000), global = true)]
    pub ws_max_subscriptions: u32,

    /// WebSocket connections one organization may hold (across instances on PostgreSQL).
    #[arg(long, env = "LAYERS_WS_MAX_CONNECTIONS_PER_ORG", default_value_t = DEFAULT_MAX_CONNECTIONS_PER_ORG, value_parser = clap::value_parser!(u32).range(1..=100_000), global = true)]
    pub ws_max_connections_per_org: u32,
}

impl WsSettings {
    /// The WebSocket configuration these settings describe (queue and message sizes are not
    /// settings: [`WsConfig::default`]'s).
    pub fn ws_config(&self) -> WsConfig {
        WsConfig {
            init_timeout: Duration::from_secs(u64::from(self.ws_init_timeout_secs)),
            keep_alive: Duration::from_secs(u64::from(self.ws_keepalive_secs)),
            max_operations: self.ws_max_subscriptions as usize,
            max_connections_per_org: self.ws_max_connections_per_org as usize,
            ..WsConfig::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::WsSettings;
    use crate::ws::WsConfig;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        ws: WsSettings,
    }

    #[test]
    fn an_empty_command_line_gives_the_default_ws_config() {
        assert_eq!(Cli::parse_from(["layers"]).ws.ws_config(), WsConfig::default());
        let tight = Cli::parse_from(["layers", "--ws-max-subscriptions", "3"]).ws.ws_config();
        assert_eq!(tight.max_operations, 3);
    }
}
