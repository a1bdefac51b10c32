//! `playground.v1.ProductService`: the catalogue as unary RPCs.

use std::sync::Arc;

use playground_domain::{Operation, PageRequest};
use tonic::{Request, Response, Status};

use super::pb::product_service_server::ProductService;
use super::pb::{GetProductRequest, GetProductResponse, ListProductsRequest, ListProductsResponse, Product};
use super::{credentials, error::status, page_size, ToProto};
use crate::gate::Gate;

pub struct ProductApi {
    pub gate: Arc<Gate>,
}

impl ToProto for playground_domain::Product {
    type Message = Product;
    fn to_proto(self) -> Product {
        let playground_domain::Product { id, sku, name, price_cents, currency, stock } = self;
        Product { id, sku, name, price_cents, currency: currency.as_str().to_owned(), stock }
    }
}

#[tonic::async_trait]
impl ProductService for ProductApi {
    async fn list_products(
        &self,
        request: Request<ListProductsRequest>,
    ) -> Result<Response<ListProductsResponse>, Status> {
        let credentials = credentials(&request);
        let ListProductsRequest { page_size: size, page_token } = request.into_inner();
        let page = self
            .gate
            .call(&credentials, Operation::ListProducts, |pg, caller| {
                Ok(pg.list_products(caller, PageRequest::parse(page_size(size)?, Some(&page_token))?))
            })
            .map_err(status)?;
        Ok(Response::new(ListProductsResponse {
            total_size: i32::try_from(page.total).unwrap_or(i32::MAX),
            products: page.items.into_iter().map(ToProto::to_proto).collect(),
            next_page_token: page.next_cursor.unwrap_or_default(),
        }))
    }

    async fn get_product(&self, request: Request<GetProductRequest>) -> Result<Response<GetProductResponse>, Status> {
        let credentials = credentials(&request);
        let GetProductRequest { id } = request.into_inner();
        let product = self
            .gate
            .call(&credentials, Operation::GetProduct, |pg, caller| pg.get_product(caller, id))
            .map_err(status)?;
        Ok(Response::new(GetProductResponse { product: Some(product.to_proto()) }))
    }
}
