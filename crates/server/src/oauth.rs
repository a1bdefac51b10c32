//! OAuth 2.0, the third kind of credential: a user lets an application act for them with some
//! scopes, without giving it their password. The authorization code flow with PKCE and a real
//! consent page (RFC 6749, 7636), client credentials, refresh tokens that rotate (reusing a
//! rotated one revokes its whole family), metadata (RFC 8414), introspection (RFC 7662) and
//! revocation (RFC 7009). Access tokens are this server's JWTs, so every protocol accepts them
//! through the one verifier. Errors follow RFC 6749 §5.2; secrets and PKCE verifiers are
//! compared in constant time.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use parking_lot::Mutex;
use playground_domain::{Scope, Scopes};
use poem::http::{header, StatusCode};
use poem::web::{Data, Form, Query};
use poem::{handler, Request, Response};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::config::{Account, OAuthClient, Settings};
use crate::gate::Gate;
use crate::tokens::{random_id, Tokens};

/// An authorization code lives this long, and works once.
const CODE_LIFETIME: Duration = Duration::from_secs(60);
/// Codes and refresh tokens held at once; past it the oldest expired ones go first, then new
/// grants are refused (a bound, so no client can grow the server's memory without end).
const MAX_GRANTS: usize = 100_000;

/// What a code was issued for: exchanged once, by the same client, with the same redirect URI
/// and the verifier of the same challenge.
struct CodeGrant {
    client_id: String,
    redirect_uri: String,
    challenge: Option<String>,
    account: Account,
    scopes: Scopes,
    expires: Instant,
}

/// A refresh token's grant. Every refresh replaces it with a new one of the same family.
struct RefreshGrant {
    family: String,
    client_id: String,
    account: Option<Account>,
    scopes: Scopes,
    expires: Instant,
    /// Already exchanged: showing it again means it leaked, and the family is revoked.
    used: bool,
}

pub struct AuthorizationServer {
    gate: Arc<Gate>,
    issuer: String,
    clients: Vec<OAuthClient>,
    refresh_ttl: Duration,
    codes: Mutex<HashMap<String, CodeGrant>>,
    refresh_tokens: Mutex<HashMap<String, RefreshGrant>>,
    /// The access tokens each refresh family has had issued, so revoking the family (by RFC
    /// 7009, or because a spent refresh token came back) revokes them too.
    family_access: Mutex<HashMap<String, Vec<crate::tokens::Claims>>>,
}

/// An RFC 6749 §5.2 error: `{"error", "error_description"}`.
struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
}

fn oauth_error(error: &'static str, description: impl Into<String>) -> OAuthError {
    let status = if error == "invalid_client" { StatusCode::UNAUTHORIZED } else { StatusCode::BAD_REQUEST };
    OAuthError { status, error, description: description.into() }
}

impl OAuthError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"error": self.error, "error_description": self.description});
        let mut response =
            no_store(Response::builder().status(self.status).content_type("application/json")).body(body.to_string());
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Basic"));
        }
        response
    }
}

fn no_store(builder: poem::ResponseBuilder) -> poem::ResponseBuilder {
    builder.header(header::CACHE_CONTROL, "no-store").header(header::PRAGMA, "no-cache")
}

/// A redirect URI a native or browser app on this machine may use (RFC 8252 §7.3): plain http to
/// a loopback host, any port, no fragment. Nothing else is ever redirected to.
fn loopback_redirect(uri: &str) -> Option<http::Uri> {
    let parsed: http::Uri = uri.parse().ok()?;
    let host = parsed.host()?;
    let loopback = matches!(host, "127.0.0.1" | "localhost" | "[::1]" | "::1");
    (parsed.scheme_str() == Some("http") && loopback && !uri.contains('#') && uri.len() <= 2048).then_some(parsed)
}

/// `uri` with `params` added to its query.
fn with_query(uri: &str, params: &[(&str, &str)]) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in params {
        query.append_pair(name, value);
    }
    let separator = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{separator}{}", query.finish())
}

fn redirect(to: String) -> Response {
    no_store(Response::builder().status(StatusCode::FOUND).header(header::LOCATION, to)).finish()
}

/// Scopes by name, refusing unknown ones.
fn parse_scopes(text: &str) -> Result<Scopes, String> {
    Scopes::parse(text.split_whitespace())
}

