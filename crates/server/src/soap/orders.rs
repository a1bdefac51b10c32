//! Orders as SOAP calls: `ListUserOrders`, `GetOrder`, `CreateOrder`, `UpdateOrderStatus`,
//! `DeleteOrder`. Status values are the REST ones (`pending`, `paid`, ...).

use playground_domain::{DomainError, NewOrder, NewOrderItem, Operation, Order, OrderStatus, PageRequest};

use super::envelope::Element;
use super::xml::{close_response, element, empty_response, open_response};
use super::{only_children, optional_number, optional_text, required_number, required_text, Call};

pub fn write_order(out: &mut String, order: &Order) {
    out.push_str("<Order>");
    element(out, "Id", &order.id.to_string());
    element(out, "UserId", &order.user_id.to_string());
    out.push_str("<Items>");
    for item in &order.items {
        out.push_str("<Item>");
        element(out, "ProductId", &item.product_id.to_string());
        element(out, "Quantity", &item.quantity.to_string());
        element(out, "UnitPriceCents", &item.unit_price_cents.to_string());
        out.push_str("</Item>");
    }
    out.push_str("</Items>");
    element(out, "TotalCents", &order.total_cents.to_string());
    element(out, "Currency", order.currency.as_str());
    element(out, "Status", order.status.as_str());
    element(out, "CreatedAt", &super::xs_date_time(order.created_at));
    element(out, "UpdatedAt", &super::xs_date_time(order.updated_at));
    out.push_str("</Order>");
}

fn order_response(out: &mut String, operation: &str, order: &Order) -> Result<(), DomainError> {
    open_response(out, operation);
    write_order(out, order);
    close_response(out, operation);
    Ok(())
}

pub fn list_by_user(call: Call<'_>, request: &Element, out: &mut String) -> Result<(), DomainError> {
    let user_id = required_number(request, "UserId")?;
    let status = optional_text(request, "Status").map(OrderStatus::parse).transpose()?;
    let limit = optional_number(request, "Limit")?;
    let cursor = optional_text(request, "Cursor");
    let page = call.run(Operation::ListUserOrders, |pg, caller| {
        pg.list_user_orders(caller, user_id, status, PageRequest::parse(limit, cursor)?)
    })?;
    open_response(out, "ListUserOrders");
    out.push_str("<Orders>");
    for order in &page.items {
        write_order(out, order);
    }
    out.push_str("</Orders>");
    if let Some(next) = &page.next_cursor {
        element(out, "NextCursor", next);
    }
    close_response(out, "ListUserOrders");
    Ok(())
}

pub fn get(call: Call<'_>, request: &Element, out: &mut String) -> Result<(), DomainError> {
    let id = required_number(request, "Id")?;
    let order = call.run(Operation::GetOrder, |pg, caller| pg.get_order(caller, id))?;
    order_response(out, "GetOrder", &order)
}

/// `<Items><Item><ProductId/><Quantity/></Item>...</Items>`
fn items(request: &Element) -> Result<Vec<NewOrderItem>, DomainError> {
    let items = request
        .child("Items")
        .ok_or_else(|| DomainError::invalid("Items", "element Items is missing from CreateOrder"))?;
    only_children(items, &["Item"])?;
    items
        .children
        .iter()
        .map(|item| {
            only_children(item, &["ProductId", "Quantity"])?;
            Ok(NewOrderItem {
                product_id: required_number(item, "ProductId")?,
                quantity: required_number(item, "Quantity")?,
            })
        })
        .collect()
}

pub fn create(call: Call<'_>, request: &Element, out: &mut String) -> Result<(), DomainError> {
    let user_id = required_number(request, "UserId")?;
    let new = NewOrder::parse(items(request)?)?;
    let order = call.run(Operation::CreateOrder, |pg, caller| pg.create_order(caller, user_id, new))?;
    order_response(out, "CreateOrder", &order)
}

pub fn update_status(call: Call<'_>, request: &Element, out: &mut String) -> Result<(), DomainError> {
    let id = required_number(request, "Id")?;
    let status = OrderStatus::parse(required_text(request, "Status")?)?;
    let order = call.run(Operation::UpdateOrderStatus, |pg, caller| pg.update_order_status(caller, id, status))?;
    order_response(out, "UpdateOrderStatus", &order)
}

pub fn delete(call: Call<'_>, request: &Element, out: &mut String) -> Result<(), DomainError> {
    let id = required_number(request, "Id")?;
    call.run(Operation::DeleteOrder, |pg, caller| pg.delete_order(caller, id))?;
    empty_response(out, "DeleteOrder");
    Ok(())
}
