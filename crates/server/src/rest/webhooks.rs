//! `/api/v1/webhooks`: register, list and remove hooks, read every delivery attempt, and the
//! built-in receiver (`/api/v1/webhooks/inbox/{name}`), so a learner needs no public URL.

use playground_domain::{DomainError, Operation};
use poem::Request;
use poem_openapi::payload::Binary;
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Object, OpenApi};
use time::OffsetDateTime;

use super::json::JsonBody;
use super::paths::Path;
use super::{credentials, Answer, Deleted, WebhooksApi};
use crate::webhooks::{valid_inbox_name, Received, MAX_INBOX_BODY};

/// Where to deliver, and which event types (none: every type).
#[derive(Debug, Object, serde::Deserialize)]
#[oai(rename_all = "camelCase", example)]
#[serde(rename_all = "camelCase")]
pub struct CreateWebhook {
    /// An `http://` URL on a loopback address (or one `[webhooks] allow` lists), such as this
    /// server's own `/api/v1/webhooks/inbox/{name}`.
    #[oai(validator(max_length = 2048))]
    pub url: String,
    /// Event types to deliver (`user.created`, `order.status_changed`, ...); none: all.
    #[oai(default)]
    #[serde(default)]
    pub types: Vec<String>,
}

impl Example for CreateWebhook {
    fn example() -> Self {
        CreateWebhook { url: "http://127.0.0.1:8080/api/v1/webhooks/inbox/lesson".into(), types: vec![] }
    }
}

/// A registered hook.
#[derive(Debug, Object, serde::Serialize)]
#[oai(rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    pub id: u64,
    pub url: String,
    /// The event types delivered; empty: all.
    pub types: Vec<String>,
    #[serde(with = "playground_domain::rfc3339")]
    pub created_at: OffsetDateTime,
    /// `active`, or `failing` once an event could not be delivered in all its attempts.
    pub state: String,
    /// Deliveries that got a 2xx answer.
    pub delivered: u64,
    /// Events dropped because the receiver fell too far behind.
    pub dropped: u64,
    /// The signing secret (`whsec_` + base64): present only in the answer that created the hook.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl From<playground_domain::webhooks::WebhookView> for Webhook {
    fn from(view: playground_domain::webhooks::WebhookView) -> Webhook {
        Webhook {
            id: view.id,
            url: view.url,
            types: view.types.iter().map(|t| t.as_str().to_owned()).collect(),
            created_at: view.created_at,
            state: view.state.as_str().to_owned(),
            delivered: view.delivered,
            dropped: view.dropped,
            secret: None,
        }
    }
}

#[derive(Debug, Object, serde::Serialize)]
#[oai(rename_all = "camelCase")]
pub struct WebhookList {
    pub items: Vec<Webhook>,
}

/// One attempt to deliver one event.
#[derive(Debug, Object, serde::Serialize)]
#[oai(rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub struct DeliveryAttempt {
    pub event_seq: u64,
    /// The `webhook-id` header: the same for every attempt at one event.
    pub message_id: String,
    /// 1 for the first attempt.
    pub attempt: u32,
    #[serde(with = "playground_domain::rfc3339")]
    pub attempted_at: OffsetDateTime,
    /// The receiver's HTTP status, when it answered.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    pub latency_ms: f64,
    /// Why the attempt failed, when it did.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl From<playground_domain::webhooks::Delivery> for DeliveryAttempt {
    fn from(d: playground_domain::webhooks::Delivery) -> DeliveryAttempt {
        DeliveryAttempt {
            event_seq: d.event_seq,
            message_id: d.message_id,
            attempt: d.attempt,
            attempted_at: d.attempted_at,
            status: d.status,
            latency_ms: d.latency_ms,
            error: d.error,
        }
    }
}

#[derive(Debug, Object, serde::Serialize)]
#[oai(rename_all = "camelCase")]
pub struct DeliveryList {
    pub items: Vec<DeliveryAttempt>,
}

#[derive(Debug, Object, serde::Serialize)]
#[oai(rename_all = "camelCase")]
pub struct Inbox {
    /// The last 100 deliveries, oldest first.
    pub items: Vec<Received>,
}

