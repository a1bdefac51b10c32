//! The playground: the only owner of state, with one method per operation. Every protocol calls
//! these same methods with a `Caller`, so every rule (uniqueness, status moves, stock, ownership)
//! holds the same whichever protocol the call came through.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use parking_lot::RwLock;
use time::OffsetDateTime;

use crate::access::Caller;
use crate::error::DomainError;
use crate::events::{EventLog, EventType, EventsPage};
use crate::model::{Currency, NewOrder, NewUser, Order, OrderItem, OrderStatus, Product, User, UserPatch};
use crate::page::{paginate, Page, PageRequest};

/// The most events one poll returns (CONTRACT §11: 100 by default, `limit` up to 1,000).
pub const MAX_EVENTS_PER_POLL: usize = 1000;

#[derive(Default)]
struct State {
    users: BTreeMap<u64, User>,
    user_ids_by_email: HashMap<String, u64>,
    products: BTreeMap<u64, Product>,
    skus: HashSet<String>,
    orders: BTreeMap<u64, Order>,
    order_ids_by_user: HashMap<u64, BTreeSet<u64>>,
    next_user_id: u64,
    next_product_id: u64,
    next_order_id: u64,
}

impl State {
    fn user(&self, id: u64) -> Result<&User, DomainError> {
        self.users.get(&id).ok_or_else(|| DomainError::not_found("user", id))
    }
    fn order(&self, id: u64) -> Result<&Order, DomainError> {
        self.orders.get(&id).ok_or_else(|| DomainError::not_found("order", id))
    }
    fn email_taken_by_other(&self, email: &str, id: Option<u64>) -> Result<(), DomainError> {
        match self.user_ids_by_email.get(email) {
            Some(owner) if Some(*owner) != id => {
                Err(DomainError::already_exists(format!("email {email} is already used by user {owner}")))
            }
            _ => Ok(()),
        }
    }
    /// Puts an order's stock back on the shelf (cancel, or delete while it still holds stock).
    fn restock(&mut self, order: &Order) {
        for item in &order.items {
            if let Some(product) = self.products.get_mut(&item.product_id) {
                product.stock = product.stock.saturating_add(item.quantity);
            }
        }
    }
}

pub struct Playground {
    state: RwLock<State>,
    events: EventLog,
    maintenance: crate::maintenance::Maintenance,
    webhooks: crate::webhooks::Webhooks,
}

pub(crate) fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(0).unwrap_or(now)
}

fn to_json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

impl Playground {
    /// An empty playground keeping `history` recent events, with no webhook target allowed.
    pub fn new(history: usize) -> Playground {
        Playground::with_webhooks(history, crate::webhooks::Webhooks::new())
    }

    /// An empty playground whose webhook registry checks targets by the server's rules.
    pub fn with_webhooks(history: usize, webhooks: crate::webhooks::Webhooks) -> Playground {
        Playground {
            state: RwLock::new(State { next_user_id: 1, next_product_id: 1, next_order_id: 1, ..State::default() }),
            events: EventLog::new(history),
            maintenance: crate::maintenance::Maintenance::default(),
            webhooks,
        }
    }

    pub fn events(&self) -> &EventLog {
        &self.events
    }

    /// The maintenance switch, read before every other operation.
    pub fn maintenance(&self) -> &crate::maintenance::Maintenance {
        &self.maintenance
    }

    /// setMaintenance: turns the switch on (with the seconds clients should wait) or off.
    pub fn set_maintenance(
        &self,
        enabled: bool,
        retry_after: Option<i64>,
    ) -> Result<crate::maintenance::MaintenanceState, DomainError> {
        self.maintenance.set(enabled, retry_after)
    }

    // ---- users ----

    pub fn list_users(&self, _caller: &Caller, page: PageRequest) -> Page<User> {
        let state = self.state.read();
        paginate(state.users.iter().map(|(id, user)| (*id, user)), state.users.len(), page)
    }

    pub fn get_user(&self, _caller: &Caller, id: u64) -> Result<User, DomainError> {
        self.state.read().user(id).cloned()
    }

