//! The closed list of operations. Each knows its name in every protocol, the scope it needs and
//! whether it writes, so the gate, the metrics and the cross-protocol tests iterate one list and
//! nothing is forgotten.

use crate::access::Scope;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    ListUsers,
    GetUser,
    CreateUser,
    UpdateUser,
    DeleteUser,
    ListProducts,
    GetProduct,
    ListUserOrders,
    GetOrder,
    CreateOrder,
    UpdateOrderStatus,
    DeleteOrder,
    GetEvents,
    WatchEvents,
    SetMaintenance,
    CreateWebhook,
    ListWebhooks,
    DeleteWebhook,
    ListWebhookDeliveries,
}

/// One operation's names and rules.
pub struct OperationInfo {
    /// The contract's name, e.g. `getUser`: also the `operation` metrics label.
    pub name: &'static str,
    /// JSON-RPC method on `/ws`; events are pushed there, never polled, so that one has none.
    pub ws_method: Option<&'static str>,
    /// SOAP operation (and gRPC method) name.
    pub pascal: &'static str,
    pub scope: Scope,
    pub writes: bool,
}

impl Operation {
    pub const ALL: [Operation; 19] = [
        Operation::ListUsers,
        Operation::GetUser,
        Operation::CreateUser,
        Operation::UpdateUser,
        Operation::DeleteUser,
        Operation::ListProducts,
        Operation::GetProduct,
        Operation::ListUserOrders,
        Operation::GetOrder,
        Operation::CreateOrder,
        Operation::UpdateOrderStatus,
        Operation::DeleteOrder,
        Operation::GetEvents,
        Operation::WatchEvents,
        Operation::SetMaintenance,
        Operation::CreateWebhook,
        Operation::ListWebhooks,
        Operation::DeleteWebhook,
        Operation::ListWebhookDeliveries,
    ];

    pub fn info(self) -> &'static OperationInfo {
        &TABLE[self as usize]
    }
    pub fn name(self) -> &'static str {
        self.info().name
    }
    pub fn scope(self) -> Scope {
        self.info().scope
    }
    pub fn from_ws_method(method: &str) -> Option<Operation> {
        Operation::ALL.into_iter().find(|op| op.info().ws_method == Some(method))
    }
    pub fn from_pascal(name: &str) -> Option<Operation> {
        Operation::ALL.into_iter().find(|op| op.info().pascal == name)
    }
}

macro_rules! op {
    ($name:literal, $ws:expr, $pascal:literal, $scope:ident, $writes:literal) => {
        OperationInfo { name: $name, ws_method: $ws, pascal: $pascal, scope: Scope::$scope, writes: $writes }
    };
}

/// One row per operation, in `Operation` order (CONTRACT §3). Events are read with `orders:read`:
/// they carry order and user changes alike, and every demo credential that reads has it. A
/// webhook is one more way to receive them, so it needs the same.
#[rustfmt::skip]
const TABLE: [OperationInfo; 19] = [
    op!("listUsers",         Some("users.list"),          "ListUsers",         UsersRead,    false),
    op!("getUser",           Some("users.get"),           "GetUser",           UsersRead,    false),
    op!("createUser",        Some("users.create"),        "CreateUser",        UsersWrite,   true),
    op!("updateUser",        Some("users.update"),        "UpdateUser",        UsersWrite,   true),
    op!("deleteUser",        Some("users.delete"),        "DeleteUser",        UsersWrite,   true),
    op!("listProducts",      Some("products.list"),       "ListProducts",      ProductsRead, false),
    op!("getProduct",        Some("products.get"),        "GetProduct",        ProductsRead, false),
    op!("listUserOrders",    Some("orders.listByUser"),   "ListUserOrders",    OrdersRead,   false),
    op!("getOrder",          Some("orders.get"),          "GetOrder",          OrdersRead,   false),
    op!("createOrder",       Some("orders.create"),       "CreateOrder",       OrdersWrite,  true),
    op!("updateOrderStatus", Some("orders.updateStatus"), "UpdateOrderStatus", OrdersWrite,  true),
    op!("deleteOrder",       Some("orders.delete"),       "DeleteOrder",       OrdersWrite,  true),
    op!("getEvents",         None,                        "GetEvents",         OrdersRead,   false),
    op!("watchEvents",       Some("events.subscribe"),    "WatchEvents",       OrdersRead,   false),
    op!("setMaintenance",    Some("admin.setMaintenance"), "SetMaintenance",   Admin,        true),
    op!("createWebhook",     Some("webhooks.create"),     "CreateWebhook",     OrdersRead,   true),
    op!("listWebhooks",      Some("webhooks.list"),       "ListWebhooks",      OrdersRead,   false),
    op!("deleteWebhook",     Some("webhooks.delete"),     "DeleteWebhook",     OrdersRead,   true),
    op!("listWebhookDeliveries", Some("webhooks.deliveries"), "ListWebhookDeliveries", OrdersRead, false),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_line_up_with_the_enum_and_names_are_unique() {
        for (index, op) in Operation::ALL.iter().enumerate() {
            assert_eq!(*op as usize, index);
            if let Some(method) = op.info().ws_method {
                assert_eq!(Operation::from_ws_method(method), Some(*op));
            }
            assert_eq!(Operation::from_pascal(op.info().pascal), Some(*op));
        }
    }
}
