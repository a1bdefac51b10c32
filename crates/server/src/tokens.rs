//! JSON Web Tokens: `POST /auth/login` trades a username and password for a short-lived ES256
//! access token, every protocol's bearer credential is checked here, and the public keys are
//! served at `/.well-known/jwks.json` so anyone can verify a token without asking the server.
//! Keys are made at start and rotated every `[auth] signing_key_lifetime`; a retired key stays
//! in the key set until the last token it signed has expired.

use std::time::Duration;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use parking_lot::RwLock;
use playground_domain::{DomainError, Scopes};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::config::Account;

/// 128 random bits, base64url: token ids, authorization codes, refresh tokens.
pub fn random_id() -> String {
    let mut bytes = [0u8; 16];
    // The system's random source does not fail on the platforms this runs on; zeros would only
    // make ids collide, never grant anything, since every id is also checked against its grant.
    let _ = aws_lc_rs::rand::fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The `aud` of every token: this API.
pub const AUDIENCE: &str = "api-playground";

/// Clocks differ: a token is still accepted this long after its `exp`.
const LEEWAY_SECONDS: u64 = 1;

/// The claims of an access token (CONTRACT §5 and §11).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user id as a decimal string (a client id for client-credentials tokens).
    pub sub: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
    /// Space-separated scopes.
    pub scope: String,
    pub exp: u64,
    pub iat: u64,
    pub iss: String,
    pub aud: String,
    /// The OAuth client it was issued to, for OAuth tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// A unique id, so one token can be revoked (RFC 7009).
    #[serde(default)]
    pub jti: String,
}

/// A public key as RFC 7517 writes it: an EC P-256 point for ES256.
#[derive(Debug, Clone, Serialize, poem_openapi::Object)]
pub struct Jwk {
    pub kty: String,
    pub crv: String,
    /// The point's x coordinate, base64url.
    pub x: String,
    pub y: String,
    /// The key id a token's header names.
    pub kid: String,
    #[serde(rename = "use")]
    #[oai(rename = "use")]
    pub usage: String,
    pub alg: String,
}

/// The keys that verify this server's tokens.
#[derive(Debug, Clone, Serialize, poem_openapi::Object)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

/// One ES256 key pair, its id, and its public half as a JWK.
struct SigningKey {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    jwk: Jwk,
    made_at: OffsetDateTime,
    /// When it stopped signing; it verifies until every token it signed has expired.
    retired_at: Option<OffsetDateTime>,
}

impl SigningKey {
    fn generate() -> anyhow::Result<SigningKey> {
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
            .map_err(|_| anyhow::anyhow!("could not make a P-256 key"))?;
        SigningKey::from_pkcs8(pkcs8.as_ref())
    }

    /// A PKCS#8 EC P-256 private key file (`openssl genpkey -algorithm EC -pkeyopt
    /// ec_paramgen_curve:P-256`), as `[auth] signing_keys` names them.
    fn from_pem_file(path: &std::path::Path) -> anyhow::Result<SigningKey> {
        use tokio_rustls::rustls::pki_types::pem::PemObject;
        use tokio_rustls::rustls::pki_types::PrivatePkcs8KeyDer;
        let der = PrivatePkcs8KeyDer::from_pem_file(path)
            .map_err(|error| anyhow::anyhow!("{}: not a PKCS#8 PEM private key ({error})", path.display()))?;
        SigningKey::from_pkcs8(der.secret_pkcs8_der()).map_err(|error| anyhow::anyhow!("{}: {error}", path.display()))
    }

