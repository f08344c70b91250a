//! `hrsync.toml`: where people come from, where they go, how they are mapped, and the
//! policies. Secrets never live here: they come from the environment (or files the
//! environment names). Every section but `[source]` and `[target]` is optional.
//!
//! ```
//! let config = hrsync_cli::config::Config::from_toml(r#"
//!     [source]
//!     kind = "simulator"
//!     people = 40
//!
//!     [target]
//!     kind = "simulator"
//!
//!     [mapping]
//!     preset = "iamconnector"
//!
//!     [[sync.groups]]
//!     from = "department"
//!     name = "Dept - {name}"
//! "#)?;
//! assert_eq!(config.sync.groups.len(), 1);
//! # Ok::<(), hrsync_cli::config::ConfigError>(())
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use hr_sync::SyncPolicy;
use hr_sync::safeguard::SafeguardPolicy;
use serde::Deserialize;

/// A configuration that can't be used; the message names the key and what is wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Not TOML, an unknown key, or a value of the wrong kind (the message has the key,
    /// the line and the column).
    #[error("{}{message}", path.as_ref().map(|p| format!("{}: ", p.display())).unwrap_or_default())]
    Syntax {
        /// The file, when read from one.
        path: Option<PathBuf>,
        /// TOML's message.
        message: String,
    },
    /// A key holds a value that can't be used.
    #[error("{key}: {problem}")]
    Invalid {
        /// The key, dotted: `source.path`.
        key: String,
        /// What is wrong.
        problem: String,
    },
}

impl ConfigError {
    fn invalid(key: &str, problem: impl Into<String>) -> Self {
        Self::Invalid {
            key: key.to_owned(),
            problem: problem.into(),
        }
    }
}

/// Where people come from.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
#[non_exhaustive]
pub enum SourceConfig {
    /// Nmbrs SOAP API v3; credentials from `NMBRS_USERNAME`, `NMBRS_TOKEN`,
    /// `NMBRS_DOMAIN` and `NMBRS_ENV` (or `NMBRS_BASE_URL`).
    Nmbrs {
        /// Only these company ids (default: every company the API user may see).
        #[serde(default)]
        companies: Vec<String>,
    },
    /// A CSV export (hr-core's column set).
    Csv {
        /// The file, relative to the configuration file.
        path: PathBuf,
    },
    /// The Nmbrs simulator in-process, with generated people: no account needed.
    Simulator {
        /// How many people to generate.
        #[serde(default = "default_people")]
        people: usize,
    },
}

fn default_people() -> usize {
    40
}

/// Where people go.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
#[non_exhaustive]
pub enum TargetConfig {
    /// Push through Okta's Management API; `OKTA_ORG_URL` and `OKTA_API_TOKEN`, or
    /// `OKTA_CLIENT_ID` with `OKTA_PRIVATE_KEY` / `OKTA_PRIVATE_KEY_FILE`.
    Okta,
    /// The Okta simulator in-process: no account needed.
    Simulator,
    /// Pull: serve the SCIM gateway Okta imports from (`hrsync serve`).
    ScimGateway,
}

/// The mapping: a preset or a rules file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct MappingSection {
    /// `iamconnector`, `humaans` or `okta-default`.
    pub preset: Option<String>,
    /// A mapping rules file (TOML), relative to the configuration file.
    pub file: Option<PathBuf>,
}

impl Default for MappingSection {
    fn default() -> Self {
        Self {
            preset: Some("okta-default".into()),
            file: None,
        }
    }
}

/// Where the engine keeps its files.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct StateSection {
    /// The directory of `state.json` (the last good run), `journal.jsonl` and, for
    /// `hrsync serve`, `pull-state.json` (the last good snapshot the gateway served, so a
    /// restart still checks the first read for a population drop), relative to the
    /// configuration file; default `.hrsync`.
    pub dir: PathBuf,
}

impl Default for StateSection {
    fn default() -> Self {
        Self {
            dir: PathBuf::from(".hrsync"),
        }
    }
}

