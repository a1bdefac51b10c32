//! `rpc.discover` and `GET /ws/openrpc.json`: the OpenRPC document of every method on `/ws`,
//! so JSON-RPC clients discover the API the way gRPC clients use reflection.

use serde_json::{json, Value};

fn param(name: &str, schema: Value, required: bool) -> Value {
    json!({"name": name, "schema": schema, "required": required})
}

fn id() -> Value {
    json!({"type": "integer", "minimum": 1})
}

fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn page_of(name: &str) -> Value {
    json!({"type": "object", "properties": {"items": {"type": "array", "items": reference(name)}, "nextCursor": {"type": ["string", "null"]}}})
}

fn method(name: &str, summary: &str, params: Vec<Value>, result: Value) -> Value {
    json!({"name": name, "summary": summary, "paramStructure": "by-name", "params": params, "result": {"name": "result", "schema": result}})
}

/// The document, for `base_url`'s `/ws`.
pub fn openrpc(ws_url: &str) -> Value {
    let limit = || param("limit", json!({"type": "integer", "minimum": 1, "maximum": 100}), false);
    let cursor = || param("cursor", json!({"type": "string"}), false);
    let status = json!({"type": "string", "enum": ["pending", "paid", "shipped", "delivered", "cancelled"]});
    let event_types = json!({"type": "string", "enum": ["user.created", "user.updated", "user.deleted", "order.created", "order.status_changed", "order.deleted"]});
    let nothing = json!({"type": "null"});
    json!({
        "openrpc": "1.2.6",
        "info": {
            "title": "api-playground JSON-RPC over WebSocket",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The same operations and data as the REST, GraphQL, gRPC and SOAP faces. Params are named and results are the REST bodies. Errors carry error.data.code, the canonical code. Server notifications: `event` {subscription, event} and `gap` {subscription, afterSeq}."
        },
        "servers": [{"name": "this server", "url": ws_url}],
        "methods": [
            method("auth", "Authenticate the connection", vec![param("apiKey", json!({"type": "string"}), false), param("token", json!({"type": "string"}), false)],
                json!({"type": "object", "properties": {"authenticated": {"type": "boolean"}, "scopes": {"type": "string"}}})),
            method("users.list", "listUsers", vec![limit(), cursor()], page_of("User")),
            method("users.get", "getUser", vec![param("id", id(), true)], reference("User")),
            method("users.create", "createUser", vec![param("name", json!({"type": "string"}), true), param("email", json!({"type": "string"}), true)], reference("User")),
            method("users.update", "updateUser", vec![param("id", id(), true), param("name", json!({"type": "string"}), false), param("email", json!({"type": "string"}), false)], reference("User")),
            method("users.delete", "deleteUser", vec![param("id", id(), true)], nothing.clone()),
            method("products.list", "listProducts", vec![limit(), cursor()], page_of("Product")),
            method("products.get", "getProduct", vec![param("id", id(), true)], reference("Product")),
            method("orders.listByUser", "listUserOrders", vec![param("userId", id(), true), param("status", status.clone(), false), limit(), cursor()], page_of("Order")),
            method("orders.get", "getOrder", vec![param("id", id(), true)], reference("Order")),
            method("orders.create", "createOrder", vec![param("userId", id(), true), param("items", json!({"type": "array", "minItems": 1, "maxItems": 50, "items": {"type": "object", "required": ["productId", "quantity"], "properties": {"productId": id(), "quantity": {"type": "integer", "minimum": 1, "maximum": 1000}}}}), true)], reference("Order")),
            method("orders.updateStatus", "updateOrderStatus", vec![param("id", id(), true), param("status", status, true)], reference("Order")),
            method("orders.delete", "deleteOrder", vec![param("id", id(), true)], nothing.clone()),
            method("events.subscribe", "Push every event after afterSeq (or from now) as `event` notifications", vec![param("types", json!({"type": "array", "items": event_types}), false), param("afterSeq", json!({"type": "integer", "minimum": 0}), false)],
                json!({"type": "object", "properties": {"subscription": {"type": "integer"}, "afterSeq": {"type": "integer"}}})),
            method("events.unsubscribe", "Stop a subscription", vec![param("subscription", json!({"type": "integer"}), true)], json!({"type": "boolean"})),
            method("webhooks.create", "createWebhook: POST each event to url, signed the Standard Webhooks way; the answer carries the secret, once", vec![param("url", json!({"type": "string", "maxLength": 2048}), true), param("types", json!({"type": "array", "items": event_types.clone()}), false)],
                json!({"allOf": [reference("Webhook"), {"type": "object", "properties": {"secret": {"type": "string"}}}]})),
            method("webhooks.list", "listWebhooks: yours; admin sees all", vec![], json!({"type": "object", "properties": {"items": {"type": "array", "items": reference("Webhook")}}})),
            method("webhooks.delete", "deleteWebhook", vec![param("id", id(), true)], nothing.clone()),
            method("webhooks.deliveries", "listWebhookDeliveries: every attempt, with status, latency and error", vec![param("id", id(), true)],
                json!({"type": "object", "properties": {"items": {"type": "array", "items": reference("Delivery")}}})),
            method("admin.setMaintenance", "setMaintenance: turn maintenance on (every other call answers -32053 with retryAfter; new connections close 1013) or off; admin scope", vec![param("enabled", json!({"type": "boolean"}), true), param("retryAfter", json!({"type": "integer", "minimum": 1, "maximum": 3600}), false)],
                json!({"type": "object", "properties": {"enabled": {"type": "boolean"}, "retryAfter": {"type": "integer"}}})),
            method("rpc.discover", "This document", vec![], json!({"type": "object"})),
        ],
        "components": {"schemas": {
            "User": {"type": "object", "properties": {"id": id(), "name": {"type": "string"}, "email": {"type": "string"}, "createdAt": {"type": "string", "format": "date-time"}}},
            "Product": {"type": "object", "properties": {"id": id(), "sku": {"type": "string"}, "name": {"type": "string"}, "priceCents": {"type": "integer"}, "currency": {"type": "string"}, "stock": {"type": "integer"}}},
            "Webhook": {"type": "object", "properties": {"id": id(), "url": {"type": "string"}, "types": {"type": "array", "items": event_types}, "createdAt": {"type": "string", "format": "date-time"}, "state": {"type": "string", "enum": ["active", "failing"]}, "delivered": {"type": "integer"}, "dropped": {"type": "integer"}}},
            "Delivery": {"type": "object", "properties": {"eventSeq": {"type": "integer"}, "messageId": {"type": "string"}, "attempt": {"type": "integer", "minimum": 1}, "attemptedAt": {"type": "string", "format": "date-time"}, "status": {"type": "integer"}, "latencyMs": {"type": "number"}, "error": {"type": "string"}}},
            "Order": {"type": "object", "properties": {"id": id(), "userId": id(), "items": {"type": "array", "items": {"type": "object", "properties": {"productId": id(), "quantity": {"type": "integer"}, "unitPriceCents": {"type": "integer"}}}}, "totalCents": {"type": "integer"}, "currency": {"type": "string"}, "status": {"type": "string"}, "createdAt": {"type": "string", "format": "date-time"}, "updatedAt": {"type": "string", "format": "date-time"}}}
        }}
    })
}