    fn from_pkcs8(pkcs8: &[u8]) -> anyhow::Result<SigningKey> {
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8)
            .map_err(|_| anyhow::anyhow!("not an EC P-256 key for ES256"))?;
        // An uncompressed point: 0x04, then x and y, 32 bytes each.
        let point = pair.public_key().as_ref();
        anyhow::ensure!(point.len() == 65 && point[0] == 4, "unexpected P-256 public key encoding");
        let (x, y) = (URL_SAFE_NO_PAD.encode(&point[1..33]), URL_SAFE_NO_PAD.encode(&point[33..]));
        // The key id: the first bytes of the public key's SHA-256, enough to tell keys apart.
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, point);
        let kid = URL_SAFE_NO_PAD.encode(&digest.as_ref()[..9]);
        let jwk = Jwk {
            kty: "EC".into(),
            crv: "P-256".into(),
            x: x.clone(),
            y: y.clone(),
            kid: kid.clone(),
            usage: "sig".into(),
            alg: "ES256".into(),
        };
        Ok(SigningKey {
            decoding: DecodingKey::from_ec_components(&x, &y)?,
            encoding: EncodingKey::from_ec_der(pkcs8),
            kid,
            jwk,
            made_at: OffsetDateTime::now_utc(),
            retired_at: None,
        })
    }
}

/// Issues and verifies access tokens.
pub struct Tokens {
    /// The signing key first, then retired keys that still verify.
    keys: RwLock<Vec<SigningKey>>,
    issuer: String,
    ttl: Duration,
    key_lifetime: Duration,
    validation: Validation,
    /// Revoked token ids, with their `exp`: forgotten once they would have expired anyway.
    revoked: parking_lot::Mutex<std::collections::HashMap<String, u64>>,
}

impl Tokens {
    /// `issuer` is the server's base URL; `ttl` the access-token lifetime.
    pub fn new(issuer: &str, ttl: Duration, key_lifetime: Duration) -> anyhow::Result<Tokens> {
        Tokens::with_keys(issuer, ttl, key_lifetime, &[])
    }

