//! Everything a server is started with: the command line (clap) and the `--config` TOML file
//! (CONTRACT §10), resolved into one `Settings`. Unknown TOML keys are refused with a clear
//! message, so a typo never silently falls back to a default.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use playground_domain::Scopes;
use serde::Deserialize;

#[derive(Debug, Parser)]
#[command(
    name = "api-playground",
    version,
    about = "One server, one port: REST, GraphQL, gRPC, WebSocket and SOAP over one domain",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// `serve` is the default: its flags work without naming it.
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the server (the default).
    Serve(ServeArgs),
    /// Measure one operation on every protocol against a running server.
    Bench(BenchCommand),
    /// Run one operation on all five protocols and show each answer side by side.
    Compare(playground_client::compare::CompareArgs),
}

/// `bench`: the client's flags, and the one knob of the server it starts itself.
#[derive(Debug, Args)]
pub struct BenchCommand {
    #[command(flatten)]
    pub bench: playground_client::bench::BenchArgs,
    /// Start the in-process server with this simulated round-trip time (e.g. 50ms), and show
    /// each p50 in round trips. Only without --url: a server of your own takes its own
    /// --simulate-rtt.
    #[arg(long, value_parser = parse_rtt)]
    pub simulate_rtt: Option<std::time::Duration>,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to bind; port 0 picks a free port (the real one is printed).
    #[arg(long, env = "PLAYGROUND_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Allow every operation without a credential (workshop quick start).
    #[arg(long)]
    pub no_auth: bool,
    /// Seed of the deterministic demo data.
    #[arg(long, default_value_t = playground_domain::seed::DEFAULT_SEED)]
    pub seed: u64,
    /// Start with no data at all.
    #[arg(long, conflicts_with = "seed")]
    pub empty: bool,
    /// TOML file with credentials, rate-limit tiers and limits.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// PEM certificate chain: serve TLS (ALPN h2 and http/1.1) for every protocol.
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of `--tls-cert`.
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Make loopback behave like a network with this round-trip time (e.g. 50ms): every request,
    /// gRPC call and JSON-RPC message waits one round trip, every new connection one more.
    #[arg(long, value_parser = parse_rtt)]
    pub simulate_rtt: Option<std::time::Duration>,
    /// Fail this share of calls (0 to 1) with INTERNAL or UNAVAILABLE.
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate)]
    pub fault_rate: f64,
    /// Seed of which calls `--fault-rate` fails: the same seed fails the same calls of a run.
    #[arg(long, default_value_t = 1)]
    pub fault_seed: u64,
    /// How log lines are written to standard error: `text` for people, `json` for machines.
    #[arg(long, value_enum, default_value = "text")]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// The longest round trip `--simulate-rtt` takes: a slow satellite link.
const MAX_SIMULATED_RTT: std::time::Duration = std::time::Duration::from_secs(5);

fn parse_rtt(text: &str) -> Result<std::time::Duration, String> {
    let rtt = parse_duration(text).map_err(|e| e.to_string())?;
    match rtt <= MAX_SIMULATED_RTT {
        true => Ok(rtt),
        false => Err(format!("at most {} s", MAX_SIMULATED_RTT.as_secs())),
    }
}

fn parse_rate(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(rate) if (0.0..=1.0).contains(&rate) => Ok(rate),
        _ => Err(format!("{text:?} is not a share between 0 and 1, such as 0.05")),
    }
}

/// The server-wide teaching knobs (CONTRACT §7); the per-call ones are in `knobs`.
#[derive(Debug, Clone, Copy, Default)]
pub struct GlobalKnobs {
    pub simulate_rtt: Option<std::time::Duration>,
    pub fault_rate: f64,
    pub fault_seed: u64,
}

impl ServeArgs {
    /// The defaults on a free loopback port: what tests and the in-process bench start.
    pub fn on_free_port() -> ServeArgs {
        ServeArgs {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            no_auth: false,
            seed: playground_domain::seed::DEFAULT_SEED,
            empty: false,
            config: None,
            tls_cert: None,
            tls_key: None,
            simulate_rtt: None,
            fault_rate: 0.0,
            fault_seed: 1,
            log_format: LogFormat::Text,
        }
    }
}