    /// Many users at once, for batched loaders (GraphQL `Order.user`); missing ids are skipped.
    pub fn get_users(&self, _caller: &Caller, ids: &[u64]) -> Vec<User> {
        let state = self.state.read();
        ids.iter().filter_map(|id| state.users.get(id).cloned()).collect()
    }

    pub fn create_user(&self, _caller: &Caller, new: NewUser) -> Result<User, DomainError> {
        let mut state = self.state.write();
        state.email_taken_by_other(new.email.as_str(), None)?;
        let user = User {
            id: state.next_user_id,
            name: new.name.into_string(),
            email: new.email.as_str().to_owned(),
            created_at: now(),
        };
        state.next_user_id += 1;
        state.user_ids_by_email.insert(user.email.clone(), user.id);
        state.users.insert(user.id, user.clone());
        self.events.append(EventType::UserCreated, to_json(&user));
        Ok(user)
    }

    pub fn update_user(&self, caller: &Caller, id: u64, patch: UserPatch) -> Result<User, DomainError> {
        self.update_user_if(caller, id, patch, |_| Ok(()))
    }

    /// `update_user`, if `precondition` accepts the user as it is now (HTTP `If-Match`), checked
    /// under the same lock as the change so nothing slips in between.
    pub fn update_user_if(
        &self,
        _caller: &Caller,
        id: u64,
        patch: UserPatch,
        precondition: impl FnOnce(&User) -> Result<(), DomainError>,
    ) -> Result<User, DomainError> {
        let mut state = self.state.write();
        let mut user = state.user(id)?.clone();
        precondition(&user)?;
        if let Some(email) = &patch.email {
            state.email_taken_by_other(email.as_str(), Some(id))?;
        }
        let before = user.clone();
        if let Some(name) = patch.name {
            user.name = name.into_string();
        }
        if let Some(email) = patch.email {
            state.user_ids_by_email.remove(&user.email);
            user.email = email.as_str().to_owned();
            state.user_ids_by_email.insert(user.email.clone(), id);
        }
        if user != before {
            state.users.insert(id, user.clone());
            self.events.append(EventType::UserUpdated, to_json(&user));
        }
        Ok(user)
    }

    pub fn delete_user(&self, caller: &Caller, id: u64) -> Result<(), DomainError> {
        self.delete_user_if(caller, id, |_| Ok(()))
    }

    /// `delete_user`, if `precondition` accepts the user as it is now.
    pub fn delete_user_if(
        &self,
        _caller: &Caller,
        id: u64,
        precondition: impl FnOnce(&User) -> Result<(), DomainError>,
    ) -> Result<(), DomainError> {
        let mut state = self.state.write();
        precondition(state.user(id)?)?;
        let orders = state.order_ids_by_user.get(&id).map_or(0, BTreeSet::len);
        if orders > 0 {
            return Err(DomainError::conflict(format!("user {id} still has {orders} orders: delete them first")));
        }
        let user = state.users.remove(&id).ok_or_else(|| DomainError::not_found("user", id))?;
        state.user_ids_by_email.remove(&user.email);
        state.order_ids_by_user.remove(&id);
        self.events.append(EventType::UserDeleted, to_json(&user));
        Ok(())
    }

    // ---- products ----

    pub fn list_products(&self, _caller: &Caller, page: PageRequest) -> Page<Product> {
        let state = self.state.read();
        paginate(state.products.iter().map(|(id, product)| (*id, product)), state.products.len(), page)
    }

    pub fn get_product(&self, _caller: &Caller, id: u64) -> Result<Product, DomainError> {
        self.state.read().products.get(&id).cloned().ok_or_else(|| DomainError::not_found("product", id))
    }

    /// Many products at once, for batched loaders (GraphQL `OrderItem.product`).
    pub fn get_products(&self, _caller: &Caller, ids: &[u64]) -> Vec<Product> {
        let state = self.state.read();
        ids.iter().filter_map(|id| state.products.get(id).cloned()).collect()
    }

