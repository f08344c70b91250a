//! `hrsync serve` end to end: the binary runs as a child process over the Nmbrs simulator
//! (`[source] kind = "simulator"`), listening on a free loopback port it prints first;
//! the tests import from it as Okta does, read `/healthz` and `/metrics`, serve over TLS
//! with a certificate made here (rcgen), stop it with Ctrl-C, and check the refusals.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

const TOKEN: &str = "serve-test-token-0123456789abcdef";

/// A configuration over 30 simulated people; `extra` is appended to `[serve]`, which
/// binds to a free loopback port unless `extra` sets `bind`.
fn write_config(dir: &Path, extra: &str) -> PathBuf {
    let path = dir.join("hrsync.toml");
    std::fs::write(
        &path,
        format!(
            r#"
[source]
kind = "simulator"
people = 30

[target]
kind = "scim-gateway"

[mapping]
preset = "iamconnector"

[[sync.groups]]
from = "department"
name = "Dept - {{name}}"

[serve]
{bind}
{extra}
"#,
            bind = if extra.contains("bind") {
                ""
            } else {
                "bind = \"127.0.0.1:0\""
            }
        ),
    )
    .unwrap();
    path
}

fn hrsync(config: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hrsync"));
    cmd.arg("--config")
        .arg(config)
        .arg("serve")
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// A running gateway; dropping it kills the process.
struct Gateway {
    child: Child,
    /// `http(s)://127.0.0.1:PORT`
    origin: String,
    /// `origin` + `/scim/v2`
    scim: String,
    stderr: PathBuf,
    dir: tempfile::TempDir,
}

impl Gateway {
    fn start(extra_config: &str, args: &[&str], env: &[(&str, &str)]) -> Self {
        Self::start_in(tempfile::tempdir().unwrap(), extra_config, args, env)
    }

    fn start_in(
        dir: tempfile::TempDir,
        extra_config: &str,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Self {
        let config = write_config(dir.path(), extra_config);
        let stderr = dir.path().join("stderr.txt");
        let mut child = hrsync(&config, args, env)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .unwrap();
        // The first line names the address; the reader then drains stdout to the end.
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(line);
            }
        });
        let first = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "no address printed; stderr: {}",
                    std::fs::read_to_string(&stderr).unwrap_or_default()
                );
            }
        };
        let scim = first
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
            .to_owned();
        let origin = scim.strip_suffix("/scim/v2").unwrap().to_owned();
        Self {
            child,
            origin,
            scim,
            stderr,
            dir,
        }
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn get(client: &reqwest::Client, url: &str, auth: Option<&str>) -> (u16, String, String) {
    let mut request = client.get(url);
    if let Some(auth) = auth {
        request = request.header("Authorization", auth);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, response.text().await.unwrap())
}

fn bearer() -> String {
    format!("Bearer {TOKEN}")
}

/// Every user, paged as Okta's import pages (`count=100`, here `count` people a page).
async fn import(client: &reqwest::Client, scim: &str, count: usize) -> Vec<Value> {
    let mut users = Vec::new();
    let mut start = 1;
    loop {
        let url = format!("{scim}/Users?startIndex={start}&count={count}");
        let (status, _, body) = get(client, &url, Some(&bearer())).await;
        assert_eq!(status, 200, "{body}");
        let page: Value = serde_json::from_str(&body).unwrap();
        let resources = page["Resources"].as_array().cloned().unwrap_or_default();
        let total = page["totalResults"].as_u64().unwrap() as usize;
        let n = resources.len();
        users.extend(resources);
        if n == 0 || users.len() >= total {
            assert_eq!(users.len(), total);
            return users;
        }
        start += n;
    }
}

