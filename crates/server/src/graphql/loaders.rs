//! Batching of nested fields, the DataLoader pattern: every `User.orders`, `Order.user` and
//! `OrderItem.product` asked for while one level of a query resolves is collected and answered
//! by one domain call for the whole level, instead of one call per parent (the N+1 problem).
//! `users(first: 20) { edges { node { orders { items { product { name } } } } } }` makes three
//! calls, not one plus twenty plus one per item; `/metrics` counts them. The header
//! `X-Playground-Batching: off` turns batching off for one request, to compare.

use crate::call_scope::{self, CallRecord, Protocol};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_graphql::dataloader::{DataLoader, Loader};
use playground_domain::{DomainError, Operation, Order, OrderStatus, Product, User};

use crate::credentials::Credentials;
use crate::gate::{Gate, RequestBudget};

/// What one GraphQL request (or one `/graphql/ws` connection) takes to the gate: its credential,
/// its one call of the rate budget, and whether nested fields are batched.
pub struct RequestContext {
    pub credentials: Credentials,
    pub budget: RequestBudget,
    pub batching: bool,
}

impl RequestContext {
    pub fn new(credentials: Credentials, batching: bool) -> Arc<RequestContext> {
        Arc::new(RequestContext { credentials, budget: RequestBudget::default(), batching })
    }
}

/// How long a loader waits for its siblings to ask before it makes the call: long enough for
/// every field of one level to be polled, short next to any network round trip.
const COLLECT_FOR: Duration = Duration::from_micros(200);

/// The request's context and its loaders, each loader made the first time a field needs it.
pub struct Loaders {
    gate: Arc<Gate>,
    request: Arc<RequestContext>,
    users: OnceLock<DataLoader<UsersById>>,
    orders: OnceLock<DataLoader<OrdersByUser>>,
    products: OnceLock<DataLoader<ProductsById>>,
}

impl Loaders {
    pub fn new(gate: Arc<Gate>, request: Arc<RequestContext>) -> Loaders {
        Loaders { gate, request, users: OnceLock::new(), orders: OnceLock::new(), products: OnceLock::new() }
    }

    fn make<T: Loader<K>, K>(&self, loader: impl FnOnce(Batch) -> T) -> DataLoader<T>
    where
        K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    {
        let batch = Batch { gate: self.gate.clone(), request: self.request.clone() };
        // Without batching, every key is its own call: the N+1 shape, for comparison.
        let max_batch_size = if self.request.batching { 1000 } else { 1 };
        // A batch runs on a task of its own: its calls are still GraphQL's in `/metrics`.
        let spawn = |batch| tokio::spawn(call_scope::scope(CallRecord::new(Protocol::Graphql, None), batch));
        DataLoader::new(loader(batch), spawn).delay(COLLECT_FOR).max_batch_size(max_batch_size)
    }

    /// The request these loaders serve.
    pub fn request(&self) -> &RequestContext {
        &self.request
    }

    pub fn users(&self) -> &DataLoader<UsersById> {
        self.users.get_or_init(|| self.make(UsersById))
    }

    pub fn orders(&self) -> &DataLoader<OrdersByUser> {
        self.orders.get_or_init(|| self.make(OrdersByUser))
    }

    pub fn products(&self) -> &DataLoader<ProductsById> {
        self.products.get_or_init(|| self.make(ProductsById))
    }
}

/// One batched call through the gate, with the request's credential and budget.
pub struct Batch {
    gate: Arc<Gate>,
    request: Arc<RequestContext>,
}

impl Batch {
    fn call<T>(
        &self,
        operation: Operation,
        run: impl FnOnce(&playground_domain::Playground, &playground_domain::Caller) -> Result<T, DomainError>,
    ) -> Result<T, DomainError> {
        self.gate.call_within(&self.request.budget, &self.request.credentials, operation, run)
    }
}

pub struct UsersById(Batch);

impl Loader<u64> for UsersById {
    type Value = User;
    type Error = DomainError;

    async fn load(&self, ids: &[u64]) -> Result<HashMap<u64, User>, DomainError> {
        let users = self.0.call(Operation::GetUser, |pg, caller| Ok(pg.get_users(caller, ids)))?;
        Ok(users.into_iter().map(|user| (user.id, user)).collect())
    }
}

/// Keyed by user and status filter: `orders(status: PAID)` and `orders` on the same level are
/// two keys of one batch.
pub struct OrdersByUser(Batch);

impl Loader<(u64, Option<OrderStatus>)> for OrdersByUser {
    /// Per user, since ownership is checked per user: one user's refusal is that field's error.
    type Value = Result<Arc<Vec<Order>>, DomainError>;
    type Error = DomainError;

    async fn load(
        &self,
        keys: &[(u64, Option<OrderStatus>)],
    ) -> Result<HashMap<(u64, Option<OrderStatus>), Self::Value>, DomainError> {
        let mut by_status: HashMap<Option<OrderStatus>, Vec<u64>> = HashMap::new();
        for (user_id, status) in keys {
            by_status.entry(*status).or_default().push(*user_id);
        }
        self.0.call(Operation::ListUserOrders, |pg, caller| {
            Ok(by_status
                .into_iter()
                .flat_map(|(status, user_ids)| {
                    pg.orders_of_users(caller, &user_ids, status)
                        .into_iter()
                        .map(move |(user_id, orders)| ((user_id, status), orders.map(Arc::new)))
                })
                .collect())
        })
    }
}

pub struct ProductsById(Batch);

impl Loader<u64> for ProductsById {
    type Value = Product;
    type Error = DomainError;

    async fn load(&self, ids: &[u64]) -> Result<HashMap<u64, Product>, DomainError> {
        let products = self.0.call(Operation::GetProduct, |pg, caller| Ok(pg.get_products(caller, ids)))?;
        Ok(products.into_iter().map(|product| (product.id, product)).collect())
    }
}
