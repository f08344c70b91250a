//! Test support: start a SCIM server on a free loopback port and talk to it.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use base64::Engine;
use okta_scim::server::{Access, Credential, ScimServer, ScimServerBuilder};
use okta_scim::{InMemoryProvider, MultiValue, Name, ScimProvider, User};
use serde_json::Value;

pub const TOKEN: &str = "okta-test-token-6f1c";
pub const READ_ONLY_TOKEN: &str = "read-only-token-93aa";
pub const BASIC_USER: &str = "okta";
pub const BASIC_PASSWORD: &str = "b4sic-pass";

/// A running server and a client with the read-write bearer token.
pub struct Scim {
    pub base: String,
    pub http: reqwest::Client,
    pub auth: String,
}

pub fn basic_header() -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{BASIC_USER}:{BASIC_PASSWORD}"))
    )
}

/// The standard configuration: a read-write bearer token, a read-only bearer token and a
/// Basic credential, under `/scim/v2`.
pub fn builder(provider: Arc<dyn ScimProvider>) -> ScimServerBuilder {
    ScimServer::builder(provider)
        .credential(Credential::bearer(
            TOKEN.to_owned().into(),
            Access::ReadWrite,
        ))
        .credential(Credential::bearer(
            READ_ONLY_TOKEN.to_owned().into(),
            Access::ReadOnly,
        ))
        .credential(Credential::basic(
            BASIC_USER,
            BASIC_PASSWORD.to_owned().into(),
            Access::ReadWrite,
        ))
}

pub async fn serve(server: ScimServer) -> Scim {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, server.router()).await.unwrap();
    });
    Scim {
        base: format!("http://{addr}/scim/v2"),
        http: reqwest::Client::new(),
        auth: format!("Bearer {TOKEN}"),
    }
}

pub async fn start() -> (Scim, Arc<InMemoryProvider>) {
    let provider = Arc::new(InMemoryProvider::new());
    let scim = serve(builder(provider.clone()).build().unwrap()).await;
    (scim, provider)
}

/// Okta's SPEC-test precondition: one complete, active user.
pub async fn seed(provider: &InMemoryProvider) -> User {
    provider
        .create_user(
            User::new("seed.user@example.com")
                .with_name(Name::new("Seed", "User"))
                .with_email(MultiValue::new("seed.user@example.com", "work", true)),
        )
        .await
        .unwrap()
}

pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Scim {
    pub async fn send(&self, method: &str, path: &str, body: Option<Value>) -> Reply {
        self.send_with(method, path, body, &[]).await
    }

    pub async fn send_with(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let url = format!("{}{path}", self.base);
        let mut req = self
            .http
            .request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), url)
            .header("Accept", "application/scim+json");
        if !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        {
            req = req.header("Authorization", &self.auth);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            if !headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            {
                req = req.header("Content-Type", "application/scim+json; charset=utf-8");
            }
            req = req.body(serde_json::to_vec(&b).unwrap());
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap()
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send("GET", path, None).await
    }
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}