/// The value of an unlabelled or labelled sample line (`name` or `name{...}`).
fn metric(text: &str, sample: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(sample)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn okta_imports_the_people_with_a_bearer_token_or_basic_credentials() {
    let gateway = Gateway::start(
        "",
        &[],
        &[
            ("HRSYNC_SCIM_TOKEN", TOKEN),
            ("HRSYNC_SCIM_USER", "okta-import"),
            ("HRSYNC_SCIM_PASSWORD", "basic-password-0123456789"),
        ],
    );
    let client = reqwest::Client::new();

    let url = format!("{}/Users?startIndex=1&count=100", gateway.scim);
    let (status, content_type, body) = get(&client, &url, Some(&bearer())).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        content_type.starts_with("application/scim+json"),
        "{content_type}"
    );
    let page: Value = serde_json::from_str(&body).unwrap();
    let listed = page["totalResults"].as_u64().unwrap();
    assert!(listed > 10, "{listed} of 30 people listed");
    let users = page["Resources"].as_array().unwrap();
    assert_eq!(users.len() as u64, listed);
    for u in users {
        assert!(u["externalId"].is_string() && u["id"].is_string(), "{u}");
        assert!(u["userName"].as_str().unwrap().contains('@'), "{u}");
    }
    // Smaller pages give the same people, each once.
    let paged = import(&client, &gateway.scim, 7).await;
    let ids = |v: &[Value]| {
        let mut ids: Vec<String> = v.iter().map(|u| u["id"].to_string()).collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&paged), ids(users));

    let basic = "Basic b2t0YS1pbXBvcnQ6YmFzaWMtcGFzc3dvcmQtMDEyMzQ1Njc4OQ=="; // okta-import:basic-password-0123456789
    let (status, _, _) = get(&client, &url, Some(basic)).await;
    assert_eq!(status, 200);
    let (status, _, body) = get(&client, &format!("{}/Groups", gateway.scim), Some(basic)).await;
    assert_eq!(status, 200);
    assert!(body.contains("Dept - "), "{body}");

    // No credentials, a wrong token, a wrong password: 401.
    for auth in [
        None,
        Some("Bearer not-the-token"),
        Some("Basic b2t0YS1pbXBvcnQ6d3Jvbmc="),
    ] {
        let (status, _, _) = get(&client, &url, auth).await;
        assert_eq!(status, 401, "{auth:?}");
    }
    // Read-only: writes are refused even with a good credential.
    let post = client
        .post(format!("{}/Users", gateway.scim))
        .header("Authorization", bearer())
        .header("Content-Type", "application/scim+json")
        .body(r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"x@y.example"}"#)
        .send()
        .await
        .unwrap();
    assert!(
        matches!(post.status().as_u16(), 403 | 405 | 501),
        "{}",
        post.status()
    );
    assert!(!gateway.stderr().contains(TOKEN));
}

#[tokio::test]
async fn healthz_and_metrics_answer_without_credentials() {
    let gateway = Gateway::start("", &[], &[("HRSYNC_SCIM_TOKEN", TOKEN)]);
    let client = reqwest::Client::new();

    let (status, content_type, body) =
        get(&client, &format!("{}/healthz", gateway.origin), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(content_type, "application/json");
    let health: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["generation"], 1);
    assert_eq!(health["last_refresh"]["outcome"], "first_load");
    let listed = health["listed"].as_u64().unwrap();

    let users = import(&client, &gateway.scim, 100).await;
    assert_eq!(users.len() as u64, listed);
    let (status, _, _) = get(&client, &format!("{}/Users", gateway.scim), None).await;
    assert_eq!(status, 401);

    let (status, content_type, text) =
        get(&client, &format!("{}/metrics", gateway.origin), None).await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "text/plain; version=0.0.4; charset=utf-8");
    assert_eq!(metric(&text, "hrsync_people_listed"), Some(listed as f64));
    assert_eq!(metric(&text, "hrsync_people_in_source"), Some(30.0));
    assert_eq!(metric(&text, "hrsync_snapshot_generation"), Some(1.0));
    assert_eq!(
        metric(&text, "hrsync_refresh_total{outcome=\"refreshed\"}"),
        Some(0.0)
    );
    assert_eq!(
        metric(&text, "hrsync_refresh_total{outcome=\"kept_last_good\"}"),
        Some(0.0)
    );
    assert_eq!(
        metric(&text, "hrsync_scim_requests_total{status=\"200\"}"),
        Some(1.0)
    );
    assert_eq!(
        metric(&text, "hrsync_scim_requests_total{status=\"401\"}"),
        Some(1.0)
    );
    let refreshed_at = metric(&text, "hrsync_last_refresh_timestamp_seconds").unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!(
        (now - refreshed_at).abs() < 120.0,
        "{refreshed_at} vs {now}"
    );
    // Every sample has its HELP and TYPE.
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let name = line.split(['{', ' ']).next().unwrap();
        assert!(text.contains(&format!("# TYPE {name} ")), "{name}");
        assert!(text.contains(&format!("# HELP {name} ")), "{name}");
    }
}

