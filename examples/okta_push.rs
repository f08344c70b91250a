//! Push to Okta without the planner: `okta-api` and hr-sync's `OktaTarget` applying
//! single actions to one user, the calls the engine makes for a person's life.
//!
//! ```text
//! cargo run -p hrsync-examples --example okta_push                            # the Okta simulator
//! OKTA_ORG_URL=https://acme.okta.com OKTA_API_TOKEN=00… \
//!   cargo run -p hrsync-examples --example okta_push -- --i-know-this-writes   # a real org
//! ```
//!
//! Steps: add the HR-key attribute `hrEmployeeId` to the user schema (`OktaTarget::
//! ensure_link_attribute`); create a user carrying an HR key, with `okta-api` (with a
//! random password, so Okta makes the user `ACTIVE` at once, as someone who has
//! finished activation; the engine itself never sets passwords, see `full_sync`); repeat
//! the engine's create for the same person and get the same user back (creates are safe
//! to repeat); read the target's state and find the user by HR key; update the profile;
//! suspend (twice: the second is a no-op), unsuspend, deactivate; and see a suspend of a
//! deactivated user refused.
//!
//! Without `OKTA_ORG_URL` it runs against the Okta simulator (`okta_api::simulator`) on
//! a local port and needs no account. With `OKTA_ORG_URL` set it writes to that org, so
//! it also needs `--i-know-this-writes`; credentials come from `OKTA_API_TOKEN`, or
//! `OKTA_CLIENT_ID` with `OKTA_PRIVATE_KEY` or `OKTA_PRIVATE_KEY_FILE` (plus `OKTA_SCOPES`,
//! `OKTA_KEY_ID`): see `docs/okta-setup.md` for the scopes and roles. The user's login
//! is `hrsync-example-<random>@example.com` (`--login-domain` changes the domain); it is
//! left deactivated, never deleted, unless `--delete` is given.

use std::process::ExitCode;

use hr_sync::{Action, AttributeChange, IdentityTarget, OktaTarget, SyncError, TargetUserId};
use okta_api::simulator::{OktaSimulator, RunningSimulator};
use okta_api::{OktaClient, UserId, UserProfile};
use secrecy::SecretString;
use serde_json::{Map, Value, json};

const LINK: &str = "hrEmployeeId";

struct Args {
    writes_ok: bool,
    delete: bool,
    login_domain: String,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        writes_ok: false,
        delete: false,
        login_domain: "example.com".into(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--i-know-this-writes" => args.writes_ok = true,
            "--delete" => args.delete = true,
            "--login-domain" => {
                args.login_domain = it.next().ok_or("--login-domain needs a value")?
            }
            other => {
                return Err(format!(
                    "unknown option {other}; use --i-know-this-writes, --delete or --login-domain DOMAIN"
                ));
            }
        }
    }
    Ok(args)
}

/// The Okta to talk to: a real org from the environment, or the simulator.
async fn connect() -> Result<(OktaClient, Option<RunningSimulator>), String> {
    if real_org() {
        let client = OktaClient::from_env().map_err(|e| e.to_string())?;
        println!("Okta: {} (from the environment)", client.org_url());
        return Ok((client, None));
    }
    let token = format!("example-{:016x}", fastrand::u64(..));
    let sim = OktaSimulator::builder()
        .api_token(token.as_str())
        .start()
        .await
        .map_err(|e| format!("the Okta simulator: {e}"))?;
    let client = OktaClient::builder()
        .org_url(sim.url())
        .api_token(SecretString::from(token))
        .build()
        .map_err(|e| e.to_string())?;
    println!(
        "Okta: the simulator at {} (set OKTA_ORG_URL for a real org)",
        sim.url()
    );
    Ok((client, Some(sim)))
}

fn real_org() -> bool {
    std::env::var_os("OKTA_ORG_URL").is_some_and(|v| !v.is_empty())
}

/// A password Okta's default policy accepts; never printed, never stored.
fn random_password() -> SecretString {
    let body: String = std::iter::repeat_with(fastrand::alphanumeric)
        .take(24)
        .collect();
    SecretString::from(format!("{body}-aZ7!"))
}

/// Applies one action and says what happened.
async fn step(target: &OktaTarget, what: &str, action: &Action) -> Result<String, SyncError> {
    let applied = target.apply(action).await?;
    println!(
        "  {what:<34} ok: user {} (request {})",
        applied.target_id.as_deref().unwrap_or("-"),
        applied.request_id.as_deref().unwrap_or("-")
    );
    Ok(applied.target_id.unwrap_or_default())
}

