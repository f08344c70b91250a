//! A SCIM 2.0 service Okta can provision into: an `InMemoryProvider` behind a bearer token
//! on 127.0.0.1.
//!
//! ```sh
//! SCIM_TOKEN=change-me cargo run -p okta-scim --example scim_server -- --port 8080 --seed
//! curl -H "Authorization: Bearer change-me" http://127.0.0.1:8080/scim/v2/Users
//! ```
//!
//! Options: `--port N` (default 8080; 0 picks a free port), `--seed` (create one complete
//! user first — Okta's SPEC test needs one), `--users N` (create N synthetic users
//! `user000000@example.com`… for load tests), `--basic USER:PASSWORD` (also accept Basic
//! authentication). Without `SCIM_TOKEN` a random token is generated and printed once.
//! The first line on stdout is `listening on http://127.0.0.1:PORT/scim/v2`.
//! Put a TLS-terminating proxy in front before you point a real Okta org at it: Okta only
//! calls https URLs.

use std::sync::Arc;

use okta_scim::server::{Access, Credential, ScimServer};
use okta_scim::{InMemoryProvider, MultiValue, Name, ScimProvider, User};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .init();
    let mut port: u16 = 8080;
    let mut seed = false;
    let mut synthetic: usize = 0;
    let mut basic: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => port = args.next().ok_or("--port needs a number")?.parse()?,
            "--seed" => seed = true,
            "--users" => synthetic = args.next().ok_or("--users needs a number")?.parse()?,
            "--basic" => basic = Some(args.next().ok_or("--basic needs USER:PASSWORD")?),
            other => {
                return Err(
                    format!("unknown argument {other:?}; see the file header for usage").into(),
                );
            }
        }
    }
    let token = match std::env::var("SCIM_TOKEN") {
        Ok(t) if !t.is_empty() => t,
        _ => {
            let t = format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
            eprintln!("SCIM_TOKEN not set; generated bearer token: {t}");
            t
        }
    };

    let provider = Arc::new(InMemoryProvider::new());
    if seed {
        provider
            .create_user(
                User::new("seed.user@example.com")
                    .with_name(Name::new("Seed", "User"))
                    .with_email(MultiValue::new("seed.user@example.com", "work", true)),
            )
            .await?;
    }
    for i in 0..synthetic {
        let login = format!("user{i:06}@example.com");
        provider
            .create_user(
                User::new(login.as_str())
                    .with_name(Name::new(format!("Given{i}"), format!("Family{i}")))
                    .with_email(MultiValue::new(login.as_str(), "work", true)),
            )
            .await?;
    }
    let mut builder = ScimServer::builder(provider)
        .credential(Credential::bearer(token.into(), Access::ReadWrite));
    if let Some(pair) = basic {
        let (user, password) = pair.split_once(':').ok_or("--basic needs USER:PASSWORD")?;
        builder = builder.credential(Credential::basic(
            user,
            password.to_owned().into(),
            Access::ReadWrite,
        ));
    }
    let server = builder.build()?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}/scim/v2", listener.local_addr()?);
    axum::serve(listener, server.router())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