#[tokio::test]
async fn refreshes_every_interval() {
    let gateway = Gateway::start("", &["--every", "1s"], &[("HRSYNC_SCIM_TOKEN", TOKEN)]);
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (_, _, text) = get(&client, &format!("{}/metrics", gateway.origin), None).await;
        if metric(&text, "hrsync_refresh_total{outcome=\"refreshed\"}").unwrap() >= 2.0 {
            assert!(metric(&text, "hrsync_snapshot_generation").unwrap() >= 3.0);
            assert_eq!(metric(&text, "hrsync_refresh_interval_seconds"), Some(1.0));
            break;
        }
        assert!(Instant::now() < deadline, "no refresh in 60 s: {text}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (_, _, body) = get(&client, &format!("{}/healthz", gateway.origin), None).await;
    let health: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["last_refresh"]["outcome"], "refreshed");
    // The state of the last good snapshot is kept for the next start.
    assert!(gateway.dir.path().join(".hrsync/pull-state.json").exists());
}

/// A self-signed certificate for 127.0.0.1 and localhost: (cert PEM, key PEM).
fn self_signed() -> (String, String) {
    let made =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap();
    (made.cert.pem(), made.signing_key.serialize_pem())
}

#[tokio::test]
async fn serves_https_with_the_configured_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed();
    std::fs::create_dir(dir.path().join("tls")).unwrap();
    std::fs::write(dir.path().join("tls/cert.pem"), &cert).unwrap();
    std::fs::write(dir.path().join("tls/key.pem"), &key).unwrap();
    let gateway = Gateway::start_in(
        dir,
        "tls_cert = \"tls/cert.pem\"\ntls_key = \"tls/key.pem\"",
        &[],
        &[("HRSYNC_SCIM_TOKEN", TOKEN)],
    );
    assert!(
        gateway.scim.starts_with("https://127.0.0.1:"),
        "{}",
        gateway.scim
    );

    let client = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(cert.as_bytes()).unwrap())
        .build()
        .unwrap();
    let users = import(&client, &gateway.scim, 100).await;
    assert!(users.len() > 10);
    let (status, _, _) = get(&client, &format!("{}/Users", gateway.scim), None).await;
    assert_eq!(status, 401);
    let (status, _, _) = get(&client, &format!("{}/healthz", gateway.origin), None).await;
    assert_eq!(status, 200);

    // A client that does not trust the certificate fails the handshake, and plain HTTP
    // gets no answer; the gateway goes on serving.
    let untrusting = reqwest::Client::new();
    assert!(untrusting.get(&gateway.scim).send().await.is_err());
    let plain = gateway.scim.replacen("https://", "http://", 1);
    let plain_client = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap();
    assert!(plain_client.get(&plain).send().await.is_err());
    assert_eq!(import(&client, &gateway.scim, 100).await.len(), users.len());
}

fn refused(config_extra: &str, args: &[&str], env: &[(&str, &str)]) -> (Output, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("not-a-key.pem"), "hello").unwrap();
    let (cert, _) = self_signed();
    std::fs::write(dir.path().join("cert.pem"), cert).unwrap();
    let config = write_config(dir.path(), config_extra);
    let output = hrsync(&config, args, env)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.stdout.is_empty(), "{output:?}");
    (output, stderr)
}

