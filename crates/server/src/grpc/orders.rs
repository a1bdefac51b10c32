//! `playground.v1.OrderService`: orders as unary RPCs, with the status as a proto enum.

use std::sync::Arc;

use playground_domain::{DomainError, NewOrder, NewOrderItem, Operation, OrderStatus, PageRequest};
use tonic::{Request, Response, Status};

use super::pb::order_service_server::OrderService;
use super::pb::{
    self, CreateOrderRequest, CreateOrderResponse, DeleteOrderRequest, GetOrderRequest, GetOrderResponse,
    ListUserOrdersRequest, ListUserOrdersResponse, Order, OrderItem, UpdateOrderStatusRequest,
    UpdateOrderStatusResponse,
};
use super::{credentials, error::status, page_size, timestamp, ToProto};
use crate::gate::Gate;

pub struct OrderApi {
    pub gate: Arc<Gate>,
}

fn status_to_proto(status: OrderStatus) -> pb::OrderStatus {
    match status {
        OrderStatus::Pending => pb::OrderStatus::Pending,
        OrderStatus::Paid => pb::OrderStatus::Paid,
        OrderStatus::Shipped => pb::OrderStatus::Shipped,
        OrderStatus::Delivered => pb::OrderStatus::Delivered,
        OrderStatus::Cancelled => pb::OrderStatus::Cancelled,
    }
}

/// A status from the wire: `None` for UNSPECIFIED, an error for a number the enum lacks.
fn status_from_proto(value: i32) -> Result<Option<OrderStatus>, DomainError> {
    match pb::OrderStatus::try_from(value) {
        Ok(pb::OrderStatus::Unspecified) => Ok(None),
        Ok(pb::OrderStatus::Pending) => Ok(Some(OrderStatus::Pending)),
        Ok(pb::OrderStatus::Paid) => Ok(Some(OrderStatus::Paid)),
        Ok(pb::OrderStatus::Shipped) => Ok(Some(OrderStatus::Shipped)),
        Ok(pb::OrderStatus::Delivered) => Ok(Some(OrderStatus::Delivered)),
        Ok(pb::OrderStatus::Cancelled) => Ok(Some(OrderStatus::Cancelled)),
        Err(_) => Err(DomainError::invalid("status", format!("{value} is not an OrderStatus"))),
    }
}

impl ToProto for playground_domain::Order {
    type Message = Order;
    fn to_proto(self) -> Order {
        let order = self;
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
            status: status_to_proto(status).into(),
            created_at: Some(timestamp(created_at)),
            updated_at: Some(timestamp(updated_at)),
        }
    }
}

#[tonic::async_trait]
impl OrderService for OrderApi {
    async fn list_user_orders(
        &self,
        request: Request<ListUserOrdersRequest>,
    ) -> Result<Response<ListUserOrdersResponse>, Status> {
        let credentials = credentials(&request);
        let ListUserOrdersRequest { user_id, status: wanted, page_size: size, page_token } = request.into_inner();
        let page = self
            .gate
            .call(&credentials, Operation::ListUserOrders, |pg, caller| {
                let page = PageRequest::parse(page_size(size)?, Some(&page_token))?;
                pg.list_user_orders(caller, user_id, status_from_proto(wanted)?, page)
            })
            .map_err(status)?;
        Ok(Response::new(ListUserOrdersResponse {
            total_size: i32::try_from(page.total).unwrap_or(i32::MAX),
            orders: page.items.into_iter().map(ToProto::to_proto).collect(),
            next_page_token: page.next_cursor.unwrap_or_default(),
        }))
    }

    async fn get_order(&self, request: Request<GetOrderRequest>) -> Result<Response<GetOrderResponse>, Status> {
        let credentials = credentials(&request);
        let GetOrderRequest { id } = request.into_inner();
        let order =
            self.gate.call(&credentials, Operation::GetOrder, |pg, caller| pg.get_order(caller, id)).map_err(status)?;
        Ok(Response::new(GetOrderResponse { order: Some(order.to_proto()) }))
    }

    async fn create_order(
        &self,
        request: Request<CreateOrderRequest>,
    ) -> Result<Response<CreateOrderResponse>, Status> {
        let credentials = credentials(&request);
        let CreateOrderRequest { user_id, items } = request.into_inner();
        let order = self
            .gate
            .call(&credentials, Operation::CreateOrder, |pg, caller| {
                let items = items
                    .into_iter()
                    .map(|pb::NewOrderItem { product_id, quantity }| NewOrderItem { product_id, quantity })
                    .collect();
                pg.create_order(caller, user_id, NewOrder::parse(items)?)
            })
            .map_err(status)?;
        Ok(Response::new(CreateOrderResponse { order: Some(order.to_proto()) }))
    }

    async fn update_order_status(
        &self,
        request: Request<UpdateOrderStatusRequest>,
    ) -> Result<Response<UpdateOrderStatusResponse>, Status> {
        let credentials = credentials(&request);
        let UpdateOrderStatusRequest { id, status: next } = request.into_inner();
        let order = self
            .gate
            .call(&credentials, Operation::UpdateOrderStatus, |pg, caller| {
                let next =
                    status_from_proto(next)?.ok_or_else(|| DomainError::invalid("status", "status is required"))?;
                pg.update_order_status(caller, id, next)
            })
            .map_err(status)?;
        Ok(Response::new(UpdateOrderStatusResponse { order: Some(order.to_proto()) }))
    }

    async fn delete_order(&self, request: Request<DeleteOrderRequest>) -> Result<Response<()>, Status> {
        let credentials = credentials(&request);
        let DeleteOrderRequest { id } = request.into_inner();
        self.gate
            .call(&credentials, Operation::DeleteOrder, |pg, caller| pg.delete_order(caller, id))
            .map_err(status)?;
        Ok(Response::new(()))
    }
}
