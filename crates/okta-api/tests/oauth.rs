//! OAuth 2.0 service app: the token request, the signed client assertion (RS256 and
//! ES256, every PEM form), token caching and renewal, and errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use okta_api::{Error, GroupId, OktaClient, PrivateKeyJwt};
use ring::signature::{self, KeyPair as _};
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEYS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/keys");

fn pem(name: &str) -> SecretString {
    SecretString::from(std::fs::read_to_string(format!("{KEYS}/{name}")).unwrap())
}

/// The DER inside a PEM file (test keys only).
fn der(name: &str) -> Vec<u8> {
    let text = std::fs::read_to_string(format!("{KEYS}/{name}")).unwrap();
    let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap()
}

fn form(req: &Request) -> Vec<(String, String)> {
    form_urlencoded::parse(&req.body).into_owned().collect()
}

/// Decodes the assertion, checks its signature with the public half of `key`, and
/// returns (header, claims).
fn verify(assertion: &str, key: &str) -> (Value, Value) {
    let parts: Vec<&str> = assertion.split('.').collect();
    assert_eq!(parts.len(), 3, "a compact JWS");
    let signed = format!("{}.{}", parts[0], parts[1]);
    let sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    if key.starts_with("rsa") {
        let pair = signature::RsaKeyPair::from_pkcs8(&der("rsa_pkcs8.pem")).unwrap();
        signature::UnparsedPublicKey::new(
            &signature::RSA_PKCS1_2048_8192_SHA256,
            pair.public_key().as_ref(),
        )
        .verify(signed.as_bytes(), &sig)
        .expect("RS256 signature verifies");
    } else {
        let rng = ring::rand::SystemRandom::new();
        let pair = signature::EcdsaKeyPair::from_pkcs8(
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &der("ec_pkcs8.pem"),
            &rng,
        )
        .unwrap();
        signature::UnparsedPublicKey::new(
            &signature::ECDSA_P256_SHA256_FIXED,
            pair.public_key().as_ref(),
        )
        .verify(signed.as_bytes(), &sig)
        .expect("ES256 signature verifies");
    }
    (header, claims)
}

async fn org_with_token_endpoint(token: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/v1/token"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(header("accept", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "Bearer", "expires_in": 3600, "access_token": token,
            "scope": "okta.users.manage okta.groups.manage"
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/groups/00g1"))
        .and(header("authorization", format!("Bearer {token}").as_str()))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"id": "00g1", "type": "OKTA_GROUP", "profile": {"name": "Eng"}}),
            ),
        )
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn token_request_and_assertion_for_every_key_form() {
    for (file, alg) in [
        ("rsa_pkcs8.pem", "RS256"),
        ("rsa_pkcs1.pem", "RS256"),
        ("ec_pkcs8.pem", "ES256"),
        ("ec_sec1.pem", "ES256"),
    ] {
        let token = "eyJraWQiOi-access-token-SECRET";
        let server = org_with_token_endpoint(token).await;
        let app = PrivateKeyJwt::from_pem("0oa1svc", &pem(file))
            .unwrap()
            .key_id("kid-1")
            .scopes(["okta.users.manage", "okta.groups.manage"]);
        assert_eq!(app.algorithm(), alg);
        let client = OktaClient::builder()
            .org_url(server.uri())
            .private_key_jwt(app)
            .build()
            .unwrap();
        client.groups().get(&GroupId::new("00g1")).await.unwrap();

        let requests = server.received_requests().await.unwrap();
        let token_req = requests
            .iter()
            .find(|r| r.url.path() == "/oauth2/v1/token")
            .unwrap();
        let f = form(token_req);
        let get = |k: &str| {
            f.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        assert_eq!(get("grant_type"), "client_credentials");
        assert_eq!(get("scope"), "okta.users.manage okta.groups.manage");
        assert_eq!(
            get("client_assertion_type"),
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        );
        let (jwt_header, claims) = verify(&get("client_assertion"), file);
        assert_eq!(jwt_header["alg"], alg, "{file}");
        assert_eq!(jwt_header["kid"], "kid-1");
        assert_eq!(claims["aud"], format!("{}/oauth2/v1/token", server.uri()));
        assert_eq!(claims["iss"], "0oa1svc");
        assert_eq!(claims["sub"], "0oa1svc");
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let exp = claims["exp"].as_u64().unwrap();
        assert!(
            exp > now && exp <= now + 3600,
            "exp within the hour Okta allows"
        );
        assert!(claims["jti"].as_str().unwrap().len() >= 16);
    }
}

#[tokio::test]
async fn the_token_is_cached_and_renewed_after_a_401() {
    let server = org_with_token_endpoint("tok-A").await;
    let client = OktaClient::builder()
        .org_url(server.uri())
        .private_key_jwt(PrivateKeyJwt::from_pem("0oa1svc", &pem("ec_pkcs8.pem")).unwrap())
        .build()
        .unwrap();
    for _ in 0..3 {
        client
            .clone()
            .groups()
            .get(&GroupId::new("00g1"))
            .await
            .unwrap();
    }
    let token_calls = |reqs: &[Request]| {
        reqs.iter()
            .filter(|r| r.url.path() == "/oauth2/v1/token")
            .count()
    };
    assert_eq!(
        token_calls(&server.received_requests().await.unwrap()),
        1,
        "one token for three calls"
    );

    // Okta revokes the token: the 401 triggers one renewal, then the call succeeds.
    server.reset().await;
    let server2 = &server;
    Mock::given(method("POST"))
        .and(path("/oauth2/v1/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"token_type": "Bearer", "expires_in": 3600, "access_token": "tok-B"}),
        ))
        .mount(server2)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer tok-A"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"errorCode": "E0000011", "errorSummary": "Invalid token provided"}),
        ))
        .mount(server2)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer tok-B"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"id": "00g1", "type": "OKTA_GROUP", "profile": {"name": "Eng"}}),
            ),
        )
        .mount(server2)
        .await;
    client.groups().get(&GroupId::new("00g1")).await.unwrap();
    assert_eq!(token_calls(&server.received_requests().await.unwrap()), 1);
}

