//! The catalogue in the graph: `products`, `product(id)`.

use async_graphql::{Context, Object, Result, SimpleObject, ID};
use playground_domain::{Operation, PageRequest};

use super::{call, nullable, parse_id, PageInfo};

/// Something an order can hold.
#[derive(SimpleObject)]
pub struct Product {
    pub id: ID,
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
        Product { id: ID(id.to_string()), sku, name, price_cents, currency: currency.as_str().to_owned(), stock }
    }
}

#[derive(SimpleObject)]
pub struct ProductEdge {
    pub cursor: String,
    pub node: Product,
}

/// A Relay connection over products.
#[derive(SimpleObject)]
pub struct ProductConnection {
    pub edges: Vec<ProductEdge>,
    pub page_info: PageInfo,
    pub total_count: i32,
}

#[derive(Default)]
pub struct ProductQuery;

#[Object]
impl ProductQuery {
    /// A page of products in id order (listProducts).
    #[graphql(complexity = "super::page_weight(first) * child_complexity")]
    async fn products(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "The endCursor of the previous page.")] after: Option<String>,
    ) -> Result<ProductConnection> {
        let page = call(ctx, Operation::ListProducts, |pg, caller| {
            let first = first.map(|n| u32::try_from(n).unwrap_or(0));
            Ok(pg.list_products(caller, PageRequest::parse(first, after.as_deref())?))
        })?;
        let edges: Vec<ProductEdge> = page
            .items
            .into_iter()
            .map(|product| ProductEdge {
                cursor: playground_domain::page::encode_cursor(product.id),
                node: product.into(),
            })
            .collect();
        Ok(ProductConnection {
            page_info: PageInfo::new(after.is_some(), edges.first().map(|e| e.cursor.clone()), page.next_cursor),
            total_count: i32::try_from(page.total).unwrap_or(i32::MAX),
            edges,
        })
    }

    /// One product, or null with a NOT_FOUND error (getProduct).
    async fn product(&self, ctx: &Context<'_>, id: ID) -> Option<Product> {
        let product = call(ctx, Operation::GetProduct, |pg, caller| pg.get_product(caller, parse_id(&id)?));
        nullable(ctx, product).map(Into::into)
    }
}
