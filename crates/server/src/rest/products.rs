//! `/api/v1/products`: the catalogue, read-only.

use playground_domain::{Operation, PageRequest};
use poem::Request;
use poem_openapi::param::Query;
use poem_openapi::{Object, OpenApi};

use super::caching::{cached, Cached, PUBLIC};
use super::paths::Path;
use super::{credentials, Answer, ProductsApi};

/// Something an order can hold.
#[derive(Debug, Object, serde::Serialize)]
#[oai(rename_all = "camelCase", example)]
#[serde(rename_all = "camelCase")]
pub struct Product {
    pub id: u64,
    /// Unique stock-keeping unit.
    pub sku: String,
    pub name: String,
    /// Price in the smallest unit of the currency.
    pub price_cents: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// Units on hand.
    pub stock: u32,
}

impl From<playground_domain::Product> for Product {
    fn from(
        playground_domain::Product { id, sku, name, price_cents, currency, stock }: playground_domain::Product,
    ) -> Self {
        Product { id, sku, name, price_cents, currency: currency.as_str().to_owned(), stock }
    }
}

/// A page of products; pass `nextCursor` as `cursor` to get the next one.
#[derive(Debug, Object, serde::Serialize)]
#[oai(rename_all = "camelCase", example)]
#[serde(rename_all = "camelCase")]
pub struct ProductPage {
    pub items: Vec<Product>,
    /// Absent on the last page: `null`.
    #[oai(nullable)]
    pub next_cursor: Option<String>,
}

#[OpenApi(prefix_path = "/api/v1/products", tag = "super::Tag::Products")]
impl ProductsApi {
    /// List products (listProducts)
    #[oai(path = "/", method = "get")]
    async fn list_products(
        &self,
        request: &Request,
        /// Page size, 1 to 100 (default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u32>>,
        /// The `nextCursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Answer<Cached<ProductPage>> {
        let page = self.gate.call(&credentials(request), Operation::ListProducts, |pg, caller| {
            Ok(pg.list_products(caller, PageRequest::parse(limit.0, cursor.0.as_deref())?))
        })?;
        let page =
            ProductPage { items: page.items.into_iter().map(Product::from).collect(), next_cursor: page.next_cursor };
        let next = super::json::next_page_url(request, page.next_cursor.as_deref());
        Ok(cached(request, &page, PUBLIC).with_next(next))
    }

    /// Get one product (getProduct)
    #[oai(path = "/:id", method = "get")]
    async fn get_product(&self, request: &Request, id: Path<u64>) -> Answer<Cached<Product>> {
        let product =
            self.gate.call(&credentials(request), Operation::GetProduct, |pg, caller| pg.get_product(caller, id.0))?;
        Ok(cached(request, &Product::from(product), PUBLIC))
    }
}
