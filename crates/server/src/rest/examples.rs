//! The examples in the OpenAPI document, all in one place: real values of the demo data (seed
//! 42), so what Swagger UI shows is what the server answers.

use poem_openapi::types::Example;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::admin::{Maintenance, SetMaintenance};
use super::error::ProblemBody;
use super::events::{Event, EventPage};
use super::orders::{CreateOrder, NewItem, Order, OrderItem, OrderPage, OrderStatus, UpdateOrderStatus};
use super::products::{Product, ProductPage};
use super::users::{CreateUser, UpdateUser, User, UserPage};

fn at(text: &str) -> OffsetDateTime {
    OffsetDateTime::parse(text, &Rfc3339).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

impl Example for User {
    fn example() -> Self {
        User {
            id: 42,
            name: "Oscar Okafor".into(),
            email: "user42@example.com".into(),
            created_at: at("2024-01-01T10:42:00Z"),
        }
    }
}

impl Example for UserPage {
    fn example() -> Self {
        UserPage { items: vec![User::example()], next_cursor: Some("aWQ6NDI".into()) }
    }
}

impl Example for CreateUser {
    fn example() -> Self {
        CreateUser { name: "Ada Lovelace".into(), email: "ada@example.com".into() }
    }
}

impl Example for UpdateUser {
    fn example() -> Self {
        UpdateUser { name: Some("Ada King".into()), email: None }
    }
}

impl Example for Product {
    fn example() -> Self {
        Product {
            id: 1,
            sku: "SKU-0001".into(),
            name: "Espresso Beans".into(),
            price_cents: 2449,
            currency: "USD".into(),
            stock: 112,
        }
    }
}

impl Example for ProductPage {
    fn example() -> Self {
        ProductPage { items: vec![Product::example()], next_cursor: Some("aWQ6MQ".into()) }
    }
}

impl Example for OrderItem {
    fn example() -> Self {
        OrderItem { product_id: 10, quantity: 2, unit_price_cents: 9086 }
    }
}

impl Example for Order {
    fn example() -> Self {
        Order {
            id: 10,
            user_id: 42,
            items: vec![
                OrderItem::example(),
                OrderItem { product_id: 18, quantity: 1, unit_price_cents: 4642 },
                OrderItem { product_id: 3, quantity: 3, unit_price_cents: 9005 },
            ],
            total_cents: 49829,
            currency: "USD".into(),
            status: OrderStatus::Paid,
            created_at: at("2024-01-01T20:00:00Z"),
            updated_at: at("2024-01-02T04:41:00Z"),
        }
    }
}

impl Example for OrderPage {
    fn example() -> Self {
        OrderPage { items: vec![Order::example()], next_cursor: None }
    }
}

impl Example for NewItem {
    fn example() -> Self {
        NewItem { product_id: 1, quantity: 2 }
    }
}

impl Example for CreateOrder {
    fn example() -> Self {
        CreateOrder { items: vec![NewItem::example()] }
    }
}

impl Example for UpdateOrderStatus {
    fn example() -> Self {
        UpdateOrderStatus { status: OrderStatus::Shipped }
    }
}

impl Example for Event {
    fn example() -> Self {
        Event {
            seq: 1,
            event_type: "user.created".into(),
            occurred_at: at("2024-01-03T09:00:00Z"),
            data: serde_json::json!({
                "id": 51, "name": "Ada Lovelace", "email": "ada@example.com", "createdAt": "2024-01-03T09:00:00Z"
            }),
        }
    }
}

impl Example for EventPage {
    fn example() -> Self {
        EventPage { items: vec![Event::example()], next_after: 1, gap: false }
    }
}

impl Example for ProblemBody {
    fn example() -> Self {
        ProblemBody {
            kind: "about:blank".into(),
            title: "Not Found".into(),
            status: 404,
            detail: "user 999999 not found".into(),
            code: "NOT_FOUND".into(),
            field: None,
            retry_after: None,
        }
    }
}

impl Example for SetMaintenance {
    fn example() -> Self {
        SetMaintenance { enabled: true, retry_after: Some(30) }
    }
}

impl Example for Maintenance {
    fn example() -> Self {
        Maintenance { enabled: true, retry_after: 30 }
    }
}
