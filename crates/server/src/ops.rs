//! Ops endpoints for orchestrators and humans: `/healthz` (the process answers), `/readyz`
//! (it is ready to serve) and `/metrics` (Prometheus text). Public and never rate limited.

use std::sync::Arc;

use poem::web::{Data, Json};
use poem::{handler, Response};
use serde_json::{json, Value};

use crate::gate::Gate;

#[handler]
pub fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

#[handler]
pub fn readyz() -> Json<Value> {
    Json(json!({"status": "ready"}))
}

#[handler]
pub fn metrics(gate: Data<&Arc<Gate>>) -> Response {
    Response::builder()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(gate.metrics().render())
}