fn intersect(a: Scopes, b: Scopes) -> Scopes {
    a.iter().filter(|scope| b.contains(*scope)).collect()
}

/// What a scope lets the application do, in words, for the consent page.
fn in_words(scope: Scope) -> &'static str {
    match scope {
        Scope::UsersRead => "see users' names and email addresses",
        Scope::UsersWrite => "create, change and delete users",
        Scope::OrdersRead => "see your orders",
        Scope::OrdersWrite => "place, change and cancel your orders",
        Scope::ProductsRead => "see the product catalogue",
        Scope::Admin => "administer the server (the maintenance switch)",
    }
}

fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

/// The parameters of an authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3).
#[derive(Debug, Clone, Deserialize)]
pub struct AuthorizeParams {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
}

/// The consent form: the request again, and the user's answer.
#[derive(Debug, Deserialize)]
pub struct ConsentForm {
    #[serde(flatten)]
    params: AuthorizeParams,
    username: Option<String>,
    password: Option<String>,
    approve: Option<String>,
}

/// A request checked far enough that errors may go back to the client by redirect.
struct Checked {
    client: OAuthClient,
    redirect_uri: String,
    scopes: Scopes,
    state: Option<String>,
    challenge: Option<String>,
}

/// Errors before the redirect URI is trusted are shown to the user, never redirected (§4.1.2.1).
enum Refusal {
    Page(String),
    Redirect(String),
}

impl AuthorizationServer {
    pub fn new(gate: Arc<Gate>, settings: &Settings, issuer: &str) -> AuthorizationServer {
        AuthorizationServer {
            gate,
            issuer: issuer.to_owned(),
            clients: settings.clients.clone(),
            refresh_ttl: settings.refresh_token_ttl,
            codes: Mutex::default(),
            refresh_tokens: Mutex::default(),
            family_access: Mutex::default(),
        }
    }

    /// Every refresh token of a family, and every access token it was issued, revoked.
    fn revoke_family(&self, grants: &mut HashMap<String, RefreshGrant>, family: &str) {
        grants.retain(|_, grant| grant.family != family);
        for claims in self.family_access.lock().remove(family).unwrap_or_default() {
            self.tokens().revoke(&claims);
        }
    }

    fn tokens(&self) -> &Tokens {
        self.gate.tokens()
    }

    fn client(&self, client_id: &str) -> Option<&OAuthClient> {
        self.clients.iter().find(|client| client.client_id == client_id)
    }

    fn check(&self, params: &AuthorizeParams) -> Result<Checked, Refusal> {
        let client_id = params.client_id.as_deref().ok_or_else(|| Refusal::Page("client_id is missing".into()))?;
        let client = self.client(client_id).ok_or_else(|| Refusal::Page(format!("unknown client {client_id}")))?;
        let redirect_uri =
            params.redirect_uri.clone().ok_or_else(|| Refusal::Page("redirect_uri is missing".into()))?;
        if loopback_redirect(&redirect_uri).is_none() {
            return Err(Refusal::Page(
                "redirect_uri must be http://127.0.0.1:PORT/..., http://[::1]:PORT/... or http://localhost:PORT/... (RFC 8252 loopback)".into(),
            ));
        }
        let state = params.state.clone();
        let back = |error: &str, description: &str| {
            let mut query = vec![("error", error), ("error_description", description)];
            if let Some(state) = &state {
                query.push(("state", state));
            }
            Refusal::Redirect(with_query(&redirect_uri, &query))
        };
        if params.response_type.as_deref() != Some("code") {
            return Err(back("unsupported_response_type", "only response_type=code is supported"));
        }
        let challenge = match (&params.code_challenge, params.code_challenge_method.as_deref()) {
            (Some(challenge), Some("S256")) if (43..=128).contains(&challenge.len()) => Some(challenge.clone()),
            (Some(_), Some("S256")) => {
                return Err(back("invalid_request", "code_challenge must be 43 to 128 characters"))
            }
            (Some(_), _) => return Err(back("invalid_request", "code_challenge_method must be S256")),
            (None, _) if client.secret.is_none() => {
                return Err(back("invalid_request", "a public client must use PKCE (code_challenge with S256)"))
            }
            (None, _) => None,
        };
        let scopes = match &params.scope {
            Some(text) => match parse_scopes(text) {
                Ok(asked) if intersect(asked, client.scopes) == asked => asked,
                Ok(_) => return Err(back("invalid_scope", "the client may not ask for some of these scopes")),
                Err(unknown) => return Err(back("invalid_scope", &format!("unknown scope {unknown}"))),
            },
            None => client.scopes,
        };
        Ok(Checked { client: client.clone(), redirect_uri, scopes, state, challenge })
    }