    /// Adds a catalogue entry (demo data and tests); SKUs are unique.
    pub fn add_product(
        &self,
        sku: &str,
        name: &str,
        price_cents: i64,
        currency: Currency,
        stock: u32,
    ) -> Result<Product, DomainError> {
        let mut state = self.state.write();
        let sku = sku.trim().to_ascii_uppercase();
        if sku.is_empty() {
            return Err(DomainError::invalid("sku", "sku must not be empty"));
        }
        if price_cents < 0 {
            return Err(DomainError::invalid("priceCents", "price must not be negative"));
        }
        if !state.skus.insert(sku.clone()) {
            return Err(DomainError::already_exists(format!("sku {sku} already exists")));
        }
        let product = Product {
            id: state.next_product_id,
            sku,
            name: crate::model::Name::parse(name)?.into_string(),
            price_cents,
            currency,
            stock,
        };
        state.next_product_id += 1;
        state.products.insert(product.id, product.clone());
        Ok(product)
    }

    // ---- orders ----

    pub fn list_user_orders(
        &self,
        caller: &Caller,
        user_id: u64,
        status: Option<OrderStatus>,
        page: PageRequest,
    ) -> Result<Page<Order>, DomainError> {
        let state = self.state.read();
        state.user(user_id)?;
        caller.require_owner_of_orders(user_id)?;
        let matching: Vec<(u64, &Order)> = state
            .order_ids_by_user
            .get(&user_id)
            .into_iter()
            .flatten()
            .filter_map(|id| state.orders.get(id).map(|order| (*id, order)))
            .filter(|(_, order)| status.is_none_or(|status| order.status == status))
            .collect();
        let total = matching.len();
        Ok(paginate(matching.into_iter(), total, page))
    }

    /// The orders of many users at once, for batched loaders (GraphQL `User.orders`).
    pub fn orders_of_users(
        &self,
        caller: &Caller,
        user_ids: &[u64],
        status: Option<OrderStatus>,
    ) -> HashMap<u64, Result<Vec<Order>, DomainError>> {
        let state = self.state.read();
        user_ids
            .iter()
            .map(|user_id| {
                let orders = caller.require_owner_of_orders(*user_id).map(|()| {
                    state
                        .order_ids_by_user
                        .get(user_id)
                        .into_iter()
                        .flatten()
                        .filter_map(|id| state.orders.get(id))
                        .filter(|order| status.is_none_or(|status| order.status == status))
                        .cloned()
                        .collect()
                });
                (*user_id, orders)
            })
            .collect()
    }

    pub fn get_order(&self, caller: &Caller, id: u64) -> Result<Order, DomainError> {
        let state = self.state.read();
        let order = state.order(id)?;
        caller.require_owner_of_orders(order.user_id)?;
        Ok(order.clone())
    }

    /// Places an order: every product must exist, share one currency and have the stock;
    /// otherwise nothing changes.
    pub fn create_order(&self, caller: &Caller, user_id: u64, new: NewOrder) -> Result<Order, DomainError> {
        let mut state = self.state.write();
        state.user(user_id)?;
        caller.require_owner_of_orders(user_id)?;
        let mut wanted: BTreeMap<u64, u32> = BTreeMap::new();
        let mut items = Vec::with_capacity(new.items.len());
        let mut currency = None;
        for item in &new.items {
            let product = state.products.get(&item.product_id).ok_or_else(|| {
                DomainError::invalid("items.productId", format!("product {} does not exist", item.product_id))
            })?;
            match currency {
                None => currency = Some(product.currency),
                Some(first) if first != product.currency => {
                    return Err(DomainError::invalid(
                        "items",
                        format!(
                            "all items of an order share one currency: product {} is in {}, not {}",
                            product.id,
                            product.currency.as_str(),
                            first.as_str()
                        ),
                    ))
                }
                Some(_) => {}
            }
            *wanted.entry(product.id).or_default() += item.quantity;
            items.push(OrderItem {
                product_id: product.id,
                quantity: item.quantity,
                unit_price_cents: product.price_cents,
            });
        }
        for (product_id, quantity) in &wanted {
            let product = &state.products[product_id];
            if product.stock < *quantity {
                return Err(DomainError::conflict(format!(
                    "product {product_id} has {} in stock, the order needs {quantity}",
                    product.stock
                )));
            }
        }
        for (product_id, quantity) in &wanted {
            if let Some(product) = state.products.get_mut(product_id) {
                product.stock -= quantity;
            }
        }
        let created_at = now();
        let order = Order {
            id: state.next_order_id,
            user_id,
            total_cents: items.iter().map(|item| item.unit_price_cents * i64::from(item.quantity)).sum(),
            items,
            currency: currency.unwrap_or(Currency::USD),
            status: OrderStatus::Pending,
            created_at,
            updated_at: created_at,
        };
        state.next_order_id += 1;
        state.order_ids_by_user.entry(user_id).or_default().insert(order.id);
        state.orders.insert(order.id, order.clone());
        self.events.append(EventType::OrderCreated, to_json(&order));
        Ok(order)
    }

