//! The entities every protocol shows, and the validated inputs they are made from: an `Email`,
//! a `Currency` or a `NewOrder` can only exist once its rules hold, so the playground never
//! stores anything invalid whichever adapter the input came through.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::DomainError;

/// The longest name, email and SKU accepted, in characters.
pub const MAX_TEXT_LEN: usize = 200;
/// The most items one order may hold, and the most of one product per item.
pub const MAX_ORDER_ITEMS: usize = 50;
pub const MAX_QUANTITY: u32 = 1000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: u64,
    pub name: String,
    pub email: String,
    #[serde(with = "crate::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Product {
    pub id: u64,
    pub sku: String,
    pub name: String,
    pub price_cents: i64,
    pub currency: Currency,
    pub stock: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderItem {
    pub product_id: u64,
    pub quantity: u32,
    pub unit_price_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub id: u64,
    pub user_id: u64,
    pub items: Vec<OrderItem>,
    pub total_cents: i64,
    pub currency: Currency,
    pub status: OrderStatus,
    #[serde(with = "crate::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "crate::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderStatus {
    Pending,
    Paid,
    Shipped,
    Delivered,
    Cancelled,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 5] =
        [OrderStatus::Pending, OrderStatus::Paid, OrderStatus::Shipped, OrderStatus::Delivered, OrderStatus::Cancelled];

    /// The only legal moves: pending → paid → shipped → delivered, and pending/paid → cancelled.
    pub fn can_move_to(self, next: OrderStatus) -> bool {
        use OrderStatus::*;
        matches!(
            (self, next),
            (Pending, Paid) | (Paid, Shipped) | (Shipped, Delivered) | (Pending, Cancelled) | (Paid, Cancelled)
        )
    }
    /// Stock is still held by an order in these states, and goes back when it is cancelled or deleted.
    pub fn holds_stock(self) -> bool {
        matches!(self, OrderStatus::Pending | OrderStatus::Paid)
    }
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Paid => "paid",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Cancelled => "cancelled",
        }
    }
    pub fn parse(text: &str) -> Result<OrderStatus, DomainError> {
        OrderStatus::ALL.into_iter().find(|status| status.as_str() == text).ok_or_else(|| {
            DomainError::invalid(
                "status",
                format!("unknown order status {text:?}: expected pending, paid, shipped, delivered or cancelled"),
            )
        })
    }
}

/// An ISO 4217 code: three upper-case ASCII letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    pub const USD: Currency = Currency(*b"USD");
    pub const EUR: Currency = Currency(*b"EUR");

    pub fn parse(text: &str) -> Result<Currency, DomainError> {
        match text.as_bytes() {
            [a, b, c] if [a, b, c].iter().all(|byte| byte.is_ascii_uppercase()) => Ok(Currency([*a, *b, *c])),
            _ => Err(DomainError::invalid("currency", format!("{text:?} is not an ISO 4217 code such as USD"))),
        }
    }
    pub fn as_str(&self) -> &str {
        // Always ASCII: `parse` is the only way in.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl TryFrom<String> for Currency {
    type Error = DomainError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Currency::parse(&text)
    }
}

impl From<Currency> for String {
    fn from(currency: Currency) -> String {
        currency.as_str().to_owned()
    }
}

/// An email address, trimmed and lower-cased so uniqueness ignores case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(text: &str) -> Result<Email, DomainError> {
        let text = text.trim().to_ascii_lowercase();
        let bad = |why: &str| DomainError::invalid("email", format!("{text:?} is not a valid email address: {why}"));
        if text.chars().count() > MAX_TEXT_LEN {
            return Err(bad("too long"));
        }
        let Some((local, domain)) = text.split_once('@') else {
            return Err(bad("missing @"));
        };
        if local.is_empty() || domain.is_empty() || domain.contains('@') {
            return Err(bad("expected exactly one @ between a name and a domain"));
        }
        if !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') {
            return Err(bad("the domain needs a dot, as in example.com"));
        }
        if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("no spaces allowed"));
        }
        Ok(Email(text))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's or product's display name: trimmed, 1 to 200 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

