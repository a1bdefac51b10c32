//! Orders in the graph: `order(id)`, `User.orders(status)`, `Order.user`, `Order.items.product`,
//! and the order mutations. The graph has cycles on purpose (user → orders → user): the depth
//! limit is what keeps a query finite.

use async_graphql::{ComplexObject, Context, Enum, InputObject, Object, Result, SimpleObject, ID};
use playground_domain::{DomainError, NewOrder, NewOrderItem, Operation};

use super::products::Product;
use super::users::User;
use super::{call, loaders, nullable, parse_id};

/// Where an order is: PENDING → PAID → SHIPPED → DELIVERED, or CANCELLED from PENDING or PAID.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
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
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct OrderItem {
    #[graphql(skip)]
    pub product_id: u64,
    pub quantity: u32,
    pub unit_price_cents: i64,
}

#[ComplexObject]
impl OrderItem {
    /// The product ordered.
    async fn product(&self, ctx: &Context<'_>) -> Result<Product> {
        let id = self.product_id;
        let product = loaders(ctx).products().load_one(id).await.map_err(super::error::graphql_error)?;
        Ok(product.ok_or_else(|| super::error::graphql_error(DomainError::not_found("product", id)))?.into())
    }
}

/// A user's order.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Order {
    pub id: ID,
    #[graphql(skip)]
    pub user_id: u64,
    pub items: Vec<OrderItem>,
    pub total_cents: i64,
    /// ISO 4217 code shared by every item.
    pub currency: String,
    pub status: OrderStatus,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

#[ComplexObject]
impl Order {
    /// Who placed the order.
    async fn user(&self, ctx: &Context<'_>) -> Result<User> {
        let id = self.user_id;
        let user = loaders(ctx).users().load_one(id).await.map_err(super::error::graphql_error)?;
        Ok(user.ok_or_else(|| super::error::graphql_error(DomainError::not_found("user", id)))?.into())
    }
}

impl From<playground_domain::Order> for Order {
    fn from(order: playground_domain::Order) -> Self {
        let playground_domain::Order { id, user_id, items, total_cents, currency, status, created_at, updated_at } =
            order;
        Order {
            id: ID(id.to_string()),
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
            created_at: super::rfc3339(created_at),
            updated_at: super::rfc3339(updated_at),
        }
    }
}

/// What to order: a product and how many (1 to 1000).
#[derive(InputObject)]
pub struct NewOrderItemInput {
    /// A product that exists; every item of an order in one currency.
    pub product_id: ID,
    /// 1 to 1000.
    pub quantity: u32,
}

/// 1 to 50 items, all in one currency.
#[derive(InputObject)]
pub struct CreateOrderInput {
    pub user_id: ID,
    /// 1 to 50 items.
    pub items: Vec<NewOrderItemInput>,
}

#[derive(Default)]
pub struct OrderQuery;

#[Object]
impl OrderQuery {
    /// One order, or null with a NOT_FOUND error (getOrder).
    async fn order(&self, ctx: &Context<'_>, id: ID) -> Option<Order> {
        let order = call(ctx, Operation::GetOrder, |pg, caller| pg.get_order(caller, parse_id(&id)?));
        nullable(ctx, order).map(Into::into)
    }
}

#[derive(Default)]
pub struct OrderMutation;

#[Object]
impl OrderMutation {
    /// Place an order; it takes stock, and CONFLICT leaves everything as it was (createOrder).
    async fn create_order(&self, ctx: &Context<'_>, input: CreateOrderInput) -> Result<Order> {
        let order = call(ctx, Operation::CreateOrder, |pg, caller| {
            let items = input
                .items
                .iter()
                .map(|item| Ok(NewOrderItem { product_id: parse_id(&item.product_id)?, quantity: item.quantity }))
                .collect::<Result<Vec<_>, playground_domain::DomainError>>()?;
            pg.create_order(caller, parse_id(&input.user_id)?, NewOrder::parse(items)?)
        })?;
        Ok(order.into())
    }

    /// Move an order to its next status (updateOrderStatus).
    async fn update_order_status(&self, ctx: &Context<'_>, id: ID, status: OrderStatus) -> Result<Order> {
        let order = call(ctx, Operation::UpdateOrderStatus, |pg, caller| {
            pg.update_order_status(caller, parse_id(&id)?, status.into())
        })?;
        Ok(order.into())
    }

    /// Delete an order, giving back its stock if it held some (deleteOrder): true once gone.
    async fn delete_order(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        call(ctx, Operation::DeleteOrder, |pg, caller| pg.delete_order(caller, parse_id(&id)?))?;
        Ok(true)
    }
}
