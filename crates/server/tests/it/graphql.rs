//! GraphQL beyond the matrix: GraphiQL served offline, batching of nested fields, and the
//! bounds on a query's shape.

use serde_json::{json, Value};

use crate::helpers::spawn_app;

#[tokio::test]
async fn graphiql_is_served_to_browsers_with_every_asset_from_the_binary() {
    let app = spawn_app().await;
    let page = app
        .http
        .get(format!("{}/graphql", app.base))
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .expect("page");
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    let html = page.text().await.expect("html");
    assert!(!html.contains("http://") && !html.contains("https://"), "no CDN or other absolute URL");
    assert!(html.contains("/graphql/ws"), "subscriptions are wired to /graphql/ws");
    let assets: Vec<&str> = html.split('"').filter(|piece| piece.starts_with("/graphql/assets/")).collect();
    assert_eq!(assets.len(), 4, "{assets:?}");
    for asset in assets {
        let response = app.http.get(format!("{}{asset}", app.base)).send().await.expect("asset");
        assert_eq!(response.status(), 200, "{asset}");
        let expected =
            if asset.ends_with(".css") { "text/css; charset=utf-8" } else { "text/javascript; charset=utf-8" };
        assert_eq!(response.headers()["content-type"], expected, "{asset}");
        assert!(response.bytes().await.expect("bytes").len() > 10_000, "{asset}");
    }
    let missing = app.http.get(format!("{}/graphql/assets/secret.txt", app.base)).send().await.expect("404");
    assert_eq!(missing.status(), 404);
    // A client that asks for JSON, or sends a query, still gets GraphQL.
    let query = app
        .http
        .get(format!("{}/graphql", app.base))
        .query(&[("query", "{ __typename }")])
        .header("accept", "text/html, application/json")
        .send()
        .await
        .expect("query");
    let body: Value = query.json().await.expect("json");
    assert_eq!(body, json!({"data": {"__typename": "Query"}}));
}
