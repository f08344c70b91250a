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
    /// The directory of `state.json` (the last good run) and `journal.jsonl`, relative
    /// to the configuration file; default `.hrsync`.
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
