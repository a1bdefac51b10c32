//! The contracts checked in under `schema/` are the ones the server serves: a change to the API
//! shows up as a diff in review. Run with `UPDATE_SCHEMAS=1` to rewrite them after a deliberate change.

use crate::helpers::spawn_app;

/// Where the checked-in copies live; the served address is written as this placeholder.
const PLACEHOLDER_BASE: &str = "http://127.0.0.1:8080";

fn schema_path(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schema").join(name)
}

fn compare_or_update(name: &str, served: &str) {
    let path = schema_path(name);
    if std::env::var_os("UPDATE_SCHEMAS").is_some() {
        std::fs::write(&path, served).expect("write schema");
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == served,
        "schema/{name} differs from what the server serves; review the change and run `UPDATE_SCHEMAS=1 cargo test --workspace schemas`"
    );
}

#[tokio::test]
async fn checked_in_schemas_match_the_served_ones() {
    let app = spawn_app().await;
    let get = |path: &str| {
        let url = format!("{}{path}", app.base);
        let http = app.http.clone();
        async move { http.get(url).send().await.expect("schema").text().await.expect("text") }
    };
    let openapi: serde_json::Value = serde_json::from_str(&get("/openapi.json").await).expect("OpenAPI JSON");
    let openapi = serde_json::to_string_pretty(&openapi).expect("pretty").replace(&app.base, PLACEHOLDER_BASE) + "\n";
    compare_or_update("openapi.json", &openapi);
    compare_or_update("playground.wsdl", &get("/soap?wsdl").await.replace(&app.base, PLACEHOLDER_BASE));
    compare_or_update("schema.graphql", &get("/graphql/schema.graphql").await);
    let openrpc: serde_json::Value = serde_json::from_str(&get("/ws/openrpc.json").await).expect("OpenRPC JSON");
    let openrpc = serde_json::to_string_pretty(&openrpc).expect("pretty");
    let ws_base = app.base.replacen("http", "ws", 1);
    compare_or_update("openrpc.json", &(openrpc.replace(&ws_base, "ws://127.0.0.1:8080") + "\n"));
}

#[tokio::test]
async fn swagger_ui_is_served_from_the_binary() {
    let app = spawn_app().await;
    let page = app.http.get(format!("{}/docs", app.base)).send().await.expect("docs");
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    let html = page.text().await.expect("html");
    assert!(
        html.contains("SwaggerUIBundle") && html.contains("url: '/openapi.json'"),
        "the UI reads the served document"
    );
    assert!(!html.contains("http://") && !html.contains("https://"), "no CDN or other absolute URL");
    let assets: Vec<&str> = html.split('"').filter(|piece| piece.starts_with("/docs/assets/")).collect();
    assert_eq!(assets, ["/docs/assets/swagger-ui.css", "/docs/assets/swagger-ui-bundle.js"]);
    for asset in assets.into_iter().chain(["/docs/assets/oauth2-redirect.html"]) {
        let response = app.http.get(format!("{}{asset}", app.base)).send().await.expect("asset");
        assert_eq!(response.status(), 200, "{asset}");
        assert!(response.bytes().await.expect("bytes").len() > 2_000, "{asset}");
    }
    let missing = app.http.get(format!("{}/docs/assets/secret.txt", app.base)).send().await.expect("404");
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn openapi_examples_are_what_the_server_answers() {
    let app = spawn_app().await;
    let get = |path: &str| {
        let request = app.http.get(format!("{}{path}", app.base)).header("x-api-key", "demo-read-key");
        async move { request.send().await.expect("get").json::<serde_json::Value>().await.expect("json") }
    };
    let document = get("/openapi.json").await;
    let schemas = &document["components"]["schemas"];
    for (schema, path) in [
        ("User", "/api/v1/users/42"),
        ("Product", "/api/v1/products/1"),
        ("Order", "/api/v1/orders/10"),
        ("ProblemBody", "/api/v1/users/999999"),
    ] {
        assert_eq!(schemas[schema]["example"], get(path).await, "the {schema} example is {path}");
    }
}
