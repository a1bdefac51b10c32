//! The playground's world, shared by every protocol: users, products, orders and the event log,
//! with every rule (order status moves, stock, uniqueness, ownership) enforced here and nowhere else.
//!
//! - [`model`]: the entities and the validated newtypes they are built from
//! - [`error`]: `DomainError` and the one canonical error-code table every protocol maps from
//! - [`operation`]: the closed list of operations, with each protocol's name for them
//! - [`access`]: who is calling (`Caller`), their scopes, and the ownership rule
//! - [`playground`]: one method per operation, the only owner of state
//! - [`maintenance`]: the switch that makes every other operation UNAVAILABLE for a while
//! - [`events`]: the event log: strictly increasing seq, bounded history, broadcast
//! - [`webhooks`]: who is told of which events at which URL, and every attempt to tell them
//! - [`page`]: opaque cursors shared by every paginated list
//! - [`seed`]: deterministic demo data

pub mod access;
pub mod error;
pub mod events;
pub mod maintenance;
pub mod model;
pub mod operation;
pub mod page;
pub mod playground;
pub mod rfc3339;
pub mod seed;
pub mod webhooks;

pub use access::{Caller, Identity, Scope, Scopes};
pub use error::{Conflict, DomainError, ErrorCode};
pub use events::{Event, EventLog, EventType, EventsPage};
pub use maintenance::MaintenanceState;
pub use model::{
    Currency, Email, NewOrder, NewOrderItem, NewUser, Order, OrderItem, OrderStatus, Product, User, UserPatch,
};
pub use operation::Operation;
pub use page::{Page, PageRequest};
pub use playground::Playground;