/// Scheduled runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ScheduleSection {
    /// `sync` repeats this often (`30m`, `1h`, `1d`); `--every` overrides it.
    pub every: Option<String>,
}

/// The SCIM gateway (`hrsync serve`, with `[target] kind = "scim-gateway"`); every key
/// is optional. Its credentials never live here: `HRSYNC_SCIM_TOKEN` (Bearer) and/or
/// `HRSYNC_SCIM_USER` with `HRSYNC_SCIM_PASSWORD` (Basic) come from the environment.
///
/// ```
/// let config = hrsync_cli::config::Config::from_toml(r#"
///     [source]
///     kind = "simulator"
///     [target]
///     kind = "scim-gateway"
///     [serve]
///     bind = "0.0.0.0:8443"
///     tls_cert = "/etc/hrsync/cert.pem"
///     tls_key = "/etc/hrsync/key.pem"
///     refresh = "5m"
/// "#)?;
/// assert_eq!(config.serve.bind_addr().port(), 8443);
/// assert_eq!(config.serve.refresh_interval().as_secs(), 300);
/// assert_eq!(config.serve.base_path(), "/scim/v2");
///
/// let half = hrsync_cli::config::Config::from_toml(r#"
///     [source]
///     kind = "simulator"
///     [target]
///     kind = "scim-gateway"
///     [serve]
///     tls_cert = "cert.pem"
/// "#);
/// assert!(half.unwrap_err().to_string().starts_with("serve.tls_key:"));
/// # Ok::<(), hrsync_cli::config::ConfigError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ServeSection {
    /// The address and port to listen on; default [`DEFAULT_BIND`]. `--bind` overrides it.
    pub bind: Option<String>,
    /// The PEM certificate chain (server certificate first), relative to the
    /// configuration file; set together with `tls_key`. `--tls-cert` overrides it.
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key (PKCS#8, PKCS#1 or SEC1) of the certificate, relative to the
    /// configuration file. `--tls-key` overrides it.
    pub tls_key: Option<PathBuf>,
    /// How often the HR source is read again (`15m` by default); `--every` overrides it.
    pub refresh: Option<String>,
    /// Days deactivated people stay listed inactive (default 90, at most 3650).
    pub retention_days: Option<u32>,
    /// Where the SCIM endpoints live: `/scim/v2` by default, `""` for the root.
    pub base_path: Option<String>,
    /// The URL Okta calls the base path by (`https://hr.example.com/scim/v2`), used in
    /// `meta.location`; without it the server writes `http://<Host header><base_path>`.
    /// Set it behind a proxy or with TLS.
    pub public_url: Option<String>,
}

/// Where `hrsync serve` listens unless told otherwise.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// The SCIM base path unless told otherwise.
pub const DEFAULT_BASE_PATH: &str = "/scim/v2";

