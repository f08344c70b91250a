//! Authentication: an SSWS API token, or an OAuth 2.0 service app that signs a
//! `private_key_jwt` client assertion (RS256 or ES256) and caches the access token.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{self, EcdsaKeyPair, RsaKeyPair};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::sync::Mutex;
use url::Url;

use crate::error::Error;

/// How the client authenticates to Okta.
///
/// ```
/// use okta_api::Credentials;
/// use secrecy::SecretString;
///
/// let token = Credentials::api_token(SecretString::from("00abc…"));
/// assert_eq!(format!("{token:?}"), "Credentials::ApiToken(<redacted>)");
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub enum Credentials {
    /// `Authorization: SSWS <token>`: an API token, with its admin's privileges.
    ApiToken(SecretString),
    /// OAuth 2.0 client credentials with `private_key_jwt` (Okta's recommended way).
    PrivateKeyJwt(PrivateKeyJwt),
}

impl Credentials {
    /// An SSWS API token.
    #[must_use]
    pub fn api_token(token: SecretString) -> Self {
        Self::ApiToken(token)
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ApiToken(_) => f.write_str("Credentials::ApiToken(<redacted>)"),
            Self::PrivateKeyJwt(p) => f
                .debug_tuple("Credentials::PrivateKeyJwt")
                .field(p)
                .finish(),
        }
    }
}

/// An OAuth 2.0 service app: client id, private key (RSA → RS256, P-256 → ES256),
/// optional key id (`kid`) and the scopes to request.
///
/// ```
/// use okta_api::PrivateKeyJwt;
/// use secrecy::SecretString;
///
/// # let pem = include_str!("../tests/keys/rsa_pkcs8.pem");
/// let app = PrivateKeyJwt::from_pem("0oa1service", &SecretString::from(pem))?
///     .key_id("kid-2026")
///     .scopes(["okta.users.manage", "okta.groups.manage"]);
/// assert!(format!("{app:?}").contains("RS256"));
/// assert!(!format!("{app:?}").contains("PRIVATE KEY"));
/// # Ok::<(), okta_api::Error>(())
/// ```
#[derive(Clone)]
pub struct PrivateKeyJwt {
    client_id: String,
    key: Arc<SigningKey>,
    key_id: Option<String>,
    scopes: Vec<String>,
}

impl PrivateKeyJwt {
    /// Reads a PEM private key: PKCS#8 (`BEGIN PRIVATE KEY`, RSA or P-256), PKCS#1
    /// (`BEGIN RSA PRIVATE KEY`) or SEC1 (`BEGIN EC PRIVATE KEY`, P-256).
    ///
    /// # Errors
    /// [`Error::Config`] when the PEM can't be read or holds another kind of key;
    /// the message never contains key material.
    pub fn from_pem(client_id: impl Into<String>, pem: &SecretString) -> Result<Self, Error> {
        let client_id = client_id.into();
        if client_id.trim().is_empty() {
            return Err(Error::Config("OAuth client id is empty".into()));
        }
        Ok(Self {
            client_id,
            key: Arc::new(SigningKey::from_pem(pem.expose_secret())?),
            key_id: None,
            scopes: vec!["okta.users.manage".into(), "okta.groups.manage".into()],
        })
    }

    /// Sets the `kid` header of the assertion (needed when the app has several keys).
    #[must_use]
    pub fn key_id(mut self, kid: impl Into<String>) -> Self {
        self.key_id = Some(kid.into());
        self
    }

