//! Ops endpoints for orchestrators and humans: `/healthz` (the process answers) and `/readyz`
//! (it is ready to serve). Public and never rate limited.

use poem::handler;
use poem::web::Json;
use serde_json::{json, Value};

#[handler]
pub fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

#[handler]
pub fn readyz() -> Json<Value> {
    Json(json!({"status": "ready"}))
}