impl ServeSection {
    /// The address to listen on ([`DEFAULT_BIND`] unless `bind` is set; the value was
    /// checked when the file was read).
    #[must_use]
    pub fn bind_addr(&self) -> SocketAddr {
        self.bind
            .as_deref()
            .and_then(|b| b.trim().parse().ok())
            .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 8080)))
    }

    /// The refresh interval (`refresh`, else hr-sync's default of 15 minutes).
    #[must_use]
    pub fn refresh_interval(&self) -> Duration {
        self.refresh
            .as_deref()
            .and_then(|r| parse_duration(r).ok())
            .unwrap_or(hr_sync::pull::DEFAULT_REFRESH_INTERVAL)
    }

    /// The retention window in days (`retention_days`, else hr-sync's default of 90).
    #[must_use]
    pub fn retention(&self) -> u32 {
        self.retention_days
            .unwrap_or(hr_sync::pull::DEFAULT_RETENTION_DAYS)
    }

    /// The SCIM base path ([`DEFAULT_BASE_PATH`] unless `base_path` is set).
    #[must_use]
    pub fn base_path(&self) -> &str {
        self.base_path
            .as_deref()
            .map_or(DEFAULT_BASE_PATH, str::trim)
    }

    fn check(&self) -> Result<(), ConfigError> {
        if let Some(bind) = &self.bind
            && bind.trim().parse::<SocketAddr>().is_err()
        {
            return Err(ConfigError::invalid(
                "serve.bind",
                format!(
                    "{bind:?} is not an IP address with a port, like 127.0.0.1:8080, \
                     0.0.0.0:8443 or [::]:8443"
                ),
            ));
        }
        match (&self.tls_cert, &self.tls_key) {
            (Some(_), None) => {
                return Err(ConfigError::invalid(
                    "serve.tls_key",
                    "missing: serve.tls_cert and serve.tls_key go together",
                ));
            }
            (None, Some(_)) => {
                return Err(ConfigError::invalid(
                    "serve.tls_cert",
                    "missing: serve.tls_cert and serve.tls_key go together",
                ));
            }
            _ => {}
        }
        if let Some(refresh) = &self.refresh {
            parse_duration(refresh).map_err(|p| ConfigError::invalid("serve.refresh", p))?;
        }
        if let Some(days) = self.retention_days
            && days > hr_core::lifecycle::MAX_POLICY_DAYS
        {
            return Err(ConfigError::invalid(
                "serve.retention_days",
                format!(
                    "{days} is more than the {} allowed",
                    hr_core::lifecycle::MAX_POLICY_DAYS
                ),
            ));
        }
        if let Some(path) = &self.base_path {
            let p = path.trim();
            if !p.is_empty()
                && (!p.starts_with('/') || p.ends_with('/') || p.contains(['_', '?', '#', ' ']))
            {
                return Err(ConfigError::invalid(
                    "serve.base_path",
                    format!(
                        "{path:?} must start with '/' and must not end with '/' or contain \
                         '_', '?', '#' or spaces (Okta refuses them); \"\" serves at the root"
                    ),
                ));
            }
        }
        if let Some(url) = &self.public_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(ConfigError::invalid(
                "serve.public_url",
                format!("{url:?} must start with https:// (or http://)"),
            ));
        }
        Ok(())
    }
}

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {
    /// Where people come from.
    pub source: SourceConfig,
    /// Where people go.
    pub target: TargetConfig,
    /// The mapping.
    #[serde(default)]
    pub mapping: MappingSection,
    /// Link attribute, adoption, lifecycle, groups, managers.
    #[serde(default)]
    pub sync: SyncPolicy,
    /// The safeguards.
    #[serde(default)]
    pub safeguards: SafeguardPolicy,
    /// The engine's files.
    #[serde(default)]
    pub state: StateSection,
    /// Scheduled runs.
    #[serde(default)]
    pub schedule: ScheduleSection,
    /// The SCIM gateway (`hrsync serve`).
    #[serde(default)]
    pub serve: ServeSection,
    /// The directory relative paths are read from (the configuration file's).
    #[serde(skip)]
    pub base: PathBuf,
}