    pub fn update_order_status(&self, caller: &Caller, id: u64, next: OrderStatus) -> Result<Order, DomainError> {
        self.update_order_status_if(caller, id, next, |_| Ok(()))
    }

    /// `update_order_status`, if `precondition` accepts the order as it is now.
    pub fn update_order_status_if(
        &self,
        caller: &Caller,
        id: u64,
        next: OrderStatus,
        precondition: impl FnOnce(&Order) -> Result<(), DomainError>,
    ) -> Result<Order, DomainError> {
        let mut state = self.state.write();
        let mut order = state.order(id)?.clone();
        caller.require_owner_of_orders(order.user_id)?;
        precondition(&order)?;
        if !order.status.can_move_to(next) {
            return Err(DomainError::conflict(format!(
                "order {id} cannot move from {} to {}",
                order.status.as_str(),
                next.as_str()
            )));
        }
        if next == OrderStatus::Cancelled {
            state.restock(&order);
        }
        order.status = next;
        order.updated_at = now();
        state.orders.insert(id, order.clone());
        self.events.append(EventType::OrderStatusChanged, to_json(&order));
        Ok(order)
    }

    pub fn delete_order(&self, caller: &Caller, id: u64) -> Result<(), DomainError> {
        self.delete_order_if(caller, id, |_| Ok(()))
    }

    /// `delete_order`, if `precondition` accepts the order as it is now.
    pub fn delete_order_if(
        &self,
        caller: &Caller,
        id: u64,
        precondition: impl FnOnce(&Order) -> Result<(), DomainError>,
    ) -> Result<(), DomainError> {
        let mut state = self.state.write();
        let current = state.order(id)?;
        caller.require_owner_of_orders(current.user_id)?;
        precondition(current)?;
        let order = state.orders.remove(&id).ok_or_else(|| DomainError::not_found("order", id))?;
        if order.status.holds_stock() {
            state.restock(&order);
        }
        if let Some(ids) = state.order_ids_by_user.get_mut(&order.user_id) {
            ids.remove(&id);
        }
        self.events.append(EventType::OrderDeleted, to_json(&order));
        Ok(())
    }

    /// Inserts an order exactly as given (demo data): no stock taken, no event.
    pub(crate) fn restore_order(&self, order: Order) {
        let mut state = self.state.write();
        state.next_order_id = state.next_order_id.max(order.id + 1);
        state.order_ids_by_user.entry(order.user_id).or_default().insert(order.id);
        state.orders.insert(order.id, order);
    }

    /// Inserts a user exactly as given (demo data): no event.
    pub(crate) fn restore_user(&self, user: User) {
        let mut state = self.state.write();
        state.next_user_id = state.next_user_id.max(user.id + 1);
        state.user_ids_by_email.insert(user.email.clone(), user.id);
        state.users.insert(user.id, user);
    }

    // ---- events ----

    /// A poll: the retained events after `after`, at most `limit` (1..=1000).
    pub fn events_after(&self, _caller: &Caller, after: u64, limit: usize) -> Result<EventsPage, DomainError> {
        if limit == 0 || limit > MAX_EVENTS_PER_POLL {
            return Err(DomainError::invalid("limit", format!("limit must be between 1 and {MAX_EVENTS_PER_POLL}")));
        }
        Ok(self.events.after(after, limit))
    }

