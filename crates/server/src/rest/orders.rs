//! `/api/v1/orders` and `/api/v1/users/{id}/orders`: placing orders, moving them along their
//! status machine, and deleting them.

use playground_domain::{DomainError, NewOrder, NewOrderItem, Operation, PageRequest};
use poem::Request;
use poem_openapi::param::Query;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use time::OffsetDateTime;

use super::caching::{cached, if_match, Cached, PRIVATE};
use super::json::{next_page_url, JsonBody, Paged};
use super::paths::Path;
use super::{credentials, Answer, Deleted, OrdersApi};

/// Where an order is: pending → paid → shipped → delivered, or cancelled from pending or paid.
#[derive(Debug, Clone, Copy, Enum, serde::Serialize, serde::Deserialize)]
#[oai(rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum OrderStatus {
    Pending,
    Paid,
    Shipped,
    Delivered,
    Cancelled,
}

impl From<OrderStatus> for playground_domain::OrderStatus {
    fn from(status: OrderStatus) -> Self {
        match status {
            OrderStatus::Pending => playground_domain::OrderStatus::Pending,
            OrderStatus::Paid => playground_domain::OrderStatus::Paid,
            OrderStatus::Shipped => playground_domain::OrderStatus::Shipped,
            OrderStatus::Delivered => playground_domain::OrderStatus::Delivered,
            OrderStatus::Cancelled => playground_domain::OrderStatus::Cancelled,
        }
    }
}

impl From<playground_domain::OrderStatus> for OrderStatus {
    fn from(status: playground_domain::OrderStatus) -> Self {
        match status {
            playground_domain::OrderStatus::Pending => OrderStatus::Pending,
            playground_domain::OrderStatus::Paid => OrderStatus::Paid,
            playground_domain::OrderStatus::Shipped => OrderStatus::Shipped,
            playground_domain::OrderStatus::Delivered => OrderStatus::Delivered,
            playground_domain::OrderStatus::Cancelled => OrderStatus::Cancelled,
        }
    }
}

/// One line of an order, priced when the order was placed.
#[derive(Debug, Object, serde::Serialize)]
#[oai(rename_all = "camelCase", example)]
#[serde(rename_all = "camelCase")]
pub struct OrderItem {
    pub product_id: u64,
    pub quantity: u32,
    pub unit_price_cents: i64,
}

/// A user's order.
#[derive(Debug, Object, serde::Serialize)]
#[oai(rename_all = "camelCase", example)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub id: u64,
    pub user_id: u64,
    pub items: Vec<OrderItem>,
    pub total_cents: i64,
    /// ISO 4217 code shared by every item.
    pub currency: String,
    pub status: OrderStatus,
    #[serde(with = "playground_domain::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "playground_domain::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<playground_domain::Order> for Order {
    fn from(order: playground_domain::Order) -> Self {
        let playground_domain::Order { id, user_id, items, total_cents, currency, status, created_at, updated_at } =
            order;
        Order {
            id,
            user_id,
            items: items
                .into_iter()
                .map(|playground_domain::OrderItem { product_id, quantity, unit_price_cents }| OrderItem {
                    product_id,
                    quantity,
                    unit_price_cents,
                })
                .collect(),
            total_cents,
            currency: currency.as_str().to_owned(),
            status: status.into(),
            created_at,
            updated_at,
        }
    }
}

/// A page of orders; pass `nextCursor` as `cursor` to get the next one.
#[derive(Debug, Object, serde::Serialize)]
#[oai(rename_all = "camelCase", example)]
#[serde(rename_all = "camelCase")]
pub struct OrderPage {
    pub items: Vec<Order>,
    /// Absent on the last page: `null`.
    #[oai(nullable)]
    pub next_cursor: Option<String>,
}

/// What to order: a product and how many (1 to 1000).
#[derive(Debug, Object, serde::Deserialize)]
#[oai(rename_all = "camelCase", example)]
#[serde(rename_all = "camelCase")]
pub struct NewItem {
    pub product_id: u64,
    /// 1 to 1000.
    #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
    pub quantity: u32,
}

