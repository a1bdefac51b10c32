//! Where credentials sit is the only thing each transport describes; turning them into a
//! `Caller` is done once, here, for all five protocols. A bearer token or a username/password
//! pair slot in as further `Credentials` fields checked by the same verifier.

use std::net::IpAddr;
use std::sync::Arc;

use playground_domain::{Caller, DomainError, Identity, Scopes};
use subtle::ConstantTimeEq;

use crate::config::{ApiKey, Settings};
use crate::tokens::Tokens;

/// The credential one call carries, wherever its transport put it.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    /// `X-API-Key` header, `api_key` query parameter, `x-api-key` gRPC metadata, ...
    pub api_key: Option<String>,
    /// `Authorization: Bearer ...` (or the token of a `/ws` `auth` call).
    pub bearer: Option<String>,
    /// A username and proof of the password (a SOAP WS-Security `UsernameToken`).
    pub password: Option<PasswordCredential>,
    /// The peer, for the anonymous rate budget.
    pub peer: Option<IpAddr>,
}

impl Credentials {
    /// Reads the HTTP-borne forms: `X-API-Key` / `Authorization: Bearer` headers, or `api_key` in the query.
    pub fn from_http(headers: &http::HeaderMap, query: Option<&str>, peer: Option<IpAddr>) -> Credentials {
        // Typed names: looked up by hash, without parsing the name on every request.
        const X_API_KEY: http::HeaderName = http::HeaderName::from_static("x-api-key");
        let header = |name: &http::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
        let api_key = header(&X_API_KEY).map(str::to_owned).or_else(|| query.and_then(|q| query_param(q, "api_key")));
        // A token may ride in the query too (RFC 6750 §2.3): browsers' EventSource and WebSocket
        // cannot set headers.
        let bearer = header(&http::header::AUTHORIZATION)
            .and_then(bearer_token)
            .or_else(|| query.and_then(|q| query_param(q, "access_token")));
        Credentials { api_key, bearer, password: None, peer }
    }

    pub fn is_empty(&self) -> bool {
        self.api_key.is_none() && self.bearer.is_none() && self.password.is_none()
    }
}

/// A username with the password itself, or with a digest that proves it without sending it.
#[derive(Debug, Clone)]
pub struct PasswordCredential {
    pub username: String,
    pub proof: PasswordProof,
}

#[derive(Debug, Clone)]
pub enum PasswordProof {
    Text(String),
    /// WS-Security PasswordDigest: Base64(SHA-1(nonce + created + password)).
    Digest {
        digest: String,
        nonce: Vec<u8>,
        created: String,
    },
}

/// How far a digest's `Created` time may be from the server's clock, either way.
const DIGEST_WINDOW: time::Duration = time::Duration::minutes(5);
/// Nonces remembered to refuse replays; a digest older than the window is refused anyway.
const MAX_REMEMBERED_NONCES: usize = 100_000;

/// The token of an `Authorization: Bearer <token>` value.
pub fn bearer_token(authorization: &str) -> Option<String> {
    let (scheme, token) = authorization.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned())
}

