//! Deterministic demo data: the same seed gives the same users, products and orders on every
//! machine (ChaCha is portable), so a workshop can say "look at order 7" and everyone sees it.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use time::{Duration, OffsetDateTime};

use crate::model::{Currency, Order, OrderItem, OrderStatus, User};
use crate::playground::Playground;

pub const DEFAULT_SEED: u64 = 42;
pub const USERS: u64 = 50;
pub const PRODUCTS: u64 = 20;
pub const ORDERS: u64 = 200;
/// The demo login `admin` is this user, who owns no orders.
pub const ADMIN_USER_ID: u64 = 2;

const FIRST: [&str; 16] = [
    "Bruno", "Chloe", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi", "Luca", "Maya", "Noor",
    "Oscar", "Priya", "Quinn",
];
const LAST: [&str; 12] = [
    "Novak",
    "Okafor",
    "Silva",
    "Tanaka",
    "Weber",
    "Haddad",
    "Moreau",
    "Kowalski",
    "Lindqvist",
    "Rossi",
    "Yilmaz",
    "Park",
];
const PRODUCT_NAMES: [&str; 20] = [
    "Espresso Beans",
    "Pour-over Kettle",
    "Ceramic Mug",
    "Tea Sampler",
    "Milk Frother",
    "Burr Grinder",
    "French Press",
    "Travel Tumbler",
    "Loose Leaf Oolong",
    "Cold Brew Jar",
    "Matcha Whisk",
    "Digital Scale",
    "Paper Filters",
    "Moka Pot",
    "Chai Spice Mix",
    "Glass Teapot",
    "Latte Art Pitcher",
    "Decaf Blend",
    "Honey Sticks",
    "Barista Apron",
];

/// The moment demo data was "created": fixed, so timestamps are deterministic too.
fn epoch() -> OffsetDateTime {
    time::macros::datetime!(2024-01-01 10:00 UTC)
}

/// Fills an empty playground with the demo data for `seed`.
pub fn seed(playground: &Playground, seed: u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for id in 1..=USERS {
        let (name, email) = match id {
            1 => ("Alice Liddell".to_owned(), "alice@example.com".to_owned()),
            ADMIN_USER_ID => ("Admin".to_owned(), "admin@example.com".to_owned()),
            _ => (
                format!("{} {}", FIRST[rng.gen_range(0..FIRST.len())], LAST[rng.gen_range(0..LAST.len())]),
                format!("user{id}@example.com"),
            ),
        };
        playground.restore_user(User { id, name, email, created_at: epoch() + Duration::minutes(id as i64) });
    }
    let mut catalogue = Vec::new();
    for id in 1..=PRODUCTS {
        let currency = if id % 4 == 0 { Currency::EUR } else { Currency::USD };
        let price = rng.gen_range(100..10_000);
        let stock = rng.gen_range(50..250);
        let name = PRODUCT_NAMES[(id - 1) as usize];
        if let Ok(product) = playground.add_product(&format!("SKU-{id:04}"), name, price, currency, stock) {
            catalogue.push(product);
        }
    }
    for id in 1..=ORDERS {
        let user_id = if id % 10 == 0 {
            42
        } else {
            let drawn = rng.gen_range(1..=USERS);
            if drawn == ADMIN_USER_ID {
                1
            } else {
                drawn
            }
        };
        let first = &catalogue[rng.gen_range(0..catalogue.len())];
        let same_currency: Vec<_> = catalogue.iter().filter(|p| p.currency == first.currency).collect();
        let mut items = vec![OrderItem {
            product_id: first.id,
            quantity: rng.gen_range(1..=3),
            unit_price_cents: first.price_cents,
        }];
        for _ in 0..rng.gen_range(0..3) {
            let product = same_currency[rng.gen_range(0..same_currency.len())];
            if items.iter().all(|item| item.product_id != product.id) {
                items.push(OrderItem {
                    product_id: product.id,
                    quantity: rng.gen_range(1..=3),
                    unit_price_cents: product.price_cents,
                });
            }
        }
        let status = OrderStatus::ALL[rng.gen_range(0..OrderStatus::ALL.len())];
        let created_at = epoch() + Duration::hours(id as i64);
        playground.restore_order(Order {
            id,
            user_id,
            total_cents: items.iter().map(|item| item.unit_price_cents * i64::from(item.quantity)).sum(),
            items,
            currency: first.currency,
            status,
            created_at,
            updated_at: created_at + Duration::minutes(rng.gen_range(0..600)),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Caller;
    use crate::page::PageRequest;

    fn seeded(n: u64) -> Playground {
        let pg = Playground::new(100);
        seed(&pg, n);
        pg
    }

    #[test]
    fn the_demo_data_has_what_the_contract_promises() {
        let pg = seeded(DEFAULT_SEED);
        let caller = Caller::open_access();
        assert_eq!(pg.list_users(&caller, PageRequest::default()).total, USERS as usize);
        assert_eq!(pg.list_products(&caller, PageRequest::default()).total, PRODUCTS as usize);
        assert_eq!(pg.get_user(&caller, 1).expect("alice").name, "Alice Liddell");
        assert_eq!(pg.get_user(&caller, 42).expect("user 42").email, "user42@example.com");
        assert!(pg.list_user_orders(&caller, 42, None, PageRequest::default()).expect("orders").total >= 20);
        assert_eq!(pg.list_user_orders(&caller, ADMIN_USER_ID, None, PageRequest::default()).expect("none").total, 0);
        let products = pg.list_products(&caller, PageRequest::parse(Some(100), None).expect("page")).items;
        assert!(
            products.iter().any(|p| p.currency == Currency::EUR)
                && products.iter().any(|p| p.currency == Currency::USD)
        );
        let order_total: usize = (1..=USERS)
            .map(|id| pg.list_user_orders(&caller, id, None, PageRequest::default()).expect("orders").total)
            .sum();
        assert_eq!(order_total, ORDERS as usize);
        assert_eq!(pg.events().last_seq(), 0, "demo data is history, not events");
    }

    #[test]
    fn the_same_seed_gives_the_same_data() {
        let caller = Caller::open_access();
        let (a, b, c) = (seeded(7), seeded(7), seeded(8));
        let page = PageRequest::parse(Some(100), None).expect("page");
        assert_eq!(a.list_users(&caller, page).items, b.list_users(&caller, page).items);
        assert_eq!(a.get_order(&caller, 17), b.get_order(&caller, 17));
        assert_ne!(a.list_products(&caller, page).items, c.list_products(&caller, page).items);
    }
}