impl Name {
    pub fn parse(text: &str) -> Result<Name, DomainError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(DomainError::invalid("name", "name must not be empty"));
        }
        if text.chars().count() > MAX_TEXT_LEN {
            return Err(DomainError::invalid("name", format!("name is longer than {MAX_TEXT_LEN} characters")));
        }
        if text.chars().any(char::is_control) {
            return Err(DomainError::invalid("name", "name must not contain control characters"));
        }
        Ok(Name(text.to_owned()))
    }
    pub fn into_string(self) -> String {
        self.0
    }
}

/// A valid new user (createUser).
#[derive(Debug, Clone)]
pub struct NewUser {
    pub name: Name,
    pub email: Email,
}

impl NewUser {
    pub fn parse(name: &str, email: &str) -> Result<NewUser, DomainError> {
        Ok(NewUser { name: Name::parse(name)?, email: Email::parse(email)? })
    }
}

/// A valid partial update of a user (updateUser): absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    pub name: Option<Name>,
    pub email: Option<Email>,
}

impl UserPatch {
    pub fn parse(name: Option<&str>, email: Option<&str>) -> Result<UserPatch, DomainError> {
        Ok(UserPatch { name: name.map(Name::parse).transpose()?, email: email.map(Email::parse).transpose()? })
    }
}

/// One line of a new order: which product and how many (1 to 1000).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewOrderItem {
    pub product_id: u64,
    pub quantity: u32,
}

/// A valid new order (createOrder): 1 to 50 items; prices and stock are checked when it is placed.
#[derive(Debug, Clone)]
pub struct NewOrder {
    pub items: Vec<NewOrderItem>,
}

impl NewOrder {
    pub fn parse(items: Vec<NewOrderItem>) -> Result<NewOrder, DomainError> {
        if items.is_empty() {
            return Err(DomainError::invalid("items", "an order needs at least one item"));
        }
        if items.len() > MAX_ORDER_ITEMS {
            return Err(DomainError::invalid("items", format!("an order holds at most {MAX_ORDER_ITEMS} items")));
        }
        if let Some(bad) = items.iter().find(|item| item.quantity == 0 || item.quantity > MAX_QUANTITY) {
            return Err(DomainError::invalid(
                "items.quantity",
                format!("quantity {} of product {} is outside 1..={MAX_QUANTITY}", bad.quantity, bad.product_id),
            ));
        }
        Ok(NewOrder { items })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_legal_status_moves_are_allowed() {
        use OrderStatus::*;
        let legal = [(Pending, Paid), (Paid, Shipped), (Shipped, Delivered), (Pending, Cancelled), (Paid, Cancelled)];
        for from in OrderStatus::ALL {
            for to in OrderStatus::ALL {
                assert_eq!(from.can_move_to(to), legal.contains(&(from, to)), "{from:?} -> {to:?}");
            }
        }
    }

    #[test]
    fn emails_are_validated_and_normalised() {
        assert_eq!(Email::parse("  Ada@Example.COM ").map(|e| e.as_str().to_owned()), Ok("ada@example.com".into()));
        for bad in ["", "ada", "ada@", "@example.com", "ada@example", "a@b@c.com", "a b@c.com"] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(300))).is_err());
    }

    #[test]
    fn names_currencies_and_orders_are_validated() {
        assert!(Name::parse("   ").is_err());
        assert!(Name::parse("a\u{0}b").is_err());
        assert!(Name::parse(&"x".repeat(201)).is_err());
        assert_eq!(Currency::parse("EUR"), Ok(Currency::EUR));
        assert!(Currency::parse("eur").is_err());
        assert!(Currency::parse("EURO").is_err());
        assert!(NewOrder::parse(vec![]).is_err());
        assert!(NewOrder::parse(vec![NewOrderItem { product_id: 1, quantity: 0 }]).is_err());
        assert!(NewOrder::parse(vec![NewOrderItem { product_id: 1, quantity: 1001 }]).is_err());
        assert!(OrderStatus::parse("PAID").is_err());
    }
}