impl Config {
    /// Reads and checks a configuration file.
    ///
    /// # Errors
    /// [`ConfigError`] naming the file, the key and the problem.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut config = Self::parse(&text).map_err(|e| match e {
            ConfigError::Syntax { message, .. } => ConfigError::Syntax {
                path: Some(path.to_path_buf()),
                message,
            },
            other => other,
        })?;
        config.base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(config)
    }

    /// Reads and checks a configuration from text (relative paths from the current
    /// directory).
    ///
    /// # Errors
    /// [`ConfigError`] naming the key and the problem.
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        Self::parse(text)
    }

    fn parse(text: &str) -> Result<Self, ConfigError> {
        let config: Self = toml::from_str(text).map_err(|e| ConfigError::Syntax {
            path: None,
            message: e.to_string(),
        })?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), ConfigError> {
        match (&self.mapping.preset, &self.mapping.file) {
            (Some(_), Some(_)) => {
                return Err(ConfigError::invalid(
                    "mapping",
                    "set either `preset` or `file`, not both",
                ));
            }
            (None, None) => {
                return Err(ConfigError::invalid(
                    "mapping",
                    "set `preset` (iamconnector, humaans, okta-default) or `file`",
                ));
            }
            (Some(p), None) if !mapping::PRESETS.contains(&p.as_str()) => {
                return Err(ConfigError::invalid(
                    "mapping.preset",
                    format!(
                        "unknown preset {p:?}; the presets are {}",
                        mapping::PRESETS.join(", ")
                    ),
                ));
            }
            _ => {}
        }
        if let SourceConfig::Simulator { people } = &self.source
            && !(1..=100_000).contains(people)
        {
            return Err(ConfigError::invalid(
                "source.people",
                "must be between 1 and 100000",
            ));
        }
        if let SourceConfig::Nmbrs { companies } = &self.source {
            for (i, c) in companies.iter().enumerate() {
                if c.trim().is_empty() || !c.chars().all(|ch| ch.is_ascii_digit()) {
                    return Err(ConfigError::invalid(
                        &format!("source.companies[{i}]"),
                        format!("{c:?} is not an Nmbrs company id (digits)"),
                    ));
                }
            }
        }
        if let Some(every) = &self.schedule.every {
            parse_duration(every).map_err(|p| ConfigError::invalid("schedule.every", p))?;
        }
        self.serve.check()?;
        if self.sync.link_attribute.trim().is_empty() {
            return Err(ConfigError::invalid(
                "sync.link_attribute",
                "must name a profile attribute",
            ));
        }
        Ok(())
    }

    /// A path from the file, resolved against the configuration file's directory.
    #[must_use]
    pub fn resolve(&self, path: &Path) -> PathBuf {
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.base.join(path)
        }
    }

    /// The mapper the configuration names.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] on `mapping.file` or `mapping.preset` with the
    /// mapping's own messages.
    pub fn mapper(&self) -> Result<mapping::Mapper, ConfigError> {
        match (&self.mapping.preset, &self.mapping.file) {
            (_, Some(file)) => {
                let path = self.resolve(file);
                let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
                    path: path.clone(),
                    source,
                })?;
                mapping::Mapper::from_toml(&text)
                    .map_err(|e| ConfigError::invalid("mapping.file", e.to_string()))
            }
            (Some(preset), None) => mapping::Mapper::preset(preset)
                .map_err(|e| ConfigError::invalid("mapping.preset", e.to_string())),
            (None, None) => Err(ConfigError::invalid("mapping", "no preset or file")),
        }
    }

    /// The state directory.
    #[must_use]
    pub fn state_dir(&self) -> PathBuf {
        self.resolve(&self.state.dir)
    }
}

/// Reads `90s`, `30m`, `1h`, `1d` (and combinations like `1h30m`).
///
/// ```
/// use std::time::Duration;
/// assert_eq!(hrsync_cli::config::parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
/// assert!(hrsync_cli::config::parse_duration("soon").is_err());
/// ```
///
/// # Errors
/// What is wrong with the text.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let mut total = 0u64;
    let mut number = String::new();
    let mut any = false;
    for ch in text.trim().chars() {
        if ch.is_ascii_digit() {
            number.push(ch);
            continue;
        }
        let unit = match ch {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return Err(format!("{text:?}: unknown unit {ch:?} (use s, m, h or d)")),
        };
        let n: u64 = number
            .parse()
            .map_err(|_| format!("{text:?}: a number must come before {ch:?}"))?;
        total = total.saturating_add(n.saturating_mul(unit));
        number.clear();
        any = true;
    }
    if !number.is_empty() || !any {
        return Err(format!(
            "{text:?}: write a duration like 90s, 30m, 1h or 1d"
        ));
    }
    if total == 0 {
        return Err(format!("{text:?}: must be longer than zero"));
    }
    Ok(Duration::from_secs(total))
}