async fn status(client: &OktaClient, id: &UserId) -> Result<String, okta_api::Error> {
    let user = client.users().get(id).await?;
    Ok(user.status.to_string())
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let (client, simulator) = connect().await?;
    let target = OktaTarget::new(client.clone());
    let suffix = format!("{:08x}", fastrand::u32(..));
    let hr_key = format!("EX-{suffix}");
    let login = format!("hrsync-example-{suffix}@{}", args.login_domain);

    println!("\n1. the HR-key attribute");
    let added = target.ensure_link_attribute(LINK).await?;
    println!(
        "  {LINK:<34} {}",
        if added {
            "added to the user schema"
        } else {
            "already in the user schema"
        }
    );

    println!("\n2. create {login} with {LINK} = {hr_key} (okta-api)");
    let mut profile = UserProfile::new(&login, &login, "Example", "Person");
    profile.department = Some("Sales".into());
    profile.custom.insert(LINK.into(), json!(hr_key));
    let user = client
        .users()
        .create(profile.clone())
        .activate(true)
        .password(random_password())
        .send()
        .await?;
    println!("  created {} with status {}", user.id, user.status);

    println!("\n3. the engine's create for the same person, repeated (OktaTarget)");
    let mut doc: Map<String, Value> = profile.to_json();
    doc.remove("login");
    let create = Action::create_user(&hr_key, &login, doc, true);
    let again = step(&target, "create_user (login taken)", &create).await?;
    println!(
        "  the login was taken by the user carrying {hr_key}: the same user, {}",
        if again == user.id.as_str() {
            "no duplicate"
        } else {
            "a DIFFERENT user (unexpected)"
        }
    );

    println!("\n4. the target's state, linked by {LINK}");
    let state = target.read_state(LINK).await?;
    let linked: Vec<&str> = state.by_hr_key(&hr_key).map(|u| u.id.as_str()).collect();
    println!(
        "  {} users in Okta; {hr_key} is user {}",
        state.users().len(),
        linked.join(", ")
    );
    let id = TargetUserId::new(user.id.as_str());

    println!("\n5. lifecycle (OktaTarget)");
    let update = Action::UpdateProfile {
        hr_key: hr_key.clone(),
        user: id.clone(),
        changes: vec![
            AttributeChange::new("department", Some(json!("Sales")), Some(json!("Finance"))),
            AttributeChange::new("title", None, Some(json!("Controller"))),
        ],
    };
    step(&target, "update_profile (department, title)", &update).await?;
    let read = client.users().get(&user.id).await?;
    println!(
        "  now: department {:?}, title {:?}",
        read.profile.department.as_deref().unwrap_or("-"),
        read.profile.title.as_deref().unwrap_or("-")
    );
    let suspend = Action::Suspend {
        hr_key: hr_key.clone(),
        user: id.clone(),
    };
    step(&target, "suspend", &suspend).await?;
    println!("  status {}", status(&client, &user.id).await?);
    step(&target, "suspend again (nothing to do)", &suspend).await?;
    let unsuspend = Action::Unsuspend {
        hr_key: hr_key.clone(),
        user: id.clone(),
    };
    step(&target, "unsuspend", &unsuspend).await?;
    println!("  status {}", status(&client, &user.id).await?);
    let deactivate = Action::Deactivate {
        hr_key: hr_key.clone(),
        user: id.clone(),
    };
    step(&target, "deactivate", &deactivate).await?;
    println!("  status {}", status(&client, &user.id).await?);
    match target.apply(&suspend).await {
        Err(e @ SyncError::IllegalTransition { .. }) => {
            println!("  suspend after deactivate: refused as expected: {e}");
        }
        Err(e) => return Err(e.into()),
        Ok(_) => return Err("a deactivated user was suspended".into()),
    }

    if args.delete {
        client.users().delete(&user.id).send().await?;
        println!("\n6. deleted {}", user.id);
    } else if simulator.is_none() {
        println!(
            "\n{} is left deactivated in {} (run with --delete to delete such test users)",
            user.id,
            client.org_url()
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    if real_org() && !args.writes_ok {
        eprintln!(
            "OKTA_ORG_URL is set: this example creates, changes and deactivates a user in that \
             org. Run it again with --i-know-this-writes to go ahead."
        );
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
