//! `GetEvents`: SOAP has no push, so it polls, as REST does, after the last seq seen.

use playground_domain::{DomainError, EventType, Operation, Order, User};

use super::envelope::Element;
use super::xml::element;
use super::{optional_number, Call, NAMESPACE};

/// The default number of events one poll returns.
const DEFAULT_LIMIT: usize = 100;

pub fn get(call: Call<'_>, request: &Element) -> Result<String, DomainError> {
    let after = optional_number(request, "After")?.unwrap_or(0);
    let limit = optional_number(request, "Limit")?.unwrap_or(DEFAULT_LIMIT);
    let page = call.run(Operation::GetEvents, |pg, caller| pg.events_after(caller, after, limit))?;
    let mut out = format!("<GetEventsResponse xmlns=\"{NAMESPACE}\"><Events>");
    for event in &page.items {
        out.push_str("<Event>");
        element(&mut out, "Seq", &event.seq.to_string());
        element(&mut out, "Type", event.event_type.as_str());
        element(&mut out, "OccurredAt", &super::xs_date_time(event.occurred_at));
        // The entity after the change, as the same element its own operations answer with.
        match event.event_type {
            EventType::UserCreated | EventType::UserUpdated | EventType::UserDeleted => {
                if let Ok(user) = serde_json::from_value::<User>(event.data.clone()) {
                    super::users::write_user(&mut out, &user);
                }
            }
            EventType::OrderCreated | EventType::OrderStatusChanged | EventType::OrderDeleted => {
                if let Ok(order) = serde_json::from_value::<Order>(event.data.clone()) {
                    super::orders::write_order(&mut out, &order);
                }
            }
        }
        out.push_str("</Event>");
    }
    out.push_str("</Events>");
    element(&mut out, "NextAfter", &page.next_after.to_string());
    element(&mut out, "Gap", if page.gap { "true" } else { "false" });
    out.push_str("</GetEventsResponse>");
    Ok(out)
}