    /// Sets the scopes to request (default `okta.users.manage okta.groups.manage`).
    #[must_use]
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// The JWS algorithm the key signs with: `RS256` or `ES256`.
    #[must_use]
    pub fn algorithm(&self) -> &'static str {
        self.key.algorithm()
    }

    /// The client assertion for `token_url`: `iss` = `sub` = client id, `aud` = the token
    /// URL, `iat` now, `exp` in 5 minutes, a random `jti`.
    pub(crate) fn assertion(&self, token_url: &Url) -> Result<String, Error> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut jti = [0u8; 16];
        SystemRandom::new()
            .fill(&mut jti)
            .map_err(|_| Error::Config("no system randomness for the assertion jti".into()))?;
        let mut header = serde_json::json!({"alg": self.key.algorithm(), "typ": "JWT"});
        if let Some(kid) = &self.key_id {
            header["kid"] = kid.as_str().into();
        }
        let claims = serde_json::json!({
            "aud": token_url.as_str(),
            "iss": self.client_id,
            "sub": self.client_id,
            "iat": now,
            "exp": now + 300,
            "jti": URL_SAFE_NO_PAD.encode(jti),
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = self.key.sign(signing_input.as_bytes())?;
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature)
        ))
    }
}

impl fmt::Debug for PrivateKeyJwt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKeyJwt")
            .field("client_id", &self.client_id)
            .field("algorithm", &self.key.algorithm())
            .field("key_id", &self.key_id)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

enum SigningKey {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
}

impl SigningKey {
    fn from_pem(pem: &str) -> Result<Self, Error> {
        let (label, der) = pem_decode(pem)?;
        let bad = |what: &str| Error::Config(format!("OAuth private key: {what}"));
        match label.as_str() {
            "PRIVATE KEY" => {
                if let Ok(k) = RsaKeyPair::from_pkcs8(&der) {
                    return Ok(Self::Rsa(k));
                }
                EcdsaKeyPair::from_pkcs8(
                    &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                    &der,
                    &ring::rand::SystemRandom::new(),
                )
                .map(Self::Ec)
                .map_err(|_| bad("PKCS#8 key is neither RSA (2048–8192 bits) nor EC P-256"))
            }
            "RSA PRIVATE KEY" => RsaKeyPair::from_der(&der)
                .map(Self::Rsa)
                .map_err(|_| bad("not a usable PKCS#1 RSA key (2048–8192 bits)")),
            "EC PRIVATE KEY" => EcdsaKeyPair::from_pkcs8(
                &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                &sec1_to_pkcs8(&der),
                &ring::rand::SystemRandom::new(),
            )
            .map(Self::Ec)
            .map_err(|_| bad("not a usable SEC1 EC key (only P-256 is supported)")),
            "ENCRYPTED PRIVATE KEY" => {
                Err(bad("encrypted keys are not supported; decrypt it first"))
            }
            other => Err(bad(&format!("unsupported PEM block `{other}`"))),
        }
    }

    fn algorithm(&self) -> &'static str {
        match self {
            Self::Rsa(_) => "RS256",
            Self::Ec(_) => "ES256",
        }
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        let rng = SystemRandom::new();
        let failed = |_| Error::Config("signing the OAuth client assertion failed".into());
        match self {
            Self::Rsa(key) => {
                let mut sig = vec![0; key.public().modulus_len()];
                key.sign(&signature::RSA_PKCS1_SHA256, &rng, message, &mut sig)
                    .map_err(failed)?;
                Ok(sig)
            }
            Self::Ec(key) => Ok(key.sign(&rng, message).map_err(failed)?.as_ref().to_vec()),
        }
    }
}

/// Splits one PEM block into its label and DER bytes.
fn pem_decode(pem: &str) -> Result<(String, Vec<u8>), Error> {
    let bad = |what: &str| Error::Config(format!("OAuth private key: {what}"));
    let pem = pem.trim();
    let begin = pem
        .find("-----BEGIN ")
        .ok_or_else(|| bad("no `-----BEGIN …-----` line (expected a PEM key)"))?;
    let rest = &pem[begin + 11..];
    // The label ends at `-----` on the BEGIN line; a label that isn't a short run of
    // capitals is never echoed, since it may be key material.
    let line = rest.lines().next().unwrap_or_default();
    let label_end = line
        .find("-----")
        .ok_or_else(|| bad("malformed `-----BEGIN …-----` line"))?;
    let label = rest[..label_end].to_owned();
    if label.is_empty()
        || label.len() > 40
        || !label.bytes().all(|b| b.is_ascii_uppercase() || b == b' ')
    {
        return Err(bad("malformed `-----BEGIN …-----` line"));
    }
    let body_and_end = &rest[label_end + 5..];
    let end_marker = format!("-----END {label}-----");
    let end = body_and_end
        .find(&end_marker)
        .ok_or_else(|| bad(&format!("no `{end_marker}` line")))?;
    let body: String = body_and_end[..end]
        .lines()
        .filter(|l| !l.contains(':')) // RFC 1421 headers such as Proc-Type
        .flat_map(|l| l.chars().filter(|c| !c.is_whitespace()))
        .collect();
    let der = STANDARD
        .decode(body.as_bytes())
        .map_err(|_| bad("the PEM body is not valid base64"))?;
    Ok((label, der))
}

