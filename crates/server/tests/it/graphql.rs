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

/// The `playground_calls_total` counters of `/metrics` for GraphQL, by operation, successful calls only.
async fn domain_calls(app: &crate::helpers::TestApp) -> std::collections::HashMap<String, u64> {
    let text = app.http.get(format!("{}/metrics", app.base)).send().await.expect("metrics").text().await.expect("text");
    text.lines()
        .filter_map(|line| line.strip_prefix("playground_calls_total{protocol=\"graphql\",operation=\""))
        .filter_map(|rest| {
            let (operation, rest) = rest.split_once('"')?;
            let count = rest.strip_prefix(",code=\"OK\"} ")?;
            Some((operation.to_owned(), count.parse().ok()?))
        })
        .collect()
}

#[tokio::test]
async fn nested_fields_are_batched_into_one_domain_call_per_level() {
    let app = spawn_app().await;
    let query = "{ users(first: 20) { edges { node { id orders { id user { id } items { product { name } } } } } } }";
    let mut answers = Vec::new();
    for batching in ["on", "off"] {
        let before = domain_calls(&app).await;
        let response = app
            .http
            .post(format!("{}/graphql", app.base))
            .header("x-api-key", "demo-read-key")
            .header("x-playground-batching", batching)
            .json(&json!({"query": query}))
            .send()
            .await
            .expect("query");
        let body: Value = response.json().await.expect("json");
        assert!(body.get("errors").is_none(), "{body}");
        let after = domain_calls(&app).await;
        let made = |operation: &str| after.get(operation).unwrap_or(&0) - before.get(operation).unwrap_or(&0);
        let users = body["data"]["users"]["edges"].as_array().expect("edges");
        let orders: Vec<&Value> =
            users.iter().flat_map(|edge| edge["node"]["orders"].as_array().expect("orders")).collect();
        let items: usize = orders.iter().map(|order| order["items"].as_array().expect("items").len()).sum();
        assert_eq!(users.len(), 20);
        assert!(orders.len() > 20 && items > orders.len(), "the seed gives the query work to do");
        for order in &orders {
            assert!(users.iter().any(|edge| edge["node"]["id"] == order["user"]["id"]), "Order.user is the parent");
        }
        let calls = (made("listUsers"), made("listUserOrders"), made("getUser"), made("getProduct"));
        if batching == "on" {
            assert_eq!(calls, (1, 1, 1, 1), "one call per level");
        } else {
            assert_eq!(calls, (1, 20, orders.len() as u64, items as u64), "one call per parent: N+1");
        }
        answers.push(body);
    }
    assert_eq!(answers[0], answers[1], "batching changes the calls, never the answer");
}

#[tokio::test]
async fn query_size_aliases_and_weighed_complexity_are_bounded_with_clear_errors() {
    let app = spawn_app().await;
    let run = |query: String| {
        let request = app
            .http
            .post(format!("{}/graphql", app.base))
            .header("x-api-key", "demo-read-key")
            .json(&json!({"query": query}));
        async move { request.send().await.expect("query").json::<Value>().await.expect("json") }
    };
    let refused = |body: &Value, needle: &str| {
        let error = &body["errors"][0];
        assert!(error["message"].as_str().is_some_and(|m| m.contains(needle)), "{body}");
        assert_eq!(error["extensions"]["canonicalCode"], "INVALID_ARGUMENT", "{body}");
        assert!(body["data"].is_null(), "nothing ran: {body}");
    };
    let aliased =
        |n: usize| (0..n).map(|i| format!("u{i}: user(id: {}) {{ name }}", i + 1)).collect::<Vec<_>>().join(" ");
    let ok = run(format!("{{ {} }}", aliased(30))).await;
    assert_eq!(ok["data"]["u29"]["name"].as_str().map(str::is_empty), Some(false), "{ok}");
    refused(&run(format!("{{ {} }}", aliased(31))).await, "31 aliased fields; the limit is 30");
    // Aliases in a fragment count once per spread.
    let fragment = format!("fragment Many on Query {{ {} }}", aliased(10));
    refused(&run(format!("{{ a: user(id: 1) {{ name }} ...Many ...M2 ...M3 }} {fragment} fragment M2 on Query {{ ...Many }} fragment M3 on Query {{ ...Many }}")).await, "31 aliased fields");
    let padded = format!("{{ user(id: 42) {{ name }} }} #{}", "x".repeat(17 * 1024));
    refused(&run(padded).await, "the limit is 16384");
    // A connection weighs its selection once per node it may return.
    let nested = |first: u32| {
        format!("{{ users(first: {first}) {{ edges {{ node {{ orders {{ items {{ product {{ name }} }} }} }} }} }} }}")
    };
    let small = run(nested(20)).await;
    assert!(small.get("errors").is_none(), "{small}");
    refused(&run(nested(100)).await, "complexity");
}

#[tokio::test]
async fn a_bad_credential_in_connection_init_closes_the_socket_with_the_reason() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::Message;
    let app = spawn_app().await;
    let connect = |key: &'static str| {
        let mut request = format!("ws://{}/graphql/ws", app.addr).into_client_request().expect("request");
        request.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().expect("header"));
        async move {
            let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("connect");
            let init = json!({"type": "connection_init", "payload": {"X-API-Key": key}});
            socket.send(Message::text(init.to_string())).await.expect("init");
            socket.next().await.expect("an answer").expect("a frame")
        }
    };
    match connect("not-a-key").await {
        // async-graphql closes a refused connection_init with 1002 and the reason.
        Message::Close(Some(frame)) => assert!(frame.reason.contains("API key is not valid"), "{frame:?}"),
        other => panic!("expected a close with the reason, got {other:?}"),
    }
    match connect("demo-read-key").await {
        Message::Text(text) => assert!(text.contains("connection_ack"), "{text}"),
        other => panic!("expected connection_ack, got {other:?}"),
    }
}
