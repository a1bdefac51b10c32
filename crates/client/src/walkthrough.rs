//! The OAuth 2.0 authorization code flow with PKCE, played step by step by a client of this
//! playground against the server, every HTTP exchange recorded: discovery, the authorization
//! request and its consent page, the user's approval and the redirect with the code, the code
//! traded for tokens, a call with the access token, and a refresh. What a learner would
//! otherwise have to piece together from a browser's hidden redirects, as six lanes.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use bytes::Bytes;
use http::{header, Method, Request};
use serde::Serialize;

use crate::capture::Direction;
use crate::exchange::{self, Answer};
use crate::requests::Target;

/// One exchange of the flow, as it crossed the wire.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object), oai(rename_all = "camelCase"))]
pub struct WalkStep {
    /// What this step is, e.g. `authorization request`.
    pub title: String,
    /// Why it happens, in a sentence.
    pub explanation: String,
    /// The HTTP status line's code and reason.
    pub status: String,
    pub request: String,
    pub response: String,
    pub total_ms: f64,
    pub bytes_sent: u64,
    pub bytes_received: u64,
}

/// The whole flow: its steps, and how far it got.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object), oai(rename_all = "camelCase"))]
pub struct Walkthrough {
    pub steps: Vec<WalkStep>,
    /// Set when a step did not answer as the flow needs; the steps before it are kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub error: Option<String>,
}

/// The public client that uses PKCE, and where it says the browser should come back to (a
/// loopback address nobody listens on: the walkthrough reads the redirect, it does not follow it).
const CLIENT_ID: &str = "demo-spa";
const REDIRECT_URI: &str = "http://127.0.0.1:8765/callback";
const SCOPE: &str = "users:read orders:read";

fn random() -> String {
    let mut bytes = [0u8; 32];
    let _ = aws_lc_rs::rand::fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn form(pairs: &[(&str, &str)]) -> String {
    let mut form = form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        form.append_pair(name, value);
    }
    form.finish()
}

struct Walker<'a> {
    target: &'a Target,
    steps: Vec<WalkStep>,
}

impl Walker<'_> {
    /// Sends one request and records it as a step; answers the status, headers and body.
    async fn step(
        &mut self,
        title: &str,
        explanation: &str,
        method: Method,
        path: &str,
        headers: &[(&str, String)],
        body: Option<String>,
    ) -> anyhow::Result<(u16, http::HeaderMap, Bytes)> {
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, &self.target.authority)
            .header(header::USER_AGENT, concat!("api-playground-client/", env!("CARGO_PKG_VERSION")));
        for (name, value) in headers {
            builder = builder.header(*name, value);
        }
        if body.is_some() {
            builder = builder.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        let request = builder.body(Bytes::from(body.unwrap_or_default()))?;
        let exchange = exchange::http(self.target.addr, false, request, true, std::time::Duration::ZERO).await?;
        let Answer::Http { status, headers, body, .. } = exchange.answer else {
            anyhow::bail!("an HTTP exchange answered something else");
        };
        let text = |direction| String::from_utf8_lossy(&exchange.tape.joined(direction)).into_owned();
        self.steps.push(WalkStep {
            title: title.to_owned(),
            explanation: explanation.to_owned(),
            status: format!("{} {}", status.as_u16(), status.canonical_reason().unwrap_or("")),
            request: text(Direction::Sent),
            response: text(Direction::Received),
            total_ms: (exchange.total.as_secs_f64() * 1_000_000.0).round() / 1000.0,
            bytes_sent: exchange.tape.sent,
            bytes_received: exchange.tape.received,
        });
        Ok((status.as_u16(), headers, body))
    }
}

/// Runs the flow for `username` / `password` (the user at the consent page).
pub async fn authorization_code(target: &Target, username: &str, password: &str) -> Walkthrough {
    let mut walker = Walker { target, steps: Vec::new() };
    let error = walk(&mut walker, username, password).await.err().map(|error| format!("{error:#}"));
    Walkthrough { steps: walker.steps, error }
}