/// Wraps a SEC1 `ECPrivateKey` for P-256 in a PKCS#8 `PrivateKeyInfo`, the only
/// EC form ring reads.
fn sec1_to_pkcs8(sec1: &[u8]) -> Vec<u8> {
    // AlgorithmIdentifier { id-ecPublicKey, prime256v1 }
    const ALGORITHM: &[u8] = &[
        0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86,
        0x48, 0xce, 0x3d, 0x03, 0x01, 0x07,
    ];
    let mut inner = vec![0x02, 0x01, 0x00]; // version 0
    inner.extend_from_slice(ALGORITHM);
    inner.push(0x04);
    der_length(&mut inner, sec1.len());
    inner.extend_from_slice(sec1);
    let mut out = vec![0x30];
    der_length(&mut out, inner.len());
    out.extend_from_slice(&inner);
    out
}

fn der_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// The cached OAuth access token, refreshed by one caller at a time.
pub(crate) struct TokenCache {
    app: PrivateKeyJwt,
    token_url: Url,
    timeout: Duration,
    state: Mutex<Option<CachedToken>>,
}

struct CachedToken {
    /// The whole `Authorization` value, `Bearer <token>`.
    header: SecretString,
    expires: Instant,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: SecretString,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

#[derive(Deserialize)]
struct OAuthErrorBody {
    error: Option<String>,
    error_description: Option<String>,
}

/// Refresh this long before Okta's stated expiry.
const EXPIRY_MARGIN: Duration = Duration::from_secs(60);

impl TokenCache {
    pub(crate) fn new(app: PrivateKeyJwt, org: &Url, timeout: Duration) -> Result<Self, Error> {
        let token_url = org
            .join("/oauth2/v1/token")
            .map_err(|e| Error::Config(format!("token URL: {e}")))?;
        Ok(Self {
            app,
            token_url,
            timeout,
            state: Mutex::new(None),
        })
    }

    /// The `Authorization` header value, fetching a token when none is fresh.
    pub(crate) async fn authorization(
        &self,
        http: &reqwest::Client,
    ) -> Result<SecretString, Error> {
        let mut state = self.state.lock().await;
        if let Some(t) = state.as_ref().filter(|t| t.expires > Instant::now()) {
            return Ok(t.header.clone());
        }
        let fresh = self.fetch(http).await?;
        let header = fresh.header.clone();
        *state = Some(fresh);
        Ok(header)
    }

    /// Forgets the cached token if it is still the one Okta answered 401 to (another
    /// caller may have renewed it meanwhile).
    pub(crate) async fn invalidate(&self, rejected: &SecretString) {
        let mut state = self.state.lock().await;
        let same = state
            .as_ref()
            .is_some_and(|t| t.header.expose_secret() == rejected.expose_secret());
        if same {
            *state = None;
        }
    }

    /// Fetches a token, retrying twice (after 0.5 s and 1 s) when the token endpoint
    /// is unreachable, times out, answers 5xx or 429: a token request changes nothing.
    async fn fetch(&self, http: &reqwest::Client) -> Result<CachedToken, Error> {
        let mut attempt = 0u32;
        loop {
            match self.fetch_once(http).await {
                Err(e) if attempt < 2 && e.is_transient() => {
                    attempt += 1;
                    tracing::warn!(attempt, error = %e, "OAuth token request failed; retrying");
                    tokio::time::sleep(Duration::from_millis(500) * attempt).await;
                }
                other => return other,
            }
        }
    }

