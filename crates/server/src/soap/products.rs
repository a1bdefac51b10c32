//! The catalogue as SOAP calls: `ListProducts`, `GetProduct`.

use playground_domain::{DomainError, Operation, PageRequest, Product};

use super::envelope::Element;
use super::xml::{close_response, element, open_response};
use super::{optional_number, optional_text, required_number, Call};

fn write_product(out: &mut String, product: &Product) {
    out.push_str("<Product>");
    element(out, "Id", &product.id.to_string());
    element(out, "Sku", &product.sku);
    element(out, "Name", &product.name);
    element(out, "PriceCents", &product.price_cents.to_string());
    element(out, "Currency", product.currency.as_str());
    element(out, "Stock", &product.stock.to_string());
    out.push_str("</Product>");
}

pub fn list(call: Call<'_>, request: &Element, out: &mut String) -> Result<(), DomainError> {
    let limit = optional_number(request, "Limit")?;
    let cursor = optional_text(request, "Cursor");
    let page = call
        .run(Operation::ListProducts, |pg, caller| Ok(pg.list_products(caller, PageRequest::parse(limit, cursor)?)))?;
    open_response(out, "ListProducts");
    out.push_str("<Products>");
    for product in &page.items {
        write_product(out, product);
    }
    out.push_str("</Products>");
    if let Some(next) = &page.next_cursor {
        element(out, "NextCursor", next);
    }
    close_response(out, "ListProducts");
    Ok(())
}

pub fn get(call: Call<'_>, request: &Element, out: &mut String) -> Result<(), DomainError> {
    let id = required_number(request, "Id")?;
    let product = call.run(Operation::GetProduct, |pg, caller| pg.get_product(caller, id))?;
    open_response(out, "GetProduct");
    write_product(out, &product);
    close_response(out, "GetProduct");
    Ok(())
}
