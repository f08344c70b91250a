//! `POST /oauth2/v1/token` for service apps: client credentials with a `private_key_jwt`
//! assertion (RS256 or ES256), verified with `ring` against the registered public key.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::signature::{self, UnparsedPublicKey};
use serde_json::Value;

/// `1.2.840.113549.1.1.1` (rsaEncryption), DER content bytes.
const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
/// `1.2.840.10045.2.1` (id-ecPublicKey).
const OID_EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// `1.2.840.10045.3.1.7` (prime256v1 / P-256).
const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

pub(crate) const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A public key from a PEM `SubjectPublicKeyInfo`, in the form `ring` verifies with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PublicKey {
    /// PKCS#1 `RSAPublicKey` DER.
    Rsa(Vec<u8>),
    /// An uncompressed P-256 point (`04 || X || Y`).
    P256(Vec<u8>),
}

/// One DER TLV: (tag, content, rest).
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let (bytes, rest) = rest.split_at(count);
        let len = bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, rest)
    };
    if rest.len() < len {
        return None;
    }
    let (content, rest) = rest.split_at(len);
    Some((tag, content, rest))
}

/// Parses `-----BEGIN PUBLIC KEY-----` PEM (SubjectPublicKeyInfo) holding an RSA or P-256 key.
pub(crate) fn parse_public_key_pem(pem: &str) -> Result<PublicKey, String> {
    let body: String = pem
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("-----"))
        .collect();
    if !pem.contains("BEGIN PUBLIC KEY") {
        return Err("expected a PEM `PUBLIC KEY` (SubjectPublicKeyInfo) block".into());
    }
    let der = STANDARD
        .decode(body.as_bytes())
        .map_err(|e| format!("PEM body is not base64: {e}"))?;
    let bad = || "not a DER SubjectPublicKeyInfo".to_owned();
    let (tag, spki, _) = tlv(&der).ok_or_else(bad)?;
    if tag != 0x30 {
        return Err(bad());
    }
    let (tag, algorithm, rest) = tlv(spki).ok_or_else(bad)?;
    if tag != 0x30 {
        return Err(bad());
    }
    let (tag, key_bits, _) = tlv(rest).ok_or_else(bad)?;
    if tag != 0x03 {
        return Err(bad());
    }
    let key = match key_bits.split_first() {
        Some((0, key)) => key.to_vec(),
        _ => return Err(bad()),
    };
    let (tag, oid, params) = tlv(algorithm).ok_or_else(bad)?;
    if tag != 0x06 {
        return Err(bad());
    }
    if oid == OID_RSA {
        return Ok(PublicKey::Rsa(key));
    }
    if oid == OID_EC {
        let curve = tlv(params)
            .filter(|(tag, _, _)| *tag == 0x06)
            .map(|(_, c, _)| c);
        if curve == Some(OID_P256) && key.len() == 65 && key.first() == Some(&4) {
            return Ok(PublicKey::P256(key));
        }
        return Err("only P-256 EC keys (uncompressed points) are supported".into());
    }
    Err("only RSA and EC P-256 public keys are supported".into())
}

/// The claims this endpoint checks, once the signature holds.
#[derive(Debug, Clone)]
pub(crate) struct Assertion {
    pub(crate) iss: String,
    pub(crate) sub: String,
    pub(crate) aud: Vec<String>,
    pub(crate) exp: i64,
}

fn decode_part(part: &str) -> Result<Value, String> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('=').as_bytes())
        .map_err(|_| "The client_assertion is not a valid JWT.".to_owned())?;
    serde_json::from_slice(&bytes)
        .map_err(|_| "The client_assertion is not a valid JWT.".to_owned())
}

/// Reads the (unverified) claims, to find the client; [`verify`] checks the signature.
pub(crate) fn read_claims(jwt: &str) -> Result<(Value, Assertion), String> {
    let mut parts = jwt.split('.');
    let (Some(header), Some(payload), Some(_sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("The client_assertion is not a valid JWT.".into());
    };
    let header = decode_part(header)?;
    let claims = decode_part(payload)?;
    let text = |name: &str| {
        claims
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_default()
    };
    let aud = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
    Ok((
        header,
        Assertion {
            iss: text("iss"),
            sub: text("sub"),
            aud,
            exp,
        },
    ))
}

/// Checks the signature of `jwt` (`alg` RS256 or ES256, matching the key).
pub(crate) fn verify(jwt: &str, header: &Value, key: &PublicKey) -> Result<(), String> {
    let Some((signed, sig)) = jwt.rsplit_once('.') else {
        return Err("The client_assertion is not a valid JWT.".into());
    };
    let sig = URL_SAFE_NO_PAD
        .decode(sig.as_bytes())
        .map_err(|_| "The client_assertion signature is not base64url.".to_owned())?;
    let alg = header
        .get("alg")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let ok = match (alg, key) {
        ("RS256", PublicKey::Rsa(der)) => {
            UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, der)
                .verify(signed.as_bytes(), &sig)
                .is_ok()
        }
        ("ES256", PublicKey::P256(point)) => {
            UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                .verify(signed.as_bytes(), &sig)
                .is_ok()
        }
        _ => {
            return Err(format!(
                "The client_assertion algorithm '{alg}' does not match the registered key."
            ));
        }
    };
    if ok {
        Ok(())
    } else {
        Err("The client_assertion signature is invalid.".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_garbage_keys() {
        assert!(parse_public_key_pem("nope").is_err());
        assert!(
            parse_public_key_pem("-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----")
                .is_err()
        );
        assert!(
            parse_public_key_pem("-----BEGIN PUBLIC KEY-----\nMAA=\n-----END PUBLIC KEY-----")
                .is_err()
        );
        assert!(tlv(&[0x30, 0x85, 1, 1, 1, 1, 1]).is_none());
    }

    #[test]
    fn reads_a_p256_key() {
        let der = [
            &[0x30, 0x59, 0x30, 0x13, 0x06, 0x07][..],
            OID_EC,
            &[0x06, 0x08],
            OID_P256,
            &[0x03, 0x42, 0x00, 0x04],
            &[7u8; 64],
        ]
        .concat();
        let pem = format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            STANDARD.encode(der)
        );
        assert!(matches!(parse_public_key_pem(&pem), Ok(PublicKey::P256(p)) if p.len() == 65));
    }
}