    async fn fetch_once(&self, http: &reqwest::Client) -> Result<CachedToken, Error> {
        let assertion = self.app.assertion(&self.token_url)?;
        let scope = self.app.scopes.join(" ");
        let form: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "client_credentials")
            .append_pair("scope", &scope)
            .append_pair(
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            )
            .append_pair("client_assertion", &assertion)
            .finish();
        let started = Instant::now();
        let response = http
            .post(self.token_url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(form)
            .timeout(self.timeout)
            .send()
            .await
            .map_err(|e| crate::transport::transport_error("oauth.token", e))?;
        let status = response.status().as_u16();
        let body = response
            .bytes()
            .await
            .map_err(|e| crate::transport::transport_error("oauth.token", e))?;
        tracing::debug!(
            status,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "oauth token request"
        );
        if status == 429 || status >= 500 {
            return Err(Error::Api(Box::new(crate::OktaApiError::from_response(
                "oauth.token",
                status,
                None,
                &body,
            ))));
        }
        if !(200..300).contains(&status) {
            let parsed: Option<OAuthErrorBody> = serde_json::from_slice(&body).ok();
            return Err(Error::OAuth {
                status,
                error: parsed
                    .as_ref()
                    .and_then(|b| b.error.clone())
                    .unwrap_or_else(|| "unknown_error".into()),
                description: parsed.and_then(|b| b.error_description),
            });
        }
        let parsed: TokenResponse = serde_json::from_slice(&body)
            .map_err(|e| Error::decode("oauth.token", format!("token response: {e}")))?;
        let token_type = parsed.token_type.unwrap_or_else(|| "Bearer".into());
        if !token_type.eq_ignore_ascii_case("Bearer") {
            return Err(Error::Config(format!(
                "the token endpoint issued a `{token_type}` token; only Bearer is supported \
                 (turn off \"Require DPoP header in token requests\" for this service app)"
            )));
        }
        // Okta's tokens live one hour; a day caps a wrong answer without overflowing.
        let lifetime = Duration::from_secs(parsed.expires_in.unwrap_or(3600).min(86_400));
        Ok(CachedToken {
            header: SecretString::from(format!("Bearer {}", parsed.access_token.expose_secret())),
            expires: Instant::now() + lifetime.saturating_sub(EXPIRY_MARGIN),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_errors_name_the_problem_without_key_material() {
        let e = |pem: &str| match PrivateKeyJwt::from_pem("0oa1", &SecretString::from(pem)) {
            Err(Error::Config(m)) => m,
            other => panic!("expected a config error, got {other:?}"),
        };
        assert!(e("not a key").contains("no `-----BEGIN"));
        assert!(
            e("-----BEGIN PRIVATE KEY-----\n!!!\n-----END PRIVATE KEY-----").contains("base64")
        );
        assert!(
            e("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----")
                .contains("neither RSA")
        );
        assert!(
            e("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----")
                .contains("CERTIFICATE")
        );
        assert!(e("-----BEGIN PRIVATE KEY-----\nAAAA\n").contains("END PRIVATE KEY"));
        // A BEGIN line without its dashes must not echo what follows (the key).
        let broken =
            e("-----BEGIN PRIVATE KEY\nMIIEvQIBADANBgkqhkiG9w0B\n-----END PRIVATE KEY-----");
        assert!(!broken.contains("MIIE"), "{broken}");
        let secret = "-----BEGIN RSA PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END RSA PRIVATE KEY-----";
        assert!(!e(secret).contains("c2VjcmV0"));
    }

    #[test]
    fn der_lengths() {
        let mut v = Vec::new();
        der_length(&mut v, 5);
        der_length(&mut v, 200);
        der_length(&mut v, 300);
        assert_eq!(v, vec![5, 0x81, 200, 0x82, 0x01, 0x2c]);
    }
}
