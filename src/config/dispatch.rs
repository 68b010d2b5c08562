//! Dispatch leases and the reconciler's timing (`LAYERS_DISPATCH_*`, `LAYERS_RECONCILE_INTERVAL_SECS`,
//! `LAYERS_INSTANCE_ID`): how long a dispatch may hold its target before the reconciler
//! (`service::reconcile`) may settle it instead, and which instance holds it.
//!
//! Flattened into [`crate::config::Settings`]; parsing only, nothing here touches the database.

use std::time::Duration as StdDuration;

use clap::Args;

/// The default of `LAYERS_DISPATCH_LEASE_SECS`.
pub const DEFAULT_DISPATCH_LEASE_SECS: u32 = 300;

/// The default of `LAYERS_RECONCILE_INTERVAL_SECS`.
pub const DEFAULT_RECONCILE_INTERVAL_SECS: u32 = 15;

/// The default of `LAYERS_DISPATCH_SETTLE_SECS`.
pub const DEFAULT_DISPATCH_SETTLE_SECS: u32 = 60;

/// Dispatch leases and the reconciler.
#[derive(Debug, Clone, Args)]
pub struct DispatchSettings {
    /// Seconds a dispatch may take (its platform call with every retry) before a reconciler may
    /// settle it instead. Keep it well above the live adapters' total timeout.
    #[arg(long, env = "LAYERS_DISPATCH_LEASE_SECS", default_value_t = DEFAULT_DISPATCH_LEASE_SECS, value_parser = clap::value_parser!(u32).range(10..=86_400), global = true)]
    pub dispatch_lease_secs: u32,

    /// Seconds between reconciler runs settling dispatches left in flight (one runs at start-up).
    #[arg(long, env = "LAYERS_RECONCILE_INTERVAL_SECS", default_value_t = DEFAULT_RECONCILE_INTERVAL_SECS, value_parser = clap::value_parser!(u32).range(1..=86_400), global = true)]
    pub reconcile_interval_secs: u32,

    /// Seconds after a dispatch's call started before the platform showing no trace of it is
    /// believed: a platform may still be creating an object it has not answered for. Until then
    /// the reconciler asks again at every run.
    #[arg(long, env = "LAYERS_DISPATCH_SETTLE_SECS", default_value_t = DEFAULT_DISPATCH_SETTLE_SECS, value_parser = clap::value_parser!(u32).range(0..=3_600), global = true)]
    pub dispatch_settle_secs: u32,

    /// This server instance's name, unique among running instances and stable across restarts
    /// of the same one (a StatefulSet pod name, say): at start-up a process settles at once the
    /// dispatches an earlier boot of its instance left in flight. Default `<hostname>:<port>`.
    #[arg(long, env = "LAYERS_INSTANCE_ID", value_parser = parse_instance_id, global = true)]
    pub instance_id: Option<String>,
}

impl DispatchSettings {
    /// The dispatch lease.
    pub fn lease(&self) -> chrono::Duration {
        chrono::Duration::seconds(i64::from(self.dispatch_lease_secs))
    }

    /// How long after a call started "not applied" is believed.
    pub fn settle(&self) -> chrono::Duration {
        chrono::Duration::seconds(i64::from(self.dispatch_settle_secs))
    }

    /// The time between reconciler runs.
    pub fn reconcile_interval(&self) -> StdDuration {
        StdDuration::from_secs(u64::from(self.reconcile_interval_secs))
    }

    /// This instance's name: `LAYERS_INSTANCE_ID`, else the host name and the port it serves on
    /// (two running servers never share both).
    pub fn instance(&self, listen: std::net::SocketAddr) -> String {
        self.instance_id.clone().unwrap_or_else(|| format!("{}:{}", host_name(), listen.port()))
    }
}

/// `LAYERS_INSTANCE_ID`: 1 to 200 printable characters.
fn parse_instance_id(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() || text.len() > 200 || text.chars().any(char::is_control) {
        return Err("an instance id is 1 to 200 printable characters".to_owned());
    }
    Ok(text.to_owned())
}

/// The machine's host name, or `localhost` where it cannot be read.
fn host_name() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|path| std::fs::read_to_string(path).ok())
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::DispatchSettings;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        dispatch: DispatchSettings,
    }

    #[test]
    fn the_instance_is_the_configured_id_else_the_host_and_port() {
        let listen = "127.0.0.1:8080".parse().expect("an address");
        let named = Cli::parse_from(["layers", "--instance-id", " web-0 "]).dispatch;
        assert_eq!(named.instance(listen), "web-0");
        let default = Cli::parse_from(["layers"]).dispatch;
        let instance = default.instance(listen);
        assert!(instance.ends_with(":8080") && instance.len() > ":8080".len(), "{instance}");
        assert!(Cli::try_parse_from(["layers", "--instance-id", ""]).is_err());
    }
}