/// One query parameter, percent-decoded.
pub fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then(|| percent_decode(value))
    })
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|hex| u8::from_str_radix(hex, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Who a verified credential is, and whose rate budget it spends.
#[derive(Debug, Clone)]
pub struct Session {
    pub caller: Caller,
    /// Who called, as the access log names it: never a secret, only a key's first characters.
    pub label: Arc<str>,
    /// The rate-limit key: one budget per caller, whichever protocol it uses.
    pub rate_key: String,
    pub tier: String,
    /// When the credential stops being valid: a token's `exp`; keys and passwords never do.
    pub expires_at: Option<time::OffsetDateTime>,
}

impl Session {
    pub fn new(caller: Caller, rate_key: String, tier: String, expires_at: Option<time::OffsetDateTime>) -> Session {
        let label = describe(&caller.identity).into();
        Session { caller, label, rate_key, tier, expires_at }
    }

    /// Resolves when a credential with an expiry stops being valid (with the same second of
    /// leeway a token gets); never for one without. Long-lived connections end with it.
    pub async fn expired(expires_at: Option<time::OffsetDateTime>) {
        match expires_at {
            Some(at) => {
                let left = at + time::Duration::seconds(1) - time::OffsetDateTime::now_utc();
                tokio::time::sleep(std::time::Duration::try_from(left).unwrap_or_default()).await;
            }
            None => std::future::pending().await,
        }
    }
}

/// Checks credentials against the configured ones. Each key's session is built once, so a
/// call costs a comparison and a reference count, not allocations.
pub struct Verifier {
    api_keys: Vec<(String, Arc<Session>)>,
    pub tokens: Arc<Tokens>,
    accounts: Vec<(crate::config::Account, Arc<Session>)>,
    /// Digest nonces seen within the window, with when they were seen.
    nonces: parking_lot::Mutex<std::collections::HashMap<Vec<u8>, time::OffsetDateTime>>,
    open_access: bool,
}

impl Verifier {
    pub fn new(settings: &Settings, tokens: Arc<Tokens>) -> Verifier {
        let session = |key: &ApiKey| {
            let caller = Caller { identity: Identity::ApiKey { name: key.key.clone() }, scopes: key.scopes };
            Session::new(caller, format!("key:{}", key.key), key.tier.clone(), None)
        };
        let api_keys = settings.api_keys.iter().map(|key| (key.key.clone(), Arc::new(session(key)))).collect();
        let accounts = settings
            .accounts
            .iter()
            .map(|account| {
                let caller = Caller {
                    identity: Identity::User { user_id: account.user_id, username: account.username.clone() },
                    scopes: account.scopes,
                };
                let session =
                    Session::new(caller, format!("user:{}", account.user_id), crate::config::DEFAULT_TIER.into(), None);
                (account.clone(), Arc::new(session))
            })
            .collect();
        Verifier { api_keys, tokens, accounts, nonces: Default::default(), open_access: settings.no_auth }
    }

    /// A JWT this server signed: the user (or client) it names, with the scopes it carries.
    fn verify_token(&self, token: &str) -> Result<Arc<Session>, DomainError> {
        let claims = self.tokens.verify(token)?;
        let expires_at = Some(Tokens::expiry(&claims));
        let scopes = Scopes::parse(claims.scope.split_whitespace())
            .map_err(|unknown| DomainError::unauthenticated(format!("the token names an unknown scope: {unknown}")))?;
        let identity = match (claims.sub.parse::<u64>(), claims.preferred_username) {
            (Ok(user_id), Some(username)) => Identity::User { user_id, username },
            _ => Identity::ApiKey { name: format!("client {}", claims.sub) },
        };
        Ok(Arc::new(Session::new(
            Caller { identity, scopes },
            format!("sub:{}", claims.sub),
            crate::config::DEFAULT_TIER.into(),
            expires_at,
        )))
    }

    /// `POST /auth/login`: the password checked as a WS-Security PasswordText is, then a token.
    pub fn login(&self, username: &str, password: &str) -> Result<(String, u64), DomainError> {
        let account = self.account(username, password)?;
        self.tokens.issue(&account)
    }

    /// The account a username and password belong to (the OAuth consent page logs in with it).
    pub fn account(&self, username: &str, password: &str) -> Result<crate::config::Account, DomainError> {
        let credential =
            PasswordCredential { username: username.to_owned(), proof: PasswordProof::Text(password.to_owned()) };
        self.verify_password(&credential)?;
        self.accounts
            .iter()
            .find(|(account, _)| account.username == username)
            .map(|(account, _)| account.clone())
            .ok_or_else(|| DomainError::unauthenticated("the username or password is not valid"))
    }

    /// A username/password pair: the password itself, or a fresh digest of it.
    fn verify_password(&self, credential: &PasswordCredential) -> Result<Arc<Session>, DomainError> {
        let refused = || DomainError::unauthenticated("the username or password is not valid");
        let (account, session) =
            self.accounts.iter().find(|(account, _)| account.username == credential.username).ok_or_else(refused)?;
        let matches = match &credential.proof {
            PasswordProof::Text(password) => password.as_bytes().ct_eq(account.password.as_bytes()),
            PasswordProof::Digest { digest, nonce, created } => {
                self.check_freshness(nonce, created)?;
                use base64::Engine;
                use sha1::Digest;
                let mut hasher = sha1::Sha1::new();
                hasher.update(nonce);
                hasher.update(created.as_bytes());
                hasher.update(account.password.as_bytes());
                let expected = base64::engine::general_purpose::STANDARD.encode(hasher.finalize());
                expected.as_bytes().ct_eq(digest.trim().as_bytes())
            }
        };
        if bool::from(matches) {
            Ok(session.clone())
        } else {
            Err(refused())
        }
    }

    /// A digest must be recent and its nonce never seen before: a captured message cannot be replayed.
    fn check_freshness(&self, nonce: &[u8], created: &str) -> Result<(), DomainError> {
        let created = time::OffsetDateTime::parse(created.trim(), &time::format_description::well_known::Rfc3339)
            .map_err(|_| DomainError::unauthenticated("the UsernameToken Created time is not an xs:dateTime"))?;
        let now = time::OffsetDateTime::now_utc();
        if (now - created).abs() > DIGEST_WINDOW {
            return Err(DomainError::unauthenticated(
                "the UsernameToken Created time is more than 5 minutes from the server's clock",
            ));
        }
        if nonce.is_empty() {
            return Err(DomainError::unauthenticated("a PasswordDigest needs a Nonce"));
        }
        let mut nonces = self.nonces.lock();
        nonces.retain(|_, seen| now - *seen <= DIGEST_WINDOW);
        if nonces.len() >= MAX_REMEMBERED_NONCES {
            return Err(DomainError::retry_after(
                playground_domain::ErrorCode::Unavailable,
                "too many digests in the last 5 minutes; retry shortly",
                1,
            ));
        }
        if nonces.insert(nonce.to_vec(), now).is_some() {
            return Err(DomainError::unauthenticated("the UsernameToken Nonce was already used: a replay is refused"));
        }
        Ok(())
    }

    /// Turns a credential into a session. A credential that is sent must be valid even with
    /// `--no-auth` (a wrong key is a mistake worth showing); no credential at all is anonymous.
    pub fn verify(&self, credentials: &Credentials) -> Result<Arc<Session>, DomainError> {
        if let Some(key) = &credentials.api_key {
            // Constant-time comparison: how long a wrong key takes must not reveal a right one.
            let found = self.api_keys.iter().find(|(known, _)| bool::from(known.as_bytes().ct_eq(key.as_bytes())));
            return match found {
                Some((_, session)) => Ok(session.clone()),
                None => Err(DomainError::unauthenticated("the API key is not valid")),
            };
        }
        if let Some(token) = &credentials.bearer {
            return self.verify_token(token);
        }
        if let Some(password) = &credentials.password {
            return self.verify_password(password);
        }
        let rate_key = format!("ip:{}", credentials.peer.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string()));
        if self.open_access {
            return Ok(Arc::new(Session::new(
                Caller::open_access(),
                rate_key,
                crate::config::DEFAULT_TIER.into(),
                None,
            )));
        }
        Err(DomainError::unauthenticated(
            "this operation needs a credential: send the header X-API-Key: demo-read-key (or demo-write-key to change data)",
        ))
    }
}

/// Who called, for the access log: never a secret, only a key's first characters or a name.
fn describe(identity: &Identity) -> String {
    match identity {
        Identity::Anonymous => "anonymous".to_owned(),
        // A key is its own secret: only its first characters, as dashboards show keys.
        Identity::ApiKey { name } => format!("key:{}…", name.chars().take(8).collect::<String>()),
        Identity::User { username, .. } => format!("user:{username}"),
        Identity::Client { client_id } => format!("client:{client_id}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters_are_decoded() {
        assert_eq!(query_param("a=1&api_key=demo%2Dread-key", "api_key").as_deref(), Some("demo-read-key"));
        assert_eq!(query_param("api_key=a+b%zz%4", "api_key").as_deref(), Some("a b%zz%4"));
        assert_eq!(query_param("x=1", "api_key"), None);
    }
}
