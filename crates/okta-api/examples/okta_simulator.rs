//! Serves a simulated Okta org until Ctrl-C.
//!
//! ```text
//! cargo run -p okta-api --features simulator --example okta_simulator -- --port 0 --users 500 --token t0k3n
//! ```
//!
//! The first line on stdout is `listening on http://127.0.0.1:<port>`; then the token, when it
//! was generated. The token comes from `--token`, else `OKTA_API_TOKEN`, else it is random.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use okta_api::simulator::OktaSimulator;

struct Args {
    port: u16,
    users: usize,
    token: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        port: 0,
        users: 0,
        token: std::env::var("OKTA_API_TOKEN")
            .ok()
            .filter(|t| !t.is_empty()),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--port" => {
                let v = value("--port")?;
                args.port = v.parse().map_err(|_| format!("--port: not a port: {v}"))?;
            }
            "--users" => {
                let v = value("--users")?;
                args.users = v
                    .parse()
                    .map_err(|_| format!("--users: not a count: {v}"))?;
            }
            "--token" => args.token = Some(value("--token")?),
            "-h" | "--help" => {
                return Err("usage: okta_simulator [--port N] [--users N] [--token T]".into());
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let mut builder = OktaSimulator::builder().generated_users(args.users);
    let generated = args.token.is_none();
    if let Some(token) = args.token {
        builder = builder.api_token(token);
    }
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let okta = match builder.start_on(addr).await {
        Ok(okta) => okta,
        Err(e) => {
            eprintln!("cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("listening on {}", okta.url());
    if generated {
        println!("token {}", okta.token());
    }
    eprintln!("{} users; Ctrl-C to stop", okta.user_count());
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("cannot wait for Ctrl-C: {e}");
    }
    okta.shutdown().await;
    ExitCode::SUCCESS
}