    /// A push subscription: the retained events after `after` (from now on when `None`), then
    /// every new one, of the given types (all when `None`).
    pub fn webhooks(&self) -> &crate::webhooks::Webhooks {
        &self.webhooks
    }

    pub fn watch_events(
        self: &Arc<Self>,
        _caller: &Caller,
        after: Option<u64>,
        types: Option<Vec<EventType>>,
    ) -> crate::events::EventFeed {
        let after = after.unwrap_or_else(|| self.events.last_seq());
        crate::events::EventFeed::new(self.clone(), after, types)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Conflict, ErrorCode};
    use crate::model::NewOrderItem;

    fn open() -> Caller {
        Caller::open_access()
    }

    fn shop() -> Result<Playground, DomainError> {
        let pg = Playground::new(100);
        pg.add_product("SKU-1", "Kettle", 1500, Currency::USD, 5)?;
        pg.add_product("SKU-2", "Teapot", 2500, Currency::USD, 1)?;
        pg.add_product("SKU-3", "Mug", 900, Currency::EUR, 10)?;
        pg.create_user(&open(), NewUser::parse("Ada", "ada@example.com")?)?;
        Ok(pg)
    }

    fn items(list: &[(u64, u32)]) -> Result<NewOrder, DomainError> {
        NewOrder::parse(list.iter().map(|&(product_id, quantity)| NewOrderItem { product_id, quantity }).collect())
    }

    fn code<T: std::fmt::Debug>(result: Result<T, DomainError>) -> ErrorCode {
        result.expect_err("expected an error").code
    }

    #[test]
    fn emails_and_skus_are_unique() -> Result<(), DomainError> {
        let pg = shop()?;
        let clash = pg.create_user(&open(), NewUser::parse("Other", "ADA@example.com")?);
        assert_eq!(
            clash.as_ref().map_err(|e| (e.code, e.conflict)).err(),
            Some((ErrorCode::Conflict, Conflict::Unique))
        );
        let bob = pg.create_user(&open(), NewUser::parse("Bob", "bob@example.com")?)?;
        let patch = UserPatch::parse(None, Some("ada@example.com"))?;
        assert_eq!(code(pg.update_user(&open(), bob.id, patch)), ErrorCode::Conflict);
        assert_eq!(code(pg.add_product("sku-1", "Again", 1, Currency::USD, 1)), ErrorCode::Conflict);
        Ok(())
    }

    #[test]
    fn a_user_with_orders_cannot_be_deleted() -> Result<(), DomainError> {
        let pg = shop()?;
        let order = pg.create_order(&open(), 1, items(&[(1, 1)])?)?;
        assert_eq!(code(pg.delete_user(&open(), 1)), ErrorCode::Conflict);
        pg.delete_order(&open(), order.id)?;
        pg.delete_user(&open(), 1)?;
        assert_eq!(code(pg.get_user(&open(), 1)), ErrorCode::NotFound);
        Ok(())
    }

    #[test]
    fn stock_is_taken_checked_and_given_back() -> Result<(), DomainError> {
        let pg = shop()?;
        assert_eq!(code(pg.create_order(&open(), 1, items(&[(1, 3), (1, 3)])?)), ErrorCode::Conflict);
        assert_eq!(pg.get_product(&open(), 1)?.stock, 5, "a refused order changes nothing");
        let order = pg.create_order(&open(), 1, items(&[(1, 2), (2, 1)])?)?;
        assert_eq!(order.total_cents, 2 * 1500 + 2500);
        assert_eq!(pg.get_product(&open(), 1)?.stock, 3);
        pg.update_order_status(&open(), order.id, OrderStatus::Paid)?;
        pg.update_order_status(&open(), order.id, OrderStatus::Cancelled)?;
        assert_eq!(pg.get_product(&open(), 1)?.stock, 5);
        assert_eq!(pg.get_product(&open(), 2)?.stock, 1);
        let shipped = pg.create_order(&open(), 1, items(&[(1, 1)])?)?;
        pg.update_order_status(&open(), shipped.id, OrderStatus::Paid)?;
        pg.update_order_status(&open(), shipped.id, OrderStatus::Shipped)?;
        pg.delete_order(&open(), shipped.id)?;
        assert_eq!(pg.get_product(&open(), 1)?.stock, 4, "a shipped order's stock is gone");
        Ok(())
    }

