//! `GetEvents`: SOAP has no push, so it polls, as REST does, after the last seq seen.

use playground_domain::{DomainError, EventType, Operation, Order, User};

use super::envelope::Element;
use super::xml::{close_response, element, open_response};
use super::{optional_number, Call};

/// The default number of events one poll returns.
const DEFAULT_LIMIT: usize = 100;

pub fn get(call: Call<'_>, request: &Element, out: &mut String) -> Result<(), DomainError> {
    let after = optional_number(request, "After")?.unwrap_or(0);
    let limit = optional_number(request, "Limit")?.unwrap_or(DEFAULT_LIMIT);
    let page = call.run(Operation::GetEvents, |pg, caller| pg.events_after(caller, after, limit))?;
    open_response(out, "GetEvents");
    out.push_str("<Events>");
    for event in &page.items {
        out.push_str("<Event>");
        element(out, "Seq", &event.seq.to_string());
        element(out, "Type", event.event_type.as_str());
        element(out, "OccurredAt", &super::xs_date_time(event.occurred_at));
        // The entity after the change, as the same element its own operations answer with.
        match event.event_type {
            EventType::UserCreated | EventType::UserUpdated | EventType::UserDeleted => {
                if let Ok(user) = serde_json::from_value::<User>(event.data.clone()) {
                    super::users::write_user(out, &user);
                }
            }
            EventType::OrderCreated | EventType::OrderStatusChanged | EventType::OrderDeleted => {
                if let Ok(order) = serde_json::from_value::<Order>(event.data.clone()) {
                    super::orders::write_order(out, &order);
                }
            }
        }
        out.push_str("</Event>");
    }
    out.push_str("</Events>");
    element(out, "NextAfter", &page.next_after.to_string());
    element(out, "Gap", if page.gap { "true" } else { "false" });
    close_response(out, "GetEvents");
    Ok(())
}