/// 1 to 50 items, all in one currency.
#[derive(Debug, Object, serde::Deserialize)]
#[oai(rename_all = "camelCase", example)]
#[serde(rename_all = "camelCase")]
pub struct CreateOrder {
    #[oai(validator(min_items = 1, max_items = 50))]
    pub items: Vec<NewItem>,
}

#[derive(Debug, Object, serde::Deserialize)]
#[oai(example)]
pub struct UpdateOrderStatus {
    pub status: OrderStatus,
}

#[derive(ApiResponse)]
pub enum CreatedOrder {
    /// The new order, pending; `Location` is its URL.
    #[oai(status = 201)]
    Created(JsonBody<Order>, #[oai(header = "Location")] String),
}

fn new_order(body: &CreateOrder) -> Result<NewOrder, DomainError> {
    NewOrder::parse(
        body.items.iter().map(|item| NewOrderItem { product_id: item.product_id, quantity: item.quantity }).collect(),
    )
}

#[OpenApi(prefix_path = "/api/v1", tag = "super::Tag::Orders")]
impl OrdersApi {
    /// List a user's orders, optionally of one status (listUserOrders)
    #[oai(path = "/users/:id/orders", method = "get")]
    async fn list_user_orders(
        &self,
        request: &Request,
        id: Path<u64>,
        /// Only orders in this status.
        status: Query<Option<OrderStatus>>,
        /// Page size, 1 to 100 (default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u32>>,
        /// The `nextCursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Answer<Paged<OrderPage>> {
        let page = self.gate.call(&credentials(request), Operation::ListUserOrders, |pg, caller| {
            let page = PageRequest::parse(limit.0, cursor.0.as_deref())?;
            pg.list_user_orders(caller, id.0, status.0.map(Into::into), page)
        })?;
        let next = next_page_url(request, page.next_cursor.as_deref());
        let page =
            OrderPage { items: page.items.into_iter().map(Order::from).collect(), next_cursor: page.next_cursor };
        Ok(Paged { page, next })
    }

    /// Place an order for a user; it takes stock (createOrder)
    #[oai(path = "/users/:id/orders", method = "post")]
    async fn create_order(
        &self,
        request: &Request,
        id: Path<u64>,
        body: JsonBody<CreateOrder>,
    ) -> Answer<CreatedOrder> {
        let order = self.gate.call(&credentials(request), Operation::CreateOrder, |pg, caller| {
            pg.create_order(caller, id.0, new_order(&body.0)?)
        })?;
        let location = format!("/api/v1/orders/{}", order.id);
        Ok(CreatedOrder::Created(JsonBody(order.into()), location))
    }

    /// Get one order (getOrder)
    #[oai(path = "/orders/:id", method = "get")]
    async fn get_order(&self, request: &Request, id: Path<u64>) -> Answer<Cached<Order>> {
        let order =
            self.gate.call(&credentials(request), Operation::GetOrder, |pg, caller| pg.get_order(caller, id.0))?;
        Ok(cached(request, &Order::from(order), PRIVATE))
    }

    /// Move an order to its next status (updateOrderStatus)
    #[oai(path = "/orders/:id", method = "patch")]
    async fn update_order_status(
        &self,
        request: &Request,
        id: Path<u64>,
        body: JsonBody<UpdateOrderStatus>,
    ) -> Answer<JsonBody<Order>> {
        let order = self.gate.call(&credentials(request), Operation::UpdateOrderStatus, |pg, caller| {
            let current_matches = if_match::<Order>(request);
            pg.update_order_status_if(caller, id.0, body.0.status.into(), |current| {
                current_matches(&Order::from(current.clone()))
            })
        })?;
        Ok(JsonBody(order.into()))
    }

    /// Delete an order, giving back its stock if it held some (deleteOrder)
    #[oai(path = "/orders/:id", method = "delete")]
    async fn delete_order(&self, request: &Request, id: Path<u64>) -> Answer<Deleted> {
        self.gate.call(&credentials(request), Operation::DeleteOrder, |pg, caller| {
            let current_matches = if_match::<Order>(request);
            pg.delete_order_if(caller, id.0, |current| current_matches(&Order::from(current.clone())))
        })?;
        Ok(Deleted::NoContent)
    }
}