/// The `--config` file, exactly as CONTRACT §10 lays it out.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    auth: AuthFile,
    #[serde(default)]
    rate_limit: RateLimitFile,
    #[serde(default)]
    events: EventsFile,
    #[serde(default)]
    limits: LimitsFile,
    #[serde(default)]
    webhooks: WebhooksFile,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhooksFile {
    /// Delivery targets allowed besides loopback: addresses or CIDR ranges.
    allow: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthFile {
    access_token_ttl: Option<String>,
    refresh_token_ttl: Option<String>,
    signing_key_lifetime: Option<String>,
    signing_keys: Option<Vec<PathBuf>>,
    api_keys: Option<Vec<ApiKeyFile>>,
    users: Option<Vec<UserFile>>,
    clients: Option<Vec<ClientFile>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ApiKeyFile {
    key: String,
    scopes: Vec<String>,
    tier: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserFile {
    username: String,
    password: String,
    user_id: u64,
    scopes: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientFile {
    client_id: String,
    secret: Option<String>,
    #[serde(default)]
    public: bool,
    scopes: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RateLimitFile {
    burst: Option<u32>,
    per_second: Option<u32>,
    #[serde(default)]
    tiers: BTreeMap<String, TierFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TierFile {
    burst: u32,
    per_second: u32,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventsFile {
    history: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsFile {
    max_body_bytes: Option<usize>,
    graphql_max_depth: Option<usize>,
    graphql_max_complexity: Option<usize>,
    max_connections: Option<usize>,
    max_header_bytes: Option<usize>,
    compare_runs: Option<usize>,
    jsonrpc_max_batch: Option<usize>,
}

/// An API key: the secret a client sends, what it may do, and which rate tier it draws from.
#[derive(Debug, Clone)]
pub struct ApiKey {
    pub key: String,
    pub scopes: Scopes,
    pub tier: String,
}

/// A person who can log in (JWT, OAuth consent, WS-Security UsernameToken).
#[derive(Debug, Clone)]
pub struct Account {
    pub username: String,
    pub password: String,
    pub user_id: u64,
    pub scopes: Scopes,
}

/// An OAuth client; public clients have no secret and must use PKCE.
#[derive(Debug, Clone)]
pub struct OAuthClient {
    pub client_id: String,
    pub secret: Option<String>,
    pub scopes: Scopes,
}

/// A token bucket: `burst` calls at once, refilled at `per_second`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateTier {
    pub burst: u32,
    pub per_second: u32,
}

#[derive(Debug, Clone)]
pub struct Limits {
    pub max_body_bytes: usize,
    pub graphql_max_depth: usize,
    pub graphql_max_complexity: usize,
    pub max_connections: usize,
    /// The request line and headers together (HTTP/1.1), or the header list (HTTP/2).
    pub max_header_bytes: usize,
    /// Comparisons (five calls each) the page's compare endpoint runs at once; more get 503.
    pub compare_runs: usize,
    /// Calls in one JSON-RPC batch on `/ws`; a larger batch is one -32600 error.
    pub jsonrpc_max_batch: usize,
}

/// Everything the server runs with, resolved from flags, the file and the demo defaults.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub no_auth: bool,
    /// `None` starts empty.
    pub seed: Option<u64>,
    pub api_keys: Vec<ApiKey>,
    pub accounts: Vec<Account>,
    pub clients: Vec<OAuthClient>,
    pub access_token_ttl: std::time::Duration,
    pub refresh_token_ttl: std::time::Duration,
    /// How long one key signs tokens before a new one takes over (the old one still verifies).
    pub signing_key_lifetime: std::time::Duration,
    /// PKCS#8 PEM files of ES256 keys: the first signs, the others verify. None: made at start.
    pub signing_keys: Vec<PathBuf>,
    pub default_tier: RateTier,
    pub tiers: BTreeMap<String, RateTier>,
    pub event_history: usize,
    /// Webhook targets allowed besides loopback (`[webhooks] allow`).
    pub webhook_allow: Vec<ipnet::IpNet>,
    pub limits: Limits,
    /// How often `/ws` pings; a connection that has not answered by the next ping is closed.
    pub ws_ping_interval: std::time::Duration,
    /// TLS for every protocol, when `--tls-cert` and `--tls-key` are given.
    pub tls: Option<std::sync::Arc<tokio_rustls::rustls::ServerConfig>>,
    pub knobs: GlobalKnobs,
}

pub const DEFAULT_TIER: &str = "default";

fn scopes(names: &[&str]) -> Scopes {
    names.iter().filter_map(|name| playground_domain::Scope::parse(name)).collect()
}

fn parse_scopes(names: &[String], whose: &str) -> anyhow::Result<Scopes> {
    Scopes::parse(names.iter().map(String::as_str)).map_err(|e| anyhow::anyhow!("{whose}: {e}"))
}

/// Parses "15m", "24h", "30s", "500ms".
pub fn parse_duration(text: &str) -> anyhow::Result<std::time::Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 =
        number.parse().with_context(|| format!("{text:?} is not a duration such as 250ms, 30s, 15m or 24h"))?;
    let seconds = match unit {
        "ms" => number / 1000.0,
        "s" | "" => number,
        "m" => number * 60.0,
        "h" => number * 3600.0,
        other => bail!("unknown duration unit {other:?} in {text:?}: use ms, s, m or h"),
    };
    if !(0.0..=365.0 * 86400.0).contains(&seconds) {
        bail!("{text:?} is out of range");
    }
    Ok(std::time::Duration::from_secs_f64(seconds))
}

impl Settings {
    /// The demo defaults of CONTRACT §5, §6 and §8, then the file on top.
    pub fn load(args: &ServeArgs) -> anyhow::Result<Settings> {
        let file = match &args.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let read = ["users:read", "orders:read", "products:read"];
        let write = ["users:read", "orders:read", "products:read", "users:write", "orders:write"];
        let mut settings = Settings {
            listen: args.listen,
            no_auth: args.no_auth,
            seed: (!args.empty).then_some(args.seed),
            ws_ping_interval: std::time::Duration::from_secs(30),
            knobs: GlobalKnobs {
                simulate_rtt: args.simulate_rtt,
                fault_rate: args.fault_rate,
                fault_seed: args.fault_seed,
            },
            tls: match (&args.tls_cert, &args.tls_key) {
                (Some(cert), Some(key)) => Some(crate::tls::server_config(cert, key)?),
                _ => None,
            },
            api_keys: vec![
                ApiKey { key: "demo-read-key".into(), scopes: scopes(&read), tier: DEFAULT_TIER.into() },
                ApiKey { key: "demo-write-key".into(), scopes: scopes(&write), tier: DEFAULT_TIER.into() },
            ],
            accounts: vec![
                Account {
                    username: "alice".into(),
                    password: "alice-password".into(),
                    user_id: 1,
                    scopes: scopes(&["users:read", "orders:read", "orders:write", "products:read"]),
                },
                Account {
                    username: "admin".into(),
                    password: "admin-password".into(),
                    user_id: playground_domain::seed::ADMIN_USER_ID,
                    scopes: Scopes::all(),
                },
            ],
            clients: vec![
                OAuthClient {
                    client_id: "demo-client".into(),
                    secret: Some("demo-secret".into()),
                    scopes: scopes(&["users:read", "orders:read"]),
                },
                OAuthClient {
                    client_id: "demo-spa".into(),
                    secret: None,
                    scopes: scopes(&["users:read", "orders:read", "orders:write"]),
                },
            ],
            access_token_ttl: std::time::Duration::from_secs(15 * 60),
            refresh_token_ttl: std::time::Duration::from_secs(24 * 3600),
            signing_key_lifetime: std::time::Duration::from_secs(24 * 3600),
            signing_keys: Vec::new(),
            default_tier: RateTier { burst: 100, per_second: 20 },
            tiers: BTreeMap::new(),
            event_history: playground_domain::events::DEFAULT_HISTORY,
            webhook_allow: Vec::new(),
            limits: Limits {
                max_body_bytes: 1 << 20,
                graphql_max_depth: 10,
                graphql_max_complexity: 500,
                max_connections: 10_000,
                max_header_bytes: 16 << 10,
                compare_runs: 4,
                jsonrpc_max_batch: 100,
            },
        };
        settings.apply(file)?;
        // Key files are named relative to the config file, wherever the server is started from.
        if let Some(dir) = args.config.as_deref().and_then(Path::parent) {
            settings.signing_keys = settings.signing_keys.iter().map(|path| dir.join(path)).collect();
        }
        Ok(settings)
    }

    fn apply(&mut self, file: FileConfig) -> anyhow::Result<()> {
        let FileConfig { auth, rate_limit, events, limits, webhooks } = file;
        if let Some(allow) = webhooks.allow {
            self.webhook_allow = allow
                .iter()
                .map(|entry| {
                    entry
                        .parse::<ipnet::IpNet>()
                        .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                        .with_context(|| format!("[webhooks] allow: {entry:?} is not an address or a CIDR range"))
                })
                .collect::<anyhow::Result<_>>()?;
        }
        if let Some(ttl) = auth.access_token_ttl {
            self.access_token_ttl = parse_duration(&ttl).context("[auth] access_token_ttl")?;
        }
        if let Some(ttl) = auth.refresh_token_ttl {
            self.refresh_token_ttl = parse_duration(&ttl).context("[auth] refresh_token_ttl")?;
        }
        if let Some(files) = auth.signing_keys {
            self.signing_keys = files;
        }
        if let Some(lifetime) = auth.signing_key_lifetime {
            self.signing_key_lifetime = parse_duration(&lifetime).context("[auth] signing_key_lifetime")?;
        }
        if let Some(keys) = auth.api_keys {
            self.api_keys = keys
                .into_iter()
                .map(|ApiKeyFile { key, scopes, tier }| {
                    Ok(ApiKey {
                        scopes: parse_scopes(&scopes, &format!("[auth] api key {key:?}"))?,
                        tier: tier.unwrap_or_else(|| DEFAULT_TIER.into()),
                        key,
                    })
                })
                .collect::<anyhow::Result<_>>()?;
        }
        if let Some(users) = auth.users {
            self.accounts = users
                .into_iter()
                .map(|UserFile { username, password, user_id, scopes }| {
                    Ok(Account {
                        scopes: parse_scopes(&scopes, &format!("[auth] user {username:?}"))?,
                        username,
                        password,
                        user_id,
                    })
                })
                .collect::<anyhow::Result<_>>()?;
        }
        if let Some(clients) = auth.clients {
            self.clients = clients
                .into_iter()
                .map(|ClientFile { client_id, secret, public, scopes }| {
                    if public == secret.is_some() {
                        bail!("[auth] client {client_id:?}: give a secret, or public = true, not both");
                    }
                    Ok(OAuthClient {
                        scopes: parse_scopes(&scopes, &format!("[auth] client {client_id:?}"))?,
                        client_id,
                        secret,
                    })
                })
                .collect::<anyhow::Result<_>>()?;
        }
        let RateLimitFile { burst, per_second, tiers } = rate_limit;
        self.default_tier = RateTier {
            burst: burst.unwrap_or(self.default_tier.burst),
            per_second: per_second.unwrap_or(self.default_tier.per_second),
        };
        self.tiers = tiers
            .into_iter()
            .map(|(name, TierFile { burst, per_second })| (name, RateTier { burst, per_second }))
            .collect();
        for (name, tier) in
            std::iter::once((DEFAULT_TIER, &self.default_tier)).chain(self.tiers.iter().map(|(n, t)| (n.as_str(), t)))
        {
            if tier.burst == 0 || tier.per_second == 0 {
                bail!("[rate_limit] tier {name:?}: burst and per_second must be at least 1");
            }
        }
        for key in &self.api_keys {
            if key.tier != DEFAULT_TIER && !self.tiers.contains_key(&key.tier) {
                bail!(
                    "[auth] api key {:?} names tier {:?}, which [rate_limit] tiers does not define",
                    key.key,
                    key.tier
                );
            }
        }
        if let Some(history) = events.history {
            if history == 0 {
                bail!("[events] history must be at least 1");
            }
            self.event_history = history;
        }
        let LimitsFile {
            max_body_bytes,
            graphql_max_depth,
            graphql_max_complexity,
            max_connections,
            max_header_bytes,
            compare_runs,
            jsonrpc_max_batch,
        } = limits;
        self.limits.compare_runs = compare_runs.unwrap_or(self.limits.compare_runs);
        self.limits.jsonrpc_max_batch = jsonrpc_max_batch.unwrap_or(self.limits.jsonrpc_max_batch).max(1);
        self.limits.max_body_bytes = max_body_bytes.unwrap_or(self.limits.max_body_bytes);
        self.limits.graphql_max_depth = graphql_max_depth.unwrap_or(self.limits.graphql_max_depth);
        self.limits.graphql_max_complexity = graphql_max_complexity.unwrap_or(self.limits.graphql_max_complexity);
        self.limits.max_connections = max_connections.unwrap_or(self.limits.max_connections).max(1);
        if let Some(bytes) = max_header_bytes {
            // hyper reads a request head into a buffer of at least 8 KiB.
            if bytes < 8192 {
                bail!("[limits] max_header_bytes must be at least 8192");
            }
            self.limits.max_header_bytes = bytes;
        }
        Ok(())
    }

    /// The rate tier a named tier resolves to.
    pub fn tier(&self, name: &str) -> RateTier {
        self.tiers.get(name).copied().unwrap_or(self.default_tier)
    }
}

fn read_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read --config {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("invalid --config {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(config: Option<PathBuf>) -> ServeArgs {
        ServeArgs { config, ..ServeArgs::on_free_port() }
    }

    fn with_file(text: &str) -> anyhow::Result<Settings> {
        let path = std::env::temp_dir().join(format!("playground-config-{}-{}.toml", std::process::id(), text.len()));
        std::fs::write(&path, text)?;
        let settings = Settings::load(&args(Some(path.clone())));
        let _ = std::fs::remove_file(path);
        settings
    }

    #[test]
    fn defaults_are_the_demo_ones() {
        let settings = Settings::load(&args(None)).expect("defaults");
        assert_eq!(settings.default_tier, RateTier { burst: 100, per_second: 20 });
        assert_eq!(settings.api_keys.len(), 2);
        assert_eq!(settings.limits.max_body_bytes, 1 << 20);
    }

    #[test]
    fn the_contract_example_loads_and_unknown_keys_are_refused() {
        let example = r#"
[auth]
access_token_ttl = "15m"
refresh_token_ttl = "24h"
api_keys = [{ key = "k1", scopes = ["users:read"], tier = "gold" }]
[rate_limit]
burst = 5
per_second = 1
tiers = { gold = { burst = 1000, per_second = 200 } }
[events]
history = 10
[limits]
max_body_bytes = 2048
"#;
        let settings = with_file(example).expect("contract example");
        assert_eq!(settings.api_keys[0].tier, "gold");
        assert_eq!(settings.tier("gold"), RateTier { burst: 1000, per_second: 200 });
        assert_eq!(settings.default_tier, RateTier { burst: 5, per_second: 1 });
        assert_eq!(settings.event_history, 10);
        let unknown = with_file("[limits]\nmax_body_bytez = 1\n").expect_err("typo refused");
        assert!(format!("{unknown:#}").contains("max_body_bytez"), "{unknown:#}");
        assert!(with_file("[auth]\napi_keys = [{ key = \"k\", scopes = [\"root\"] }]\n").is_err());
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("250ms").expect("ms"), std::time::Duration::from_millis(250));
        assert_eq!(parse_duration("15m").expect("m"), std::time::Duration::from_secs(900));
        assert!(parse_duration("5 parsecs").is_err());
    }
}
