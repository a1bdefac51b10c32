//! The catalogue as SOAP calls: `ListProducts`, `GetProduct`.

use playground_domain::{DomainError, Operation, PageRequest, Product};

use super::envelope::Element;
use super::xml::element;
use super::{optional_number, optional_text, required_number, Call, NAMESPACE};

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

pub fn list(call: Call<'_>, request: &Element) -> Result<String, DomainError> {
    let limit = optional_number(request, "Limit")?;
    let cursor = optional_text(request, "Cursor");
    let page = call
        .run(Operation::ListProducts, |pg, caller| Ok(pg.list_products(caller, PageRequest::parse(limit, cursor)?)))?;
    let mut out = format!("<ListProductsResponse xmlns=\"{NAMESPACE}\"><Products>");
    for product in &page.items {
        write_product(&mut out, product);
    }
    out.push_str("</Products>");
    if let Some(next) = &page.next_cursor {
        element(&mut out, "NextCursor", next);
    }
    out.push_str("</ListProductsResponse>");
    Ok(out)
}

pub fn get(call: Call<'_>, request: &Element) -> Result<String, DomainError> {
    let id = required_number(request, "Id")?;
    let product = call.run(Operation::GetProduct, |pg, caller| pg.get_product(caller, id))?;
    let mut out = format!("<GetProductResponse xmlns=\"{NAMESPACE}\">");
    write_product(&mut out, &product);
    out.push_str("</GetProductResponse>");
    Ok(out)
}