    fn consent_page(&self, params: &AuthorizeParams, checked: &Checked, message: Option<&str>) -> Response {
        let hidden: String = [
            ("response_type", &params.response_type),
            ("client_id", &params.client_id),
            ("redirect_uri", &params.redirect_uri),
            ("scope", &params.scope),
            ("state", &params.state),
            ("code_challenge", &params.code_challenge),
            ("code_challenge_method", &params.code_challenge_method),
        ]
        .iter()
        .filter_map(|(name, value)| {
            value.as_ref().map(|v| format!("<input type=\"hidden\" name=\"{name}\" value=\"{}\">\n", escape(v)))
        })
        .collect();
        let scopes: String = checked
            .scopes
            .iter()
            .map(|scope| format!("<li><code>{}</code>: {}</li>\n", scope.as_str(), in_words(scope)))
            .collect();
        let message =
            message.map(|m| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(m))).unwrap_or_default();
        let html = format!(
            include_str!("oauth_consent.html"),
            client = escape(&checked.client.client_id),
            redirect = escape(&checked.redirect_uri),
            scopes = scopes,
            hidden = hidden,
            message = message,
        );
        let status = if message.is_empty() { StatusCode::OK } else { StatusCode::UNAUTHORIZED };
        no_store(Response::builder().status(status).content_type("text/html; charset=utf-8"))
            .header("x-frame-options", "DENY")
            .header("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
            .body(html)
    }

    fn keep<T>(
        map: &mut HashMap<String, T>,
        key: String,
        value: T,
        expired: impl Fn(&T) -> bool,
    ) -> Result<(), OAuthError> {
        if map.len() >= MAX_GRANTS {
            map.retain(|_, grant| !expired(grant));
        }
        if map.len() >= MAX_GRANTS {
            return Err(oauth_error("temporarily_unavailable", "too many grants outstanding; retry later"));
        }
        map.insert(key, value);
        Ok(())
    }

    /// The client a token request authenticates as: HTTP Basic or `client_id` + `client_secret`
    /// in the body for confidential clients, `client_id` alone for public ones.
    fn authenticate(&self, request: &Request, form: &TokenForm) -> Result<OAuthClient, OAuthError> {
        let basic = request
            .header(header::AUTHORIZATION)
            .and_then(|value| value.strip_prefix("Basic ").or_else(|| value.strip_prefix("basic ")))
            .and_then(|encoded| STANDARD.decode(encoded.trim()).ok())
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .and_then(|pair| {
                let (id, secret) = pair.split_once(':')?;
                let decode = |text: &str| {
                    form_urlencoded::parse(format!("x={text}").as_bytes()).next().map(|(_, v)| v.into_owned())
                };
                Some((decode(id)?, decode(secret)?))
            });
        let (client_id, secret) = match (&basic, &form.client_id) {
            (Some((id, secret)), _) => (id.clone(), Some(secret.clone())),
            (None, Some(id)) => (id.clone(), form.client_secret.clone()),
            (None, None) => return Err(oauth_error("invalid_client", "no client authentication")),
        };
        let client = self.client(&client_id).ok_or_else(|| oauth_error("invalid_client", "unknown client"))?;
        match (&client.secret, secret) {
            (None, None) => Ok(client.clone()),
            (Some(expected), Some(given)) if bool::from(expected.as_bytes().ct_eq(given.as_bytes())) => {
                Ok(client.clone())
            }
            (None, Some(_)) => Err(oauth_error("invalid_client", "a public client has no secret")),
            _ => Err(oauth_error("invalid_client", "the client secret is not valid")),
        }
    }

