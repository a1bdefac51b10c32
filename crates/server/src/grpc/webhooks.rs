//! `playground.v1.WebhookService`: register, list and remove hooks, and read their delivery
//! attempts, as unary RPCs.

use std::sync::Arc;

use playground_domain::Operation;
use tonic::{Request, Response, Status};

use super::events::{type_from_proto, type_to_proto};
use super::pb::webhook_service_server::WebhookService;
use super::pb::{
    CreateWebhookRequest, CreateWebhookResponse, DeleteWebhookRequest, ListWebhookDeliveriesRequest,
    ListWebhookDeliveriesResponse, ListWebhooksRequest, ListWebhooksResponse, Webhook, WebhookDelivery,
};
use super::{credentials, error::status, timestamp};
use crate::gate::Gate;

pub struct WebhookApi {
    pub gate: Arc<Gate>,
}

fn to_proto(view: playground_domain::webhooks::WebhookView) -> Webhook {
    Webhook {
        id: view.id,
        url: view.url,
        types: view.types.into_iter().map(|t| type_to_proto(t) as i32).collect(),
        created_at: Some(timestamp(view.created_at)),
        state: view.state.as_str().to_owned(),
        delivered: view.delivered,
        dropped: view.dropped,
    }
}

#[tonic::async_trait]
impl WebhookService for WebhookApi {
    async fn create_webhook(
        &self,
        request: Request<CreateWebhookRequest>,
    ) -> Result<Response<CreateWebhookResponse>, Status> {
        let credentials = credentials(&request);
        let CreateWebhookRequest { url, types } = request.into_inner();
        let types = types
            .into_iter()
            .map(|t| type_from_proto(t).map(|t| t.as_str().to_owned()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(status)?;
        let (view, secret) = self
            .gate
            .call(&credentials, Operation::CreateWebhook, |pg, caller| {
                crate::webhooks::create(pg, caller, &url, &types)
            })
            .map_err(status)?;
        Ok(Response::new(CreateWebhookResponse { webhook: Some(to_proto(view)), secret }))
    }

    async fn list_webhooks(
        &self,
        request: Request<ListWebhooksRequest>,
    ) -> Result<Response<ListWebhooksResponse>, Status> {
        let hooks = self
            .gate
            .call(&credentials(&request), Operation::ListWebhooks, |pg, caller| Ok(pg.webhooks().list(caller)))
            .map_err(status)?;
        Ok(Response::new(ListWebhooksResponse { webhooks: hooks.into_iter().map(to_proto).collect() }))
    }

    async fn delete_webhook(&self, request: Request<DeleteWebhookRequest>) -> Result<Response<()>, Status> {
        let credentials = credentials(&request);
        let id = request.get_ref().id;
        self.gate
            .call(&credentials, Operation::DeleteWebhook, |pg, caller| pg.webhooks().delete(caller, id))
            .map_err(status)?;
        Ok(Response::new(()))
    }

    async fn list_webhook_deliveries(
        &self,
        request: Request<ListWebhookDeliveriesRequest>,
    ) -> Result<Response<ListWebhookDeliveriesResponse>, Status> {
        let credentials = credentials(&request);
        let id = request.get_ref().id;
        let log = self
            .gate
            .call(&credentials, Operation::ListWebhookDeliveries, |pg, caller| pg.webhooks().deliveries(caller, id))
            .map_err(status)?;
        let deliveries = log
            .into_iter()
            .map(|d| WebhookDelivery {
                event_seq: d.event_seq,
                message_id: d.message_id,
                attempt: d.attempt,
                attempted_at: Some(timestamp(d.attempted_at)),
                status: d.status.map(u32::from),
                latency_ms: d.latency_ms,
                error: d.error,
            })
            .collect();
        Ok(Response::new(ListWebhookDeliveriesResponse { deliveries }))
    }
}