#[test]
fn refuses_to_start_without_credentials() {
    let (out, stderr) = refused("", &[], &[]);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    for var in [
        "HRSYNC_SCIM_TOKEN",
        "HRSYNC_SCIM_USER",
        "HRSYNC_SCIM_PASSWORD",
    ] {
        assert!(stderr.contains(var), "{stderr}");
    }

    let (out, stderr) = refused("", &[], &[("HRSYNC_SCIM_USER", "okta")]);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("HRSYNC_SCIM_PASSWORD is not"), "{stderr}");
}

#[test]
fn tls_and_configuration_errors_name_the_file_or_key() {
    let env = [("HRSYNC_SCIM_TOKEN", TOKEN)];
    let cases: [(&str, &[&str], &str); 10] = [
        (
            "",
            &["--tls-cert", "missing.pem", "--tls-key", "not-a-key.pem"],
            "missing.pem",
        ),
        (
            "",
            &["--tls-cert", "cert.pem", "--tls-key", "not-a-key.pem"],
            "not-a-key.pem",
        ),
        (
            "",
            &["--tls-cert", "not-a-key.pem", "--tls-key", "cert.pem"],
            "not-a-key.pem",
        ),
        ("", &["--tls-cert", "cert.pem"], "--tls-key"),
        ("tls_cert = \"cert.pem\"", &[], "serve.tls_key"),
        ("bind = \"everywhere\"", &[], "serve.bind"),
        ("refresh = \"soon\"", &[], "serve.refresh"),
        ("port = 8080", &[], "port"),
        ("base_path = \"/scim_v2\"", &[], "serve.base_path"),
        ("retention_days = 5000", &[], "serve.retention_days"),
    ];
    for (extra, args, named) in cases {
        let (out, stderr) = refused(extra, args, &env);
        assert_eq!(out.status.code(), Some(2), "{extra} {args:?}: {stderr}");
        assert!(stderr.contains(named), "{extra} {args:?}: {stderr}");
    }
}

#[test]
fn refuses_push_targets_and_a_source_it_cannot_read() {
    let env = [("HRSYNC_SCIM_TOKEN", TOKEN)];
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("hrsync.toml");
    std::fs::write(
        &config,
        "[source]\nkind = \"simulator\"\n[target]\nkind = \"simulator\"\n[mapping]\npreset = \"okta-default\"\n",
    )
    .unwrap();
    let out = hrsync(&config, &[], &env).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("scim-gateway"), "{stderr}");

    std::fs::write(
        &config,
        "[source]\nkind = \"csv\"\npath = \"missing.csv\"\n[target]\nkind = \"scim-gateway\"\n[mapping]\npreset = \"okta-default\"\n[serve]\nbind = \"127.0.0.1:0\"\n",
    )
    .unwrap();
    let out = hrsync(&config, &[], &env).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(stderr.contains("missing.csv"), "{stderr}");
    assert!(
        out.stdout.is_empty(),
        "nothing listens without a good first read"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn ctrl_c_stops_cleanly() {
    let mut gateway = Gateway::start("", &[], &[("HRSYNC_SCIM_TOKEN", TOKEN)]);
    let client = reqwest::Client::new();
    assert!(!import(&client, &gateway.scim, 100).await.is_empty());
    let pid = gateway.child.id().to_string();
    let status = Command::new("kill").args(["-INT", &pid]).status().unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let exit = loop {
        if let Some(exit) = gateway.child.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "still running 30 s after Ctrl-C");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(exit.code(), Some(0), "{}", gateway.stderr());
    assert!(
        gateway.stderr().contains("hrsync: stopped"),
        "{}",
        gateway.stderr()
    );
    assert!(client.get(&gateway.scim).send().await.is_err());
}