#[tokio::test]
async fn token_endpoint_refusals_are_typed_and_hold_no_secret() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/v1/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_client", "error_description": "The client_assertion signature is invalid."
        })))
        .mount(&server)
        .await;
    let client = OktaClient::builder()
        .org_url(server.uri())
        .private_key_jwt(PrivateKeyJwt::from_pem("0oa1svc", &pem("rsa_pkcs8.pem")).unwrap())
        .build()
        .unwrap();
    let err = client
        .groups()
        .get(&GroupId::new("00g1"))
        .await
        .unwrap_err();
    match &err {
        Error::OAuth {
            status,
            error,
            description,
        } => {
            assert_eq!((*status, error.as_str()), (401, "invalid_client"));
            assert!(description.as_deref().unwrap().contains("signature"));
        }
        other => panic!("expected an OAuth error, got {other:?}"),
    }
    let assertion = form(&server.received_requests().await.unwrap()[0])
        .into_iter()
        .find(|(k, _)| k == "client_assertion")
        .unwrap()
        .1;
    let shown = format!("{err} {err:?} {client:?}");
    assert!(!shown.contains(&assertion[..40]));
    assert!(!shown.contains("PRIVATE KEY"));
}

#[tokio::test]
async fn oauth_secrets_never_reach_logs_debug_or_errors() {
    support::logs::install();

    let token = "eyJraWQiOi-ACCESS-TOKEN-never-shown";
    let server = org_with_token_endpoint(token).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/groups/00gmissing"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"errorCode": "E0000007", "errorSummary": "Not found"})),
        )
        .mount(&server)
        .await;
    let app = PrivateKeyJwt::from_pem("0oa1svc", &pem("rsa_pkcs8.pem")).unwrap();
    let client = OktaClient::builder()
        .org_url(server.uri())
        .private_key_jwt(app)
        .build()
        .unwrap();
    client.groups().get(&GroupId::new("00g1")).await.unwrap();
    let err = client
        .groups()
        .get(&GroupId::new("00gmissing"))
        .await
        .unwrap_err();

    let assertion = form(&server.received_requests().await.unwrap()[0])
        .into_iter()
        .find(|(k, _)| k == "client_assertion")
        .unwrap()
        .1;
    // The claims and the signature are what make an assertion; neither may show.
    let mut secret_parts: Vec<&str> = assertion.split('.').skip(1).collect();
    secret_parts.push(token);
    let logs = support::logs::captured();
    assert!(logs.contains("groups.get"), "the calls were logged: {logs}");
    let shown = format!("{err} {err:?} {client:?} {logs}");
    for secret in secret_parts {
        assert!(!shown.contains(secret), "a secret leaked");
    }
    assert!(!shown.contains("PRIVATE KEY"));
}