    fn token_answer(
        &self,
        client: &OAuthClient,
        account: Option<&Account>,
        scopes: Scopes,
        family: Option<String>,
    ) -> Result<Response, OAuthError> {
        let internal = |e: playground_domain::DomainError| oauth_error("server_error", e.message);
        let (access_token, expires_in) = match account {
            Some(account) => self.tokens().issue_for(
                account.user_id.to_string(),
                Some(account.username.clone()),
                scopes,
                Some(client.client_id.clone()),
            ),
            None => self.tokens().issue_for(client.client_id.clone(), None, scopes, Some(client.client_id.clone())),
        }
        .map_err(internal)?;
        let mut body = serde_json::json!({
            "access_token": access_token, "token_type": "Bearer", "expires_in": expires_in, "scope": scopes.to_string(),
        });
        if let Some(family) = family {
            if let Ok(claims) = self.tokens().verify(&access_token) {
                let now = time::OffsetDateTime::now_utc().unix_timestamp().max(0) as u64;
                let mut issued = self.family_access.lock();
                let list = issued.entry(family.clone()).or_default();
                list.retain(|earlier| earlier.exp >= now);
                list.push(claims);
            }
            let refresh = random_id();
            let grant = RefreshGrant {
                family,
                client_id: client.client_id.clone(),
                account: account.cloned(),
                scopes,
                expires: Instant::now() + self.refresh_ttl,
                used: false,
            };
            let now = Instant::now();
            Self::keep(&mut self.refresh_tokens.lock(), refresh.clone(), grant, |g| g.expires < now)?;
            body["refresh_token"] = refresh.into();
        }
        Ok(no_store(Response::builder().content_type("application/json")).body(body.to_string()))
    }

    fn token(&self, request: &Request, form: TokenForm) -> Result<Response, OAuthError> {
        let client = self.authenticate(request, &form)?;
        match form.grant_type.as_deref() {
            Some("authorization_code") => {
                let code = form.code.as_deref().ok_or_else(|| oauth_error("invalid_request", "code is missing"))?;
                // Removed before anything is checked: a code works at most once, whatever happens.
                let grant = self
                    .codes
                    .lock()
                    .remove(code)
                    .ok_or_else(|| oauth_error("invalid_grant", "unknown or used code"))?;
                if grant.expires < Instant::now() {
                    return Err(oauth_error("invalid_grant", "the code expired (60 s)"));
                }
                if grant.client_id != client.client_id {
                    return Err(oauth_error("invalid_grant", "the code was issued to another client"));
                }
                if form.redirect_uri.as_deref() != Some(grant.redirect_uri.as_str()) {
                    return Err(oauth_error("invalid_grant", "redirect_uri differs from the authorization request"));
                }
                if let Some(challenge) = &grant.challenge {
                    let verifier = form
                        .code_verifier
                        .as_deref()
                        .ok_or_else(|| oauth_error("invalid_grant", "code_verifier is missing"))?;
                    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
                    let computed = URL_SAFE_NO_PAD.encode(digest.as_ref());
                    if !bool::from(computed.as_bytes().ct_eq(challenge.as_bytes())) {
                        return Err(oauth_error("invalid_grant", "code_verifier does not match the code_challenge"));
                    }
                }
                self.token_answer(&client, Some(&grant.account), grant.scopes, Some(random_id()))
            }
            Some("client_credentials") => {
                if client.secret.is_none() {
                    return Err(oauth_error("unauthorized_client", "a public client cannot use client_credentials"));
                }
                let scopes = match &form.scope {
                    Some(text) => match parse_scopes(text) {
                        Ok(asked) if intersect(asked, client.scopes) == asked => asked,
                        Ok(_) => {
                            return Err(oauth_error("invalid_scope", "the client may not have some of these scopes"))
                        }
                        Err(unknown) => return Err(oauth_error("invalid_scope", format!("unknown scope {unknown}"))),
                    },
                    None => client.scopes,
                };
                self.token_answer(&client, None, scopes, None)
            }
            Some("refresh_token") => {
                let token = form
                    .refresh_token
                    .as_deref()
                    .ok_or_else(|| oauth_error("invalid_request", "refresh_token is missing"))?;
                let (account, scopes, family) = {
                    let mut grants = self.refresh_tokens.lock();
                    let grant = grants
                        .get_mut(token)
                        .ok_or_else(|| oauth_error("invalid_grant", "unknown or revoked refresh token"))?;
                    if grant.client_id != client.client_id {
                        return Err(oauth_error("invalid_grant", "the refresh token was issued to another client"));
                    }
                    if grant.used {
                        // A rotated token came back: it leaked. Every token of its family goes.
                        let family = grant.family.clone();
                        self.revoke_family(&mut grants, &family);
                        return Err(oauth_error(
                            "invalid_grant",
                            "this refresh token was already used; its whole family is revoked",
                        ));
                    }
                    if grant.expires < Instant::now() {
                        return Err(oauth_error("invalid_grant", "the refresh token expired"));
                    }
                    // Checked before the token is spent: a refused request leaves it usable.
                    let scopes = match &form.scope {
                        Some(text) => match parse_scopes(text) {
                            Ok(asked) if intersect(asked, grant.scopes) == asked => asked,
                            _ => return Err(oauth_error("invalid_scope", "a refresh may only narrow the scopes")),
                        },
                        None => grant.scopes,
                    };
                    grant.used = true;
                    (grant.account.clone(), scopes, grant.family.clone())
                };
                self.token_answer(&client, account.as_ref(), scopes, Some(family))
            }
            Some(other) => Err(oauth_error("unsupported_grant_type", format!("grant_type {other} is not supported"))),
            None => Err(oauth_error("invalid_request", "grant_type is missing")),
        }
    }

