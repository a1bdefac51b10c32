//! HTTP caching on REST: ETag and Cache-Control on reads, 304 for a current copy, a fresh 200
//! after a write, and If-Match refusing a stale write with 412.

use serde_json::{json, Value};

use crate::helpers::spawn_app;

#[tokio::test]
async fn etags_revalidate_reads_and_guard_writes() {
    let app = spawn_app().await;
    let user_url = format!("{}/api/v1/users/5", app.base);
    let get = |url: &str, etag: Option<&str>| {
        let mut request = app.http.get(url).header("x-api-key", "demo-write-key");
        if let Some(etag) = etag {
            request = request.header("if-none-match", etag);
        }
        request.send()
    };
    let first = get(&user_url, None).await.expect("read");
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["cache-control"], "private, no-cache");
    let etag = first.headers()["etag"].to_str().expect("ascii").to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "a strong ETag: {etag}");
    let again = get(&user_url, Some(&etag)).await.expect("revalidate");
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["etag"], etag.as_str());
    assert!(again.bytes().await.expect("body").is_empty(), "304 has no body");

    let patch = |etag: &str, name: &str| {
        app.http
            .patch(&user_url)
            .header("x-api-key", "demo-write-key")
            .header("if-match", etag)
            .json(&json!({"name": name}))
            .send()
    };
    let renamed = patch(&etag, "Cached Once").await.expect("patch");
    assert_eq!(renamed.status(), 200, "If-Match with the current ETag lets the write through");
    let stale = patch(&etag, "Cached Twice").await.expect("patch");
    assert_eq!(stale.status(), 412);
    let problem: Value = stale.json().await.expect("problem");
    assert_eq!((problem["code"].as_str(), problem["status"].as_u64()), (Some("CONFLICT"), Some(412)));
    let fresh = get(&user_url, Some(&etag)).await.expect("read after write");
    assert_eq!(fresh.status(), 200, "the old ETag no longer matches after the write");
    let new_etag = fresh.headers()["etag"].to_str().expect("ascii").to_owned();
    assert_ne!(new_etag, etag);
    assert_eq!(fresh.json::<Value>().await.expect("json")["name"], "Cached Once");

    let products = format!("{}/api/v1/products", app.base);
    let list = get(&products, None).await.expect("products");
    assert_eq!(list.headers()["cache-control"], "public, no-cache");
    let list_etag = list.headers()["etag"].to_str().expect("ascii").to_owned();
    assert_eq!(get(&products, Some(&list_etag)).await.expect("revalidate").status(), 304);
    let order = app
        .http
        .post(format!("{}/api/v1/users/5/orders", app.base))
        .header("x-api-key", "demo-write-key")
        .json(&json!({"items": [{"productId": 1, "quantity": 1}]}))
        .send()
        .await
        .expect("order");
    assert_eq!(order.status(), 201);
    assert_eq!(get(&products, Some(&list_etag)).await.expect("after stock moved").status(), 200);

    let order: Value = order.json().await.expect("json");
    let order_url = format!("{}/api/v1/orders/{}", app.base, order["id"]);
    let delete = app.http.delete(&order_url).header("x-api-key", "demo-write-key").header("if-match", "\"stale\"");
    assert_eq!(delete.send().await.expect("delete").status(), 412);
    let current = get(&order_url, None).await.expect("order");
    let order_etag = current.headers()["etag"].to_str().expect("ascii").to_owned();
    let delete = app.http.delete(&order_url).header("x-api-key", "demo-write-key").header("if-match", order_etag);
    assert_eq!(delete.send().await.expect("delete").status(), 204);
}

#[tokio::test]
async fn lists_link_to_their_next_page() {
    let app = spawn_app().await;
    let mut url = format!("{}/api/v1/users?limit=20", app.base);
    let mut seen = Vec::new();
    loop {
        let response = app.http.get(&url).header("x-api-key", "demo-read-key").send().await.expect("page");
        let link = response.headers().get("link").map(|v| v.to_str().expect("ascii").to_owned());
        let page: Value = response.json().await.expect("json");
        seen.extend(page["items"].as_array().expect("items").iter().map(|u| u["id"].as_u64().expect("id")));
        match link {
            Some(link) => {
                assert!(link.ends_with("; rel=\"next\""), "{link}");
                let target = link.trim_start_matches('<').split('>').next().expect("a URL");
                assert!(target.starts_with("/api/v1/users?limit=20&cursor="), "{target}");
                assert_eq!(Some(target.rsplit("cursor=").next().expect("cursor")), page["nextCursor"].as_str());
                url = format!("{}{target}", app.base);
            }
            None => {
                assert!(page["nextCursor"].is_null());
                break;
            }
        }
    }
    assert_eq!(seen, (1..=50).collect::<Vec<u64>>(), "following the links walks the whole list once");
    let products = app.http.get(format!("{}/api/v1/products?limit=5", app.base)).header("x-api-key", "demo-read-key");
    let products = products.send().await.expect("products");
    assert!(products.headers()["link"].to_str().expect("ascii").contains("cursor="));
}
