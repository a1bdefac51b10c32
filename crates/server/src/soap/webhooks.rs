//! `CreateWebhook`, `ListWebhooks`, `DeleteWebhook` and `ListWebhookDeliveries`: the webhook
//! registry as SOAP operations.

use playground_domain::webhooks::WebhookView;
use playground_domain::{DomainError, Operation};

use super::envelope::Element;
use super::xml::element;
use super::{only_children, required_number, required_text, Call, NAMESPACE};

fn write_webhook(out: &mut String, hook: &WebhookView) {
    out.push_str("<Webhook>");
    element(out, "Id", &hook.id.to_string());
    element(out, "Url", &hook.url);
    out.push_str("<Types>");
    for event_type in &hook.types {
        element(out, "Type", event_type.as_str());
    }
    out.push_str("</Types>");
    element(out, "CreatedAt", &super::xs_date_time(hook.created_at));
    element(out, "State", hook.state.as_str());
    element(out, "Delivered", &hook.delivered.to_string());
    element(out, "Dropped", &hook.dropped.to_string());
    out.push_str("</Webhook>");
}

/// `<Url/>` and optional `<Types><Type>user.created</Type>...</Types>`.
pub fn create(call: Call<'_>, request: &Element) -> Result<String, DomainError> {
    let url = required_text(request, "Url")?;
    let types: Vec<String> = match request.child("Types") {
        Some(types) => {
            only_children(types, &["Type"])?;
            types.children.iter().map(|t| t.text.trim().to_owned()).collect()
        }
        None => Vec::new(),
    };
    let (hook, secret) =
        call.run(Operation::CreateWebhook, |pg, caller| crate::webhooks::create(pg, caller, url, &types))?;
    let mut out = format!("<CreateWebhookResponse xmlns=\"{NAMESPACE}\">");
    write_webhook(&mut out, &hook);
    element(&mut out, "Secret", &secret);
    out.push_str("</CreateWebhookResponse>");
    Ok(out)
}

pub fn list(call: Call<'_>, _request: &Element) -> Result<String, DomainError> {
    let hooks = call.run(Operation::ListWebhooks, |pg, caller| Ok(pg.webhooks().list(caller)))?;
    let mut out = format!("<ListWebhooksResponse xmlns=\"{NAMESPACE}\"><Webhooks>");
    for hook in &hooks {
        write_webhook(&mut out, hook);
    }
    out.push_str("</Webhooks></ListWebhooksResponse>");
    Ok(out)
}

pub fn delete(call: Call<'_>, request: &Element) -> Result<String, DomainError> {
    let id = required_number(request, "Id")?;
    call.run(Operation::DeleteWebhook, |pg, caller| pg.webhooks().delete(caller, id))?;
    Ok(format!("<DeleteWebhookResponse xmlns=\"{NAMESPACE}\"/>"))
}

pub fn deliveries(call: Call<'_>, request: &Element) -> Result<String, DomainError> {
    let id = required_number(request, "Id")?;
    let log = call.run(Operation::ListWebhookDeliveries, |pg, caller| pg.webhooks().deliveries(caller, id))?;
    let mut out = format!("<ListWebhookDeliveriesResponse xmlns=\"{NAMESPACE}\"><Deliveries>");
    for attempt in &log {
        out.push_str("<Delivery>");
        element(&mut out, "EventSeq", &attempt.event_seq.to_string());
        element(&mut out, "MessageId", &attempt.message_id);
        element(&mut out, "Attempt", &attempt.attempt.to_string());
        element(&mut out, "AttemptedAt", &super::xs_date_time(attempt.attempted_at));
        if let Some(status) = attempt.status {
            element(&mut out, "Status", &status.to_string());
        }
        element(&mut out, "LatencyMs", &format!("{:.3}", attempt.latency_ms));
        if let Some(error) = &attempt.error {
            element(&mut out, "Error", error);
        }
        out.push_str("</Delivery>");
    }
    out.push_str("</Deliveries></ListWebhookDeliveriesResponse>");
    Ok(out)
}
