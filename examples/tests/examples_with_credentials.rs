//! The examples' "real service" paths, run against the simulators through the same
//! environment variables a real Nmbrs and a real Okta take: the example binaries are
//! started with `NMBRS_*` and `OKTA_*` pointing at simulators on local ports, so the
//! code that reads the environment, the dry-run rule and the refusals are tested
//! without an account. The error texts `docs/troubleshooting.md` quotes are checked
//! here too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Output;

use nmbrs_client::simulator::{Simulator, SimulatorHandle, generated_snapshot};
use okta_api::simulator::{OktaSimulator, RunningSimulator};

const OKTA_TOKEN: &str = "examples-test-token";
const NMBRS_USER: &str = "api.user@acme.example";
const NMBRS_TOKEN: &str = "examples-nmbrs-token";
const NMBRS_DOMAIN: &str = "acme";

/// An example's binary: `cargo test -p hrsync-examples` (and `cargo test --workspace`)
/// builds the package's examples with its tests, next to the test binaries
/// (`target/<profile>/examples/<name>`); `cargo test --test examples_with_credentials`
/// alone does not, so run `cargo build -p hrsync-examples --examples` first then.
fn example(name: &str) -> PathBuf {
    let mut dir = std::env::current_exe().unwrap();
    dir.pop(); // the test binary
    if dir.ends_with("deps") {
        dir.pop();
    }
    let dir = dir.join("examples");
    let plain = dir.join(name);
    if plain.exists() {
        return plain;
    }
    // Only the hashed copy, when cargo did not link the plain name.
    std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|f| f.to_str())
                .is_some_and(|f| f.starts_with(&format!("{name}-")) && !f.contains('.'))
        })
        .max_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .unwrap_or_else(|| {
            panic!(
                "example {name} is not built in {}: run `cargo build -p hrsync-examples --examples`",
                dir.display()
            )
        })
}

struct Services {
    okta: RunningSimulator,
    _nmbrs: SimulatorHandle,
    nmbrs_url: String,
}

impl Services {
    async fn start() -> Self {
        let okta = OktaSimulator::builder()
            .api_token(OKTA_TOKEN)
            .start()
            .await
            .unwrap();
        let nmbrs = Simulator::new(&generated_snapshot(24))
            .unwrap()
            .with_credentials(NMBRS_USER, NMBRS_TOKEN, NMBRS_DOMAIN)
            .serve()
            .await
            .unwrap();
        let nmbrs_url = nmbrs.base_url().to_owned();
        Self {
            okta,
            _nmbrs: nmbrs,
            nmbrs_url,
        }
    }

    /// Runs an example with both services in its environment; `vars` overrides.
    async fn run(&self, name: &str, args: &[&str], vars: &[(&str, &str)]) -> Output {
        let mut cmd = std::process::Command::new(example(name));
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("NMBRS_USERNAME", NMBRS_USER)
            .env("NMBRS_TOKEN", NMBRS_TOKEN)
            .env("NMBRS_DOMAIN", NMBRS_DOMAIN)
            .env("NMBRS_BASE_URL", &self.nmbrs_url)
            .env("OKTA_ORG_URL", self.okta.url())
            .env("OKTA_API_TOKEN", OKTA_TOKEN);
        for (k, v) in vars {
            cmd.env(k, v);
        }
        tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap()
    }

    fn okta_writes(&self) -> usize {
        self.okta
            .simulator()
            .requests()
            .iter()
            .filter(|r| r.method != "GET")
            .count()
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_sync_is_a_dry_run_against_a_real_okta_unless_told() {
    let s = Services::start().await;
    let o = s.run("full_sync", &[], &[]).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("HR source: Nmbrs at"), "{out}");
    assert!(out.contains("read 24 people from nmbrs"), "{out}");
    assert!(out.contains("dry run: nothing was written"), "{out}");
    assert_eq!(s.okta_writes(), 0, "a dry run writes nothing");

    let o = s.run("full_sync", &["--apply"], &[]).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(s.okta.simulator().user_count() > 0);
    // Okta now has the people: the next dry run plans nothing.
    let o = s.run("full_sync", &[], &[]).await;
    assert!(text(&o).contains("(0 actions)"), "{}", text(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_credentials_say_which_side_and_why() {
    let s = Services::start().await;
    let o = s
        .run("full_sync", &[], &[("NMBRS_TOKEN", "not-the-token")])
        .await;
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o);
    assert!(
        out.contains("nmbrs: not authenticated:") && out.contains("fault 1001"),
        "{out}"
    );

    let o = s
        .run("full_sync", &[], &[("OKTA_API_TOKEN", "not-the-token")])
        .await;
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o);
    assert!(out.contains("HTTP 401, Okta E0000011"), "{out}");

    let o = s.run("full_sync", &[], &[("OKTA_API_TOKEN", "")]).await;
    let out = text(&o);
    assert!(
        out.contains(
            "set OKTA_API_TOKEN, or OKTA_CLIENT_ID with OKTA_PRIVATE_KEY or OKTA_PRIVATE_KEY_FILE"
        ),
        "{out}"
    );
    assert_eq!(s.okta_writes(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn okta_push_writes_to_a_real_org_only_when_told() {
    let s = Services::start().await;
    let o = s.run("okta_push", &[], &[]).await;
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--i-know-this-writes"), "{}", text(&o));
    assert!(s.okta.simulator().requests().is_empty(), "not even a read");

    let o = s.run("okta_push", &["--i-know-this-writes"], &[]).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let users = s.okta.simulator().users();
    assert_eq!(users.len(), 1, "one user, even with the repeated create");
    assert_eq!(users[0]["status"], "DEPROVISIONED");
    assert!(users[0]["profile"]["hrEmployeeId"].is_string());
    assert!(text(&o).contains("is left deactivated"), "{}", text(&o));
}
