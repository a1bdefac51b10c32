//! `POST /auth/login` and `GET /.well-known/jwks.json`: a password traded for a signed access
//! token, and the public keys anyone can verify it with, without asking the server.

use poem_openapi::{Object, OpenApi};

use super::json::JsonBody;
use super::{Answer, AuthApi};
use crate::tokens::JwkSet;

/// A demo login (`alice` / `alice-password`, `admin` / `admin-password`).
#[derive(Debug, Object, serde::Deserialize)]
#[oai(example)]
pub struct Login {
    #[oai(validator(min_length = 1, max_length = 200))]
    pub username: String,
    #[oai(validator(min_length = 1, max_length = 200))]
    pub password: String,
}

impl poem_openapi::types::Example for Login {
    fn example() -> Self {
        Login { username: "alice".into(), password: "alice-password".into() }
    }
}

/// A bearer token: send it as `Authorization: Bearer <accessToken>` on any protocol.
#[derive(Debug, Object, serde::Serialize)]
#[oai(rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub struct AccessToken {
    /// An ES256 JWT with `sub`, `scope`, `exp`, `iat`, `iss` and `aud` claims.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until it expires.
    pub expires_in: u64,
}

#[OpenApi(tag = "super::Tag::Auth")]
impl AuthApi {
    /// Trade a username and password for a JWT access token (login)
    #[oai(path = "/auth/login", method = "post")]
    async fn login(&self, body: JsonBody<Login>) -> Answer<JsonBody<AccessToken>> {
        let JsonBody(Login { username, password }) = body;
        let (access_token, expires_in) = self.gate.login(&username, &password)?;
        Ok(JsonBody(AccessToken { access_token, token_type: "Bearer".into(), expires_in }))
    }

    /// The public keys that verify access tokens, as a JWK Set (jwks)
    #[oai(path = "/.well-known/jwks.json", method = "get")]
    async fn jwks(&self) -> JsonBody<JwkSet> {
        JsonBody(self.gate.jwks())
    }
}