    #[test]
    fn illegal_status_moves_are_conflicts() -> Result<(), DomainError> {
        let pg = shop()?;
        let order = pg.create_order(&open(), 1, items(&[(1, 1)])?)?;
        assert_eq!(code(pg.update_order_status(&open(), order.id, OrderStatus::Shipped)), ErrorCode::Conflict);
        assert_eq!(code(pg.update_order_status(&open(), order.id, OrderStatus::Pending)), ErrorCode::Conflict);
        pg.update_order_status(&open(), order.id, OrderStatus::Cancelled)?;
        assert_eq!(code(pg.update_order_status(&open(), order.id, OrderStatus::Paid)), ErrorCode::Conflict);
        Ok(())
    }

    #[test]
    fn mixed_currencies_and_unknown_products_are_invalid() -> Result<(), DomainError> {
        let pg = shop()?;
        assert_eq!(code(pg.create_order(&open(), 1, items(&[(1, 1), (3, 1)])?)), ErrorCode::InvalidArgument);
        assert_eq!(code(pg.create_order(&open(), 1, items(&[(99, 1)])?)), ErrorCode::InvalidArgument);
        assert_eq!(code(pg.create_order(&open(), 99, items(&[(1, 1)])?)), ErrorCode::NotFound);
        Ok(())
    }

    #[test]
    fn users_only_touch_their_own_orders() -> Result<(), DomainError> {
        let pg = shop()?;
        pg.create_user(&open(), NewUser::parse("Bob", "bob@example.com")?)?;
        let order = pg.create_order(&open(), 1, items(&[(1, 1)])?)?;
        let bob = Caller {
            identity: crate::access::Identity::User { user_id: 2, username: "bob".into() },
            scopes: crate::access::Scopes::parse(["orders:read", "orders:write"]).expect("scopes"),
        };
        assert_eq!(code(pg.get_order(&bob, order.id)), ErrorCode::PermissionDenied);
        assert_eq!(code(pg.create_order(&bob, 1, items(&[(1, 1)])?)), ErrorCode::PermissionDenied);
        assert_eq!(code(pg.list_user_orders(&bob, 1, None, PageRequest::default())), ErrorCode::PermissionDenied);
        assert!(pg.create_order(&bob, 2, items(&[(1, 1)])?).is_ok());
        Ok(())
    }

    #[test]
    fn stock_never_goes_negative_under_concurrent_writers() -> Result<(), DomainError> {
        let pg = Arc::new(shop()?);
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let pg = pg.clone();
                std::thread::spawn(move || {
                    (0..20)
                        .filter(|_| items(&[(1, 1)]).and_then(|order| pg.create_order(&open(), 1, order)).is_ok())
                        .count()
                })
            })
            .collect();
        let placed: usize = threads.into_iter().map(|t| t.join().expect("thread")).sum();
        assert_eq!(placed, 5, "exactly the stock on hand is sold");
        assert_eq!(pg.get_product(&open(), 1)?.stock, 0);
        Ok(())
    }

    #[test]
    fn every_change_is_one_event_in_order() -> Result<(), DomainError> {
        let pg = shop()?;
        let order = pg.create_order(&open(), 1, items(&[(1, 1)])?)?;
        pg.update_order_status(&open(), order.id, OrderStatus::Paid)?;
        pg.update_user(&open(), 1, UserPatch::parse(Some("Ada L."), None)?)?;
        pg.update_user(&open(), 1, UserPatch::parse(Some("Ada L."), None)?)?;
        let page = pg.events_after(&open(), 0, 100)?;
        let types: Vec<EventType> = page.items.iter().map(|e| e.event_type).collect();
        assert_eq!(
            types,
            vec![
                EventType::UserCreated,
                EventType::OrderCreated,
                EventType::OrderStatusChanged,
                EventType::UserUpdated
            ]
        );
        assert!(page.items.windows(2).all(|w| w[0].seq < w[1].seq));
        assert_eq!(page.items[2].data["status"], "paid");
        Ok(())
    }
}