#[derive(ApiResponse)]
pub enum CreatedWebhook {
    /// The new hook with its secret, shown this once; `Location` is its deliveries log.
    #[oai(status = 201)]
    Created(JsonBody<Webhook>, #[oai(header = "Location")] String),
}

#[derive(ApiResponse)]
pub enum Taken {
    /// Taken, and its signature verified.
    #[oai(status = 204)]
    Verified,
}

fn invalid_name(name: &str) -> Option<DomainError> {
    (!valid_inbox_name(name))
        .then(|| DomainError::invalid("name", format!("{name:?}: an inbox name is 1 to 64 letters, digits, - or _")))
}

#[OpenApi(prefix_path = "/api/v1/webhooks", tag = "super::Tag::Webhooks")]
impl WebhooksApi {
    /// Register a webhook (createWebhook)
    #[oai(path = "/", method = "post")]
    async fn create_webhook(&self, request: &Request, body: JsonBody<CreateWebhook>) -> Answer<CreatedWebhook> {
        let JsonBody(CreateWebhook { url, types }) = body;
        let (view, secret) = self.gate.call(&credentials(request), Operation::CreateWebhook, |pg, caller| {
            crate::webhooks::create(pg, caller, &url, &types)
        })?;
        let location = format!("/api/v1/webhooks/{}/deliveries", view.id);
        Ok(CreatedWebhook::Created(JsonBody(Webhook { secret: Some(secret), ..view.into() }), location))
    }

    /// List your webhooks; admin sees all (listWebhooks)
    #[oai(path = "/", method = "get")]
    async fn list_webhooks(&self, request: &Request) -> Answer<JsonBody<WebhookList>> {
        let hooks = self
            .gate
            .call(&credentials(request), Operation::ListWebhooks, |pg, caller| Ok(pg.webhooks().list(caller)))?;
        Ok(JsonBody(WebhookList { items: hooks.into_iter().map(Webhook::from).collect() }))
    }

    /// Remove a webhook (deleteWebhook)
    #[oai(path = "/:id", method = "delete")]
    async fn delete_webhook(&self, request: &Request, id: Path<u64>) -> Answer<Deleted> {
        self.gate
            .call(&credentials(request), Operation::DeleteWebhook, |pg, caller| pg.webhooks().delete(caller, id.0))?;
        Ok(Deleted::NoContent)
    }

    /// Every delivery attempt of a webhook: status, latency, error (listWebhookDeliveries)
    #[oai(path = "/:id/deliveries", method = "get")]
    async fn list_webhook_deliveries(&self, request: &Request, id: Path<u64>) -> Answer<JsonBody<DeliveryList>> {
        let log = self.gate.call(&credentials(request), Operation::ListWebhookDeliveries, |pg, caller| {
            pg.webhooks().deliveries(caller, id.0)
        })?;
        Ok(JsonBody(DeliveryList { items: log.into_iter().map(DeliveryAttempt::from).collect() }))
    }

    /// The built-in receiver: take a delivery, checking its Standard Webhooks signature
    ///
    /// Answers 204 when the signature is that of a hook pointing here, else 401; either way the
    /// delivery is kept (the last 100 per inbox), so a learner sees what a forged one looks like.
    #[oai(path = "/inbox/:name", method = "post")]
    async fn receive(
        &self,
        request: &Request,
        /// 1 to 64 letters, digits, `-` or `_`.
        #[oai(validator(pattern = "^[A-Za-z0-9_-]{1,64}$"))]
        name: Path<String>,
        body: Binary<Vec<u8>>,
    ) -> Answer<Taken> {
        if let Some(invalid) = invalid_name(&name.0) {
            return Err(invalid.into());
        }
        if body.0.len() > MAX_INBOX_BODY {
            return Err(DomainError::invalid("body", format!("an inbox takes at most {MAX_INBOX_BODY} bytes")).into());
        }
        match self.inboxes.receive(&name.0, request.headers(), &body.0, self.gate.playground().webhooks()) {
            true => Ok(Taken::Verified),
            false => Err(DomainError::unauthenticated(
                "the webhook-signature does not match any hook pointing at this inbox (or its timestamp is stale)",
            )
            .into()),
        }
    }

    /// What an inbox received, oldest first (any credential)
    #[oai(path = "/inbox/:name", method = "get")]
    async fn read_inbox(
        &self,
        request: &Request,
        /// 1 to 64 letters, digits, `-` or `_`.
        #[oai(validator(pattern = "^[A-Za-z0-9_-]{1,64}$"))]
        name: Path<String>,
    ) -> Answer<JsonBody<Inbox>> {
        if let Some(invalid) = invalid_name(&name.0) {
            return Err(invalid.into());
        }
        self.gate.session(&credentials(request))?;
        let items = self.inboxes.read(&name.0);
        Ok(JsonBody(Inbox { items }))
    }
}
