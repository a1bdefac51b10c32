//! Webhooks in GraphQL: the `webhooks` and `webhookDeliveries` queries, and the `createWebhook`
//! and `deleteWebhook` mutations, through the same gate as every other face.

use async_graphql::{Context, InputObject, Object, Result, SimpleObject, ID};
use playground_domain::Operation;

use super::events::EventType;
use super::{call, parse_id, rfc3339};

/// A registered hook: events are POSTed to its URL, signed with its secret.
#[derive(SimpleObject)]
pub struct Webhook {
    pub id: ID,
    pub url: String,
    /// The event types delivered; empty: all.
    pub types: Vec<EventType>,
    /// RFC 3339.
    pub created_at: String,
    /// `active`, or `failing` once an event could not be delivered in all its attempts.
    pub state: String,
    /// Deliveries that got a 2xx answer.
    pub delivered: u64,
    /// Events dropped because the receiver fell too far behind.
    pub dropped: u64,
}

impl From<playground_domain::webhooks::WebhookView> for Webhook {
    fn from(view: playground_domain::webhooks::WebhookView) -> Webhook {
        Webhook {
            id: ID(view.id.to_string()),
            url: view.url,
            types: view.types.into_iter().map(EventType::from).collect(),
            created_at: rfc3339(view.created_at),
            state: view.state.as_str().to_owned(),
            delivered: view.delivered,
            dropped: view.dropped,
        }
    }
}

/// A new hook and its signing secret (`whsec_` + base64), shown this once.
#[derive(SimpleObject)]
pub struct CreatedWebhook {
    pub webhook: Webhook,
    pub secret: String,
}

/// One attempt to deliver one event.
#[derive(SimpleObject)]
pub struct WebhookDelivery {
    /// The event's seq (a decimal string).
    pub event_seq: ID,
    /// The `webhook-id` header: the same for every attempt at one event.
    pub message_id: String,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// RFC 3339.
    pub attempted_at: String,
    /// The receiver's HTTP status, when it answered.
    pub status: Option<u16>,
    pub latency_ms: f64,
    /// Why the attempt failed, when it did.
    pub error: Option<String>,
}

/// Where to deliver (an `http://` URL on a loopback address, or one `[webhooks] allow` lists;
/// at most 2048 bytes), and which event types (none: all).
#[derive(InputObject)]
pub struct CreateWebhookInput {
    pub url: String,
    #[graphql(default)]
    pub types: Vec<EventType>,
}

#[derive(Default)]
pub struct WebhookQuery;

#[Object]
impl WebhookQuery {
    /// Your webhooks; admin sees all (listWebhooks).
    async fn webhooks(&self, ctx: &Context<'_>) -> Result<Vec<Webhook>> {
        let hooks = call(ctx, Operation::ListWebhooks, |pg, caller| Ok(pg.webhooks().list(caller)))?;
        Ok(hooks.into_iter().map(Webhook::from).collect())
    }

    /// Every delivery attempt of one of your webhooks (listWebhookDeliveries).
    async fn webhook_deliveries(&self, ctx: &Context<'_>, id: ID) -> Result<Vec<WebhookDelivery>> {
        let log =
            call(ctx, Operation::ListWebhookDeliveries, |pg, caller| pg.webhooks().deliveries(caller, parse_id(&id)?))?;
        Ok(log
            .into_iter()
            .map(|d| WebhookDelivery {
                event_seq: ID(d.event_seq.to_string()),
                message_id: d.message_id,
                attempt: d.attempt,
                attempted_at: rfc3339(d.attempted_at),
                status: d.status,
                latency_ms: d.latency_ms,
                error: d.error,
            })
            .collect())
    }
}

#[derive(Default)]
pub struct WebhookMutation;

#[Object]
impl WebhookMutation {
    /// Register a webhook (createWebhook); the answer carries its secret, this once.
    async fn create_webhook(&self, ctx: &Context<'_>, input: CreateWebhookInput) -> Result<CreatedWebhook> {
        let types: Vec<String> =
            input.types.into_iter().map(|t| playground_domain::EventType::from(t).as_str().to_owned()).collect();
        let (view, secret) =
            call(ctx, Operation::CreateWebhook, |pg, caller| crate::webhooks::create(pg, caller, &input.url, &types))?;
        Ok(CreatedWebhook { webhook: view.into(), secret })
    }

    /// Remove one of your webhooks (deleteWebhook): true once it is gone.
    async fn delete_webhook(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        call(ctx, Operation::DeleteWebhook, |pg, caller| pg.webhooks().delete(caller, parse_id(&id)?))?;
        Ok(true)
    }
}