    fn introspect(&self, request: &Request, form: TokenForm) -> Result<Response, OAuthError> {
        let client = self.authenticate(request, &form)?;
        if client.secret.is_none() {
            return Err(oauth_error("invalid_client", "introspection is for confidential clients"));
        }
        let token = form.token.as_deref().unwrap_or_default();
        let body = if let Ok(claims) = self.tokens().verify(token) {
            serde_json::json!({
                "active": true, "token_type": "Bearer", "scope": claims.scope, "client_id": claims.client_id,
                "sub": claims.sub, "username": claims.preferred_username, "exp": claims.exp, "iat": claims.iat,
                "iss": claims.iss, "aud": claims.aud,
            })
        } else {
            let grants = self.refresh_tokens.lock();
            match grants.get(token).filter(|grant| !grant.used && grant.expires > Instant::now()) {
                Some(grant) => serde_json::json!({
                    "active": true, "token_type": "refresh_token", "scope": grant.scopes.to_string(),
                    "client_id": grant.client_id, "sub": grant.account.as_ref().map(|a| a.user_id.to_string()),
                    "username": grant.account.as_ref().map(|a| a.username.clone()),
                }),
                None => serde_json::json!({"active": false}),
            }
        };
        Ok(no_store(Response::builder().content_type("application/json")).body(body.to_string()))
    }

    fn revoke(&self, request: &Request, form: TokenForm) -> Result<Response, OAuthError> {
        let client = self.authenticate(request, &form)?;
        let token = form.token.as_deref().unwrap_or_default();
        {
            let mut grants = self.refresh_tokens.lock();
            if let Some(family) =
                grants.get(token).filter(|g| g.client_id == client.client_id).map(|g| g.family.clone())
            {
                self.revoke_family(&mut grants, &family);
            }
        }
        if let Ok(claims) = self.tokens().verify(token) {
            if claims.client_id.as_deref() == Some(client.client_id.as_str()) {
                self.tokens().revoke(&claims);
            }
        }
        // RFC 7009 §2.2: an unknown or already invalid token is answered 200 too.
        Ok(no_store(Response::builder()).finish())
    }

    fn metadata(&self) -> serde_json::Value {
        let issuer = &self.issuer;
        serde_json::json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/oauth/authorize"),
            "token_endpoint": format!("{issuer}/oauth/token"),
            "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
            "introspection_endpoint": format!("{issuer}/oauth/introspect"),
            "revocation_endpoint": format!("{issuer}/oauth/revoke"),
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "scopes_supported": Scope::ALL.iter().map(|scope| scope.as_str()).collect::<Vec<_>>(),
        })
    }
}

/// The form every token-endpoint request sends (`/token`, `/introspect`, `/revoke`).
#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    grant_type: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    refresh_token: Option<String>,
    scope: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    token: Option<String>,
}

