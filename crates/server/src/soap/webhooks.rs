//! `CreateWebhook`, `ListWebhooks`, `DeleteWebhook` and `ListWebhookDeliveries`: the webhook
//! registry as SOAP operations.

use playground_domain::webhooks::WebhookView;
use playground_domain::{DomainError, Operation};

use super::envelope::Element;
use super::xml::{close_response, element, empty_response, open_response};
use super::{only_children, required_number, required_text, Call};

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
pub fn create(call: Call<'_>, request: &Element, out: &mut String) -> Result<(), DomainError> {
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
    open_response(out, "CreateWebhook");
    write_webhook(out, &hook);
    element(out, "Secret", &secret);
    close_response(out, "CreateWebhook");
    Ok(())
}

pub fn list(call: Call<'_>, _request: &Element, out: &mut String) -> Result<(), DomainError> {
    let hooks = call.run(Operation::ListWebhooks, |pg, caller| Ok(pg.webhooks().list(caller)))?;
    open_response(out, "ListWebhooks");
    out.push_str("<Webhooks>");
    for hook in &hooks {
        write_webhook(out, hook);
    }
    out.push_str("</Webhooks>");
    close_response(out, "ListWebhooks");
    Ok(())
}

pub fn delete(call: Call<'_>, request: &Element, out: &mut String) -> Result<(), DomainError> {
    let id = required_number(request, "Id")?;
    call.run(Operation::DeleteWebhook, |pg, caller| pg.webhooks().delete(caller, id))?;
    empty_response(out, "DeleteWebhook");
    Ok(())
}

pub fn deliveries(call: Call<'_>, request: &Element, out: &mut String) -> Result<(), DomainError> {
    let id = required_number(request, "Id")?;
    let log = call.run(Operation::ListWebhookDeliveries, |pg, caller| pg.webhooks().deliveries(caller, id))?;
    open_response(out, "ListWebhookDeliveries");
    out.push_str("<Deliveries>");
    for attempt in &log {
        out.push_str("<Delivery>");
        element(out, "EventSeq", &attempt.event_seq.to_string());
        element(out, "MessageId", &attempt.message_id);
        element(out, "Attempt", &attempt.attempt.to_string());
        element(out, "AttemptedAt", &super::xs_date_time(attempt.attempted_at));
        if let Some(status) = attempt.status {
            element(out, "Status", &status.to_string());
        }
        element(out, "LatencyMs", &format!("{:.3}", attempt.latency_ms));
        if let Some(error) = &attempt.error {
            element(out, "Error", error);
        }
        out.push_str("</Delivery>");
    }
    out.push_str("</Deliveries>");
    close_response(out, "ListWebhookDeliveries");
    Ok(())
}