async fn walk(walker: &mut Walker<'_>, username: &str, password: &str) -> anyhow::Result<()> {
    let json = |body: &Bytes| serde_json::from_slice::<serde_json::Value>(body).unwrap_or_default();
    walker
        .step(
            "discovery",
            "The client reads the server's metadata (RFC 8414) to learn where to send the user and where to get tokens.",
            Method::GET,
            "/.well-known/oauth-authorization-server",
            &[],
            None,
        )
        .await?;
    let verifier = random();
    let challenge = URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes()));
    let state = random();
    let request = [
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("redirect_uri", REDIRECT_URI),
        ("scope", SCOPE),
        ("state", state.as_str()),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let (status, _, _) = walker
        .step(
            "authorization request",
            "The browser is sent to the server with the client's id, the scopes it wants, a random state, and the SHA-256 of a secret only the client knows (PKCE). The server answers its consent page.",
            Method::GET,
            &format!("/oauth/authorize?{}", form(&request)),
            &[],
            None,
        )
        .await?;
    anyhow::ensure!(status == 200, "the authorization request was refused ({status})");
    let mut approval = request.to_vec();
    approval.extend([("username", username), ("password", password), ("approve", "yes")]);
    let (status, headers, _) = walker
        .step(
            "consent",
            "The user logs in on the server's own page and allows the scopes. The server redirects the browser back to the client with a one-time code and the same state.",
            Method::POST,
            "/oauth/authorize",
            &[],
            Some(form(&approval)),
        )
        .await?;
    anyhow::ensure!(status == 302, "the consent was not accepted ({status}): check the username and password");
    let location = headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let query = location.split_once('?').map(|(_, query)| query).unwrap_or_default();
    let param =
        |name: &str| form_urlencoded::parse(query.as_bytes()).find(|(key, _)| key == name).map(|(_, v)| v.into_owned());
    anyhow::ensure!(param("state").as_deref() == Some(state.as_str()), "the state came back changed");
    let code = param("code").ok_or_else(|| anyhow::anyhow!("the redirect carries no code: {location}"))?;
    let (status, _, body) = walker
        .step(
            "token exchange",
            "The client trades the code for tokens, proving with the PKCE verifier that it is the one that asked. The code works once and only for 60 s.",
            Method::POST,
            "/oauth/token",
            &[],
            Some(form(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT_URI),
                ("client_id", CLIENT_ID),
                ("code_verifier", &verifier),
            ])),
        )
        .await?;
    anyhow::ensure!(status == 200, "the code was not exchanged ({status})");
    let tokens = json(&body);
    let access = tokens["access_token"].as_str().unwrap_or_default().to_owned();
    let refresh = tokens["refresh_token"].as_str().unwrap_or_default().to_owned();
    let user = match tokens["access_token"].as_str().and_then(|t| t.split('.').nth(1)) {
        Some(claims) => URL_SAFE_NO_PAD
            .decode(claims)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
            .and_then(|claims| claims["sub"].as_str().map(str::to_owned))
            .unwrap_or_else(|| "1".into()),
        None => "1".into(),
    };
    walker
        .step(
            "API call",
            "The client calls the API with the access token as a bearer token; it may do only what the granted scopes and the user allow.",
            Method::GET,
            &format!("/api/v1/users/{user}/orders"),
            &[("authorization", format!("Bearer {access}"))],
            None,
        )
        .await?;
    let (status, _, _) = walker
        .step(
            "refresh",
            "Before the access token expires, the client trades the refresh token for new tokens. The old refresh token is spent: showing it again would revoke the whole family.",
            Method::POST,
            "/oauth/token",
            &[],
            Some(form(&[("grant_type", "refresh_token"), ("refresh_token", &refresh), ("client_id", CLIENT_ID)])),
        )
        .await?;
    anyhow::ensure!(status == 200, "the refresh was refused ({status})");
    Ok(())
}