/// `GET /oauth/authorize`: the consent page, or the error.
#[handler]
pub fn authorize_page(Query(params): Query<AuthorizeParams>, server: Data<&Arc<AuthorizationServer>>) -> Response {
    match server.check(&params) {
        Ok(checked) => server.consent_page(&params, &checked, None),
        Err(refusal) => refused(refusal),
    }
}

fn refused(refusal: Refusal) -> Response {
    match refusal {
        Refusal::Redirect(to) => redirect(to),
        Refusal::Page(why) => {
            no_store(Response::builder().status(StatusCode::BAD_REQUEST).content_type("text/plain; charset=utf-8"))
                .body(format!("This authorization request cannot go on: {why}.\n"))
        }
    }
}

/// `POST /oauth/authorize`: the user's answer on the consent page.
#[handler]
pub fn authorize_answer(Form(form): Form<ConsentForm>, server: Data<&Arc<AuthorizationServer>>) -> Response {
    let checked = match server.check(&form.params) {
        Ok(checked) => checked,
        Err(refusal) => return refused(refusal),
    };
    let state = checked.state.clone();
    let back = |params: &[(&str, &str)]| {
        let mut params = params.to_vec();
        if let Some(state) = &state {
            params.push(("state", state));
        }
        redirect(with_query(&checked.redirect_uri, &params))
    };
    if form.approve.as_deref() != Some("yes") {
        return back(&[("error", "access_denied"), ("error_description", "the user said no")]);
    }
    let account = match server
        .gate
        .verifier_account(form.username.as_deref().unwrap_or_default(), form.password.as_deref().unwrap_or_default())
    {
        Ok(account) => account,
        Err(_) => return server.consent_page(&form.params, &checked, Some("That username and password do not match.")),
    };
    // The scopes granted: what was asked for, and what this user may do.
    let scopes = intersect(checked.scopes, account.scopes);
    let code = random_id();
    let grant = CodeGrant {
        client_id: checked.client.client_id.clone(),
        redirect_uri: checked.redirect_uri.clone(),
        challenge: checked.challenge.clone(),
        account,
        scopes,
        expires: Instant::now() + CODE_LIFETIME,
    };
    let now = Instant::now();
    if let Err(error) = AuthorizationServer::keep(&mut server.codes.lock(), code.clone(), grant, |g| g.expires < now) {
        return back(&[("error", error.error), ("error_description", &error.description)]);
    }
    back(&[("code", &code)])
}

/// `POST /oauth/token`.
#[handler]
pub fn token_endpoint(
    request: &Request,
    Form(form): Form<TokenForm>,
    server: Data<&Arc<AuthorizationServer>>,
) -> Response {
    server.token(request, form).unwrap_or_else(OAuthError::into_response)
}

/// `POST /oauth/introspect` (RFC 7662).
#[handler]
pub fn introspect_endpoint(
    request: &Request,
    Form(form): Form<TokenForm>,
    server: Data<&Arc<AuthorizationServer>>,
) -> Response {
    server.introspect(request, form).unwrap_or_else(OAuthError::into_response)
}

/// `POST /oauth/revoke` (RFC 7009).
#[handler]
pub fn revoke_endpoint(
    request: &Request,
    Form(form): Form<TokenForm>,
    server: Data<&Arc<AuthorizationServer>>,
) -> Response {
    server.revoke(request, form).unwrap_or_else(OAuthError::into_response)
}

/// `GET /.well-known/oauth-authorization-server` (RFC 8414).
#[handler]
pub fn metadata_endpoint(server: Data<&Arc<AuthorizationServer>>) -> Response {
    Response::builder().content_type("application/json").body(server.metadata().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_http_redirects_are_allowed() {
        for good in ["http://127.0.0.1:8123/cb", "http://localhost:9/x?y=1", "http://[::1]:4000/"] {
            assert!(loopback_redirect(good).is_some(), "{good}");
        }
        for bad in [
            "https://127.0.0.1/cb",
            "http://example.com/cb",
            "http://127.0.0.1.evil.com/",
            "http://127.0.0.1:1/#frag",
            "javascript:alert(1)",
        ] {
            assert!(loopback_redirect(bad).is_none(), "{bad}");
        }
        assert_eq!(with_query("http://localhost:1/cb?a=1", &[("code", "x y")]), "http://localhost:1/cb?a=1&code=x+y");
    }
}