    /// With keys from files: the first signs, the others still verify the tokens they signed
    /// before a restart (rotation by configuration). Without files, a key is made at start.
    pub fn with_keys(
        issuer: &str,
        ttl: Duration,
        key_lifetime: Duration,
        files: &[std::path::PathBuf],
    ) -> anyhow::Result<Tokens> {
        let keys = if files.is_empty() {
            vec![SigningKey::generate()?]
        } else {
            let now = OffsetDateTime::now_utc();
            let mut keys =
                files.iter().map(|path| SigningKey::from_pem_file(path)).collect::<anyhow::Result<Vec<_>>>()?;
            for older in keys.iter_mut().skip(1) {
                older.retired_at = Some(now);
            }
            keys
        };
        // One algorithm, named: a token claiming `none`, HS256 or anything else is refused
        // before any key is tried, which is what stops algorithm-confusion attacks.
        let mut validation = Validation::new(Algorithm::ES256);
        validation.leeway = LEEWAY_SECONDS;
        validation.set_audience(&[AUDIENCE]);
        validation.set_issuer(&[issuer]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        Ok(Tokens {
            keys: RwLock::new(keys),
            issuer: issuer.to_owned(),
            ttl,
            key_lifetime,
            validation,
            revoked: Default::default(),
        })
    }

    /// Retires the signing key once its lifetime is over, and forgets retired keys once no
    /// token they signed can still be valid.
    fn rotate_if_due(&self) -> anyhow::Result<()> {
        let now = OffsetDateTime::now_utc();
        let due = self.keys.read().first().is_some_and(|key| now - key.made_at >= self.key_lifetime);
        if due {
            let mut keys = self.keys.write();
            if keys.first().is_some_and(|key| now - key.made_at >= self.key_lifetime) {
                if let Some(current) = keys.first_mut() {
                    current.retired_at = Some(now);
                }
                keys.insert(0, SigningKey::generate()?);
            }
        }
        let expired = |key: &SigningKey| {
            key.retired_at.is_some_and(|at| now - at > self.ttl + Duration::from_secs(LEEWAY_SECONDS))
        };
        if self.keys.read().iter().any(expired) {
            self.keys.write().retain(|key| !expired(key));
        }
        Ok(())
    }

    /// A signed access token for an account, and its lifetime in seconds.
    pub fn issue(&self, account: &Account) -> Result<(String, u64), DomainError> {
        self.issue_for(account.user_id.to_string(), Some(account.username.clone()), account.scopes, None)
    }

    /// A token for any subject: a user (with a username) or an OAuth client (without).
    pub fn issue_for(
        &self,
        sub: String,
        username: Option<String>,
        scopes: Scopes,
        client_id: Option<String>,
    ) -> Result<(String, u64), DomainError> {
        let internal = |error: &dyn std::fmt::Display| {
            tracing::error!("signing a token failed: {error}");
            DomainError::new(playground_domain::ErrorCode::Internal, "the token could not be signed")
        };
        self.rotate_if_due().map_err(|e| internal(&e))?;
        let now = OffsetDateTime::now_utc().unix_timestamp().max(0) as u64;
        let claims = Claims {
            sub,
            preferred_username: username,
            scope: scopes.to_string(),
            exp: now + self.ttl.as_secs(),
            iat: now,
            iss: self.issuer.clone(),
            aud: AUDIENCE.to_owned(),
            client_id,
            jti: random_id(),
        };
        let keys = self.keys.read();
        let key = keys.first().ok_or_else(|| internal(&"no signing key"))?;
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(key.kid.clone());
        let token = jsonwebtoken::encode(&header, &claims, &key.encoding).map_err(|e| internal(&e))?;
        Ok((token, self.ttl.as_secs()))
    }

    /// The claims of a valid token, or UNAUTHENTICATED saying what is wrong with it.
    pub fn verify(&self, token: &str) -> Result<Claims, DomainError> {
        let refused = |why: &str| DomainError::unauthenticated(format!("the bearer token is not valid: {why}"));
        // The header is read by hand first, so `alg: none` and foreign algorithms get their own reason.
        let header = token
            .split('.')
            .next()
            .and_then(|part| URL_SAFE_NO_PAD.decode(part).ok())
            .and_then(|json| serde_json::from_slice::<serde_json::Value>(&json).ok())
            .ok_or_else(|| refused("it is not a JWT (header.payload.signature, base64url)"))?;
        match header["alg"].as_str() {
            Some("ES256") => {}
            Some(alg) if alg.eq_ignore_ascii_case("none") => {
                return Err(refused("alg none (an unsigned token) is refused"))
            }
            Some(alg) => return Err(refused(&format!("alg {alg} is not accepted; tokens here are ES256"))),
            None => return Err(refused("the header names no alg")),
        }
        let kid = header["kid"].as_str().ok_or_else(|| refused("the header names no kid"))?;
        let keys = self.keys.read();
        let key = keys.iter().find(|key| key.kid == kid).ok_or_else(|| {
            refused(&format!("kid {kid} is not one of this server's keys (see /.well-known/jwks.json)"))
        })?;
        let decoded = jsonwebtoken::decode::<Claims>(token, &key.decoding, &self.validation);
        let claims = decoded.map(|data| data.claims).map_err(|error| {
            refused(match error.kind() {
                ErrorKind::ExpiredSignature => "it has expired",
                ErrorKind::InvalidSignature => "the signature does not verify",
                ErrorKind::InvalidAudience => "its aud is not api-playground",
                ErrorKind::InvalidIssuer => "its iss is not this server",
                ErrorKind::ImmatureSignature => "it is not valid yet",
                ErrorKind::MissingRequiredClaim(_) => "a required claim (exp, iat, iss, aud, sub) is missing",
                ErrorKind::InvalidAlgorithm => "its alg does not match the key",
                _ => "it does not decode",
            })
        })?;
        if self.revoked.lock().contains_key(&claims.jti) {
            return Err(refused("it was revoked"));
        }
        Ok(claims)
    }

    /// Revokes one access token by its id until it would have expired anyway (RFC 7009).
    pub fn revoke(&self, claims: &Claims) {
        let now = OffsetDateTime::now_utc().unix_timestamp().max(0) as u64;
        let mut revoked = self.revoked.lock();
        revoked.retain(|_, exp| *exp + LEEWAY_SECONDS >= now);
        revoked.insert(claims.jti.clone(), claims.exp);
    }

    /// The public keys, as a JWK Set.
    pub fn jwks(&self) -> JwkSet {
        if let Err(error) = self.rotate_if_due() {
            tracing::error!("rotating the signing key failed: {error}");
        }
        JwkSet { keys: self.keys.read().iter().map(|key| key.jwk.clone()).collect() }
    }

    /// When a token's claims stop being valid.
    pub fn expiry(claims: &Claims) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(i64::try_from(claims.exp).unwrap_or(i64::MAX))
            .unwrap_or(OffsetDateTime::now_utc())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> Account {
        Account {
            username: "alice".into(),
            password: "alice-password".into(),
            user_id: 1,
            scopes: Scopes::parse(["users:read", "orders:read"]).unwrap_or_else(|_| Scopes::all()),
        }
    }

    #[test]
    fn a_token_verifies_and_forgeries_are_refused_with_their_reason() -> anyhow::Result<()> {
        let tokens = Tokens::new("http://issuer", Duration::from_secs(60), Duration::from_secs(3600))?;
        let (token, ttl) = tokens.issue(&alice())?;
        assert_eq!(ttl, 60);
        let claims = tokens.verify(&token)?;
        assert_eq!((claims.sub.as_str(), claims.aud.as_str()), ("1", AUDIENCE));
        assert_eq!(claims.scope, "users:read orders:read");

        let reason = |token: &str| tokens.verify(token).map_err(|e| e.message).expect_err("refused");
        let parts: Vec<&str> = token.split('.').collect();
        let none = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        assert!(reason(&format!("{none}.{}.", parts[1])).contains("alg none"));
        let hs256 = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        assert!(reason(&format!("{hs256}.{}.{}", parts[1], parts[2])).contains("HS256"));
        let mut tampered = parts[1].to_owned();
        tampered.insert(3, if tampered.as_bytes()[3] == b'A' { 'B' } else { 'A' });
        assert!(reason(&format!("{}.{tampered}.{}", parts[0], parts[2])).contains("signature"));
        let other = Tokens::new("http://issuer", Duration::from_secs(60), Duration::from_secs(3600))?;
        assert!(reason(&other.issue(&alice())?.0).contains("kid"));
        assert!(reason("not-a-token").contains("not a JWT"));

        // Signed with the right key, but with claims this server did not make.
        let signed = |claims: serde_json::Value| -> anyhow::Result<String> {
            let keys = tokens.keys.read();
            let key = keys.first().ok_or_else(|| anyhow::anyhow!("a key"))?;
            let mut header = Header::new(Algorithm::ES256);
            header.kid = Some(key.kid.clone());
            Ok(jsonwebtoken::encode(&header, &claims, &key.encoding)?)
        };
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let claims = |exp: i64, iss: &str, aud: &str| serde_json::json!({"sub": "1", "scope": "users:read", "exp": exp, "iat": now - 100, "iss": iss, "aud": aud});
        assert!(tokens.verify(&signed(claims(now + 60, "http://issuer", AUDIENCE))?).is_ok());
        assert!(reason(&signed(claims(now - 5, "http://issuer", AUDIENCE))?).contains("expired"));
        assert!(tokens.verify(&signed(claims(now, "http://issuer", AUDIENCE))?).is_ok(), "1 s of leeway");
        assert!(reason(&signed(claims(now + 60, "http://elsewhere", AUDIENCE))?).contains("iss"));
        assert!(reason(&signed(claims(now + 60, "http://issuer", "someone-else"))?).contains("aud"));
        Ok(())
    }

    #[test]
    fn rotation_keeps_the_old_key_until_its_tokens_expire() -> anyhow::Result<()> {
        let tokens = Tokens::new("http://issuer", Duration::from_secs(1), Duration::from_millis(300))?;
        let (old, _) = tokens.issue(&alice())?;
        std::thread::sleep(Duration::from_millis(350));
        let (new, _) = tokens.issue(&alice())?;
        let kid = |token: &str| jsonwebtoken::decode_header(token).ok().and_then(|h| h.kid);
        assert_ne!(kid(&old), kid(&new), "a new key signs after the lifetime");
        assert_eq!(tokens.jwks().keys.len(), 2, "the old key still verifies");
        assert!(tokens.verify(&old).is_ok());
        std::thread::sleep(Duration::from_millis(2100));
        assert!(tokens.jwks().keys.iter().all(|key| Some(key.kid.clone()) != kid(&old)));
        Ok(())
    }
}
