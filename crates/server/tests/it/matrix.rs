//! The cross-protocol matrix: every user operation on every protocol, with the same data and
//! the same canonical errors.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with, Call, Key, Protocol, PROTOCOLS};

fn user_42() -> Value {
    json!({"id": 42, "name": "Oscar Okafor", "email": "user42@example.com", "createdAt": "2024-01-01T10:42:00Z"})
}

#[tokio::test]
async fn get_user_answers_the_same_user_on_every_protocol() {
    let app = spawn_app().await;
    for protocol in PROTOCOLS {
        let answer = app.call(protocol, Key::Read, &Call::GetUser { id: 42 }).await;
        assert_eq!(answer, Ok(user_42()), "{protocol:?}");
    }
}

#[tokio::test]
async fn every_operation_refuses_the_same_way_on_every_protocol() {
    let app = spawn_app().await;
    let email = |n: &str| format!("{n}@example.com");
    // (credential, call, canonical code): not found, bad input, missing key, wrong key, read key on a write, conflicts.
    let cases: Vec<(Key, Call, &str)> = vec![
        (Key::Read, Call::GetUser { id: 999_999 }, "NOT_FOUND"),
        (Key::Write, Call::UpdateUser { id: 999_999, name: Some("x".into()), email: None }, "NOT_FOUND"),
        (Key::Write, Call::DeleteUser { id: 999_999 }, "NOT_FOUND"),
        (Key::Write, Call::CreateUser { name: "Bad".into(), email: "not-an-email".into() }, "INVALID_ARGUMENT"),
        (Key::Write, Call::CreateUser { name: "   ".into(), email: email("blank") }, "INVALID_ARGUMENT"),
        (Key::Write, Call::UpdateUser { id: 42, name: None, email: Some("nope".into()) }, "INVALID_ARGUMENT"),
        (Key::Read, Call::ListUsers { limit: Some(101), cursor: None }, "INVALID_ARGUMENT"),
        (Key::Read, Call::ListUsers { limit: Some(5), cursor: Some("garbage!".into()) }, "INVALID_ARGUMENT"),
        (Key::None, Call::GetUser { id: 42 }, "UNAUTHENTICATED"),
        (Key::None, Call::ListUsers { limit: None, cursor: None }, "UNAUTHENTICATED"),
        (Key::Wrong, Call::GetUser { id: 42 }, "UNAUTHENTICATED"),
        (Key::Read, Call::CreateUser { name: "Reader".into(), email: email("reader") }, "PERMISSION_DENIED"),
        (Key::Read, Call::UpdateUser { id: 42, name: Some("x".into()), email: None }, "PERMISSION_DENIED"),
        (Key::Read, Call::DeleteUser { id: 42 }, "PERMISSION_DENIED"),
        (Key::Write, Call::CreateUser { name: "Copy".into(), email: "USER42@example.com".into() }, "CONFLICT"),
        (Key::Write, Call::UpdateUser { id: 43, name: None, email: Some(email("user42")) }, "CONFLICT"),
        (Key::Write, Call::DeleteUser { id: 42 }, "CONFLICT"),
    ];
    for (key, call, code) in &cases {
        for protocol in PROTOCOLS {
            let answer = app.call(protocol, *key, call).await;
            assert_eq!(answer, Err((*code).to_owned()), "{protocol:?} {key:?} {call:?}");
        }
    }
    // Nothing above changed anything.
    for protocol in PROTOCOLS {
        assert_eq!(app.call(protocol, Key::Read, &Call::GetUser { id: 42 }).await, Ok(user_42()), "{protocol:?}");
    }
}

#[tokio::test]
async fn pages_and_cursors_are_the_same_everywhere_and_interchangeable() {
    let app = spawn_app().await;
    let first =
        app.call(Protocol::Rest, Key::Read, &Call::ListUsers { limit: Some(3), cursor: None }).await.expect("page");
    assert_eq!(first["items"].as_array().map(Vec::len), Some(3));
    let cursor = first["nextCursor"].as_str().expect("a next page").to_owned();
    for protocol in PROTOCOLS {
        let page = app.call(protocol, Key::Read, &Call::ListUsers { limit: Some(3), cursor: None }).await;
        assert_eq!(page.as_ref(), Ok(&first), "{protocol:?}");
        // A cursor from REST continues the list on every protocol.
        let next = app
            .call(protocol, Key::Read, &Call::ListUsers { limit: Some(3), cursor: Some(cursor.clone()) })
            .await
            .expect("next");
        assert_eq!(next["items"][0]["id"], 4, "{protocol:?}");
    }
    let default_page =
        app.call(Protocol::Grpc, Key::Read, &Call::ListUsers { limit: None, cursor: None }).await.expect("page");
    assert_eq!(default_page["items"].as_array().map(Vec::len), Some(20), "the default page is 20");
}

#[tokio::test]
async fn a_user_written_through_one_protocol_is_read_the_same_through_all() {
    let app = spawn_app().await;
    for (index, writer) in PROTOCOLS.into_iter().enumerate() {
        let email = format!("writer{index}@example.com");
        let created = app
            .call(writer, Key::Write, &Call::CreateUser { name: format!("Writer {index}"), email: email.clone() })
            .await
            .unwrap_or_else(|e| panic!("{writer:?} create: {e}"));
        let id = created["id"].as_u64().expect("id");
        assert_eq!(created["email"], email.as_str());
        for reader in PROTOCOLS {
            assert_eq!(
                app.call(reader, Key::Read, &Call::GetUser { id }).await.as_ref(),
                Ok(&created),
                "{writer:?} -> {reader:?}"
            );
        }
        let renamed = app
            .call(writer, Key::Write, &Call::UpdateUser { id, name: Some(format!("Renamed {index}")), email: None })
            .await
            .unwrap_or_else(|e| panic!("{writer:?} update: {e}"));
        assert_eq!(renamed["name"], format!("Renamed {index}"));
        assert_eq!(renamed["email"], email.as_str(), "a partial update keeps the other fields");
        for reader in PROTOCOLS {
            assert_eq!(
                app.call(reader, Key::Read, &Call::GetUser { id }).await.as_ref(),
                Ok(&renamed),
                "{writer:?} -> {reader:?}"
            );
        }
        assert_eq!(app.call(writer, Key::Write, &Call::DeleteUser { id }).await, Ok(Value::Null), "{writer:?} delete");
        for reader in PROTOCOLS {
            let gone = app.call(reader, Key::Read, &Call::GetUser { id }).await;
            assert_eq!(gone, Err("NOT_FOUND".to_owned()), "{writer:?} -> {reader:?}");
        }
    }
}

#[tokio::test]
async fn one_rate_budget_is_shared_by_all_protocols() {
    let mut settings = crate::helpers::settings();
    settings.default_tier.burst = 10;
    settings.default_tier.per_second = 1;
    let app = spawn_app_with(settings).await;
    for protocol in PROTOCOLS.into_iter().cycle().take(10) {
        assert!(
            app.call(protocol, Key::Read, &Call::GetUser { id: 42 }).await.is_ok(),
            "{protocol:?} within the burst"
        );
    }
    for protocol in PROTOCOLS {
        let answer = app.call(protocol, Key::Read, &Call::GetUser { id: 42 }).await;
        assert_eq!(answer, Err("RATE_LIMITED".to_owned()), "{protocol:?} after the burst was spent elsewhere");
    }
    let limited = app
        .http
        .get(format!("{}/api/v1/users/42", app.base))
        .header("x-api-key", "demo-read-key")
        .send()
        .await
        .expect("request");
    assert_eq!(limited.status(), 429);
    let retry_after: u64 = limited.headers()["retry-after"].to_str().expect("ascii").parse().expect("seconds");
    assert!(retry_after >= 1);
    let channel = tonic::transport::Endpoint::from_shared(app.base.clone()).expect("url").connect().await.expect("h2c");
    let mut grpc = api_playground::pb::user_service_client::UserServiceClient::new(channel);
    let mut request = tonic::Request::new(api_playground::pb::GetUserRequest { id: 42 });
    request.metadata_mut().insert("x-api-key", "demo-read-key".parse().expect("ascii"));
    let limited = grpc.get_user(request).await.expect_err("still limited");
    assert_eq!(limited.code(), tonic::Code::ResourceExhausted);
    use tonic_types::StatusExt;
    let delay = limited.get_details_retry_info().and_then(|info| info.retry_delay).expect("RetryInfo");
    assert!(delay >= std::time::Duration::from_secs(1), "{delay:?}");
    let other_caller = app.call(Protocol::Rest, Key::Write, &Call::GetUser { id: 42 }).await;
    assert!(other_caller.is_ok(), "another key has its own budget");
}

#[tokio::test]
async fn every_http_answer_says_what_is_left_of_the_one_budget() {
    let mut settings = crate::helpers::settings();
    settings.default_tier.burst = 10;
    settings.default_tier.per_second = 1;
    let app = spawn_app_with(settings).await;
    let fields = |headers: &reqwest::header::HeaderMap| {
        let text = |name: &str| headers.get(name).map(|v| v.to_str().expect("ascii").to_owned());
        (text("ratelimit-policy"), text("ratelimit"))
    };
    let policy = Some("\"default\";q=10;w=10".to_owned());
    let key = ("x-api-key", "demo-read-key");
    let rest = app.http.get(format!("{}/api/v1/users/42", app.base)).header(key.0, key.1).send().await.expect("REST");
    assert_eq!(fields(rest.headers()), (policy.clone(), Some("\"default\";r=9;t=1".to_owned())));
    let graphql = app
        .http
        .post(format!("{}/graphql", app.base))
        .header(key.0, key.1)
        .json(&json!({"query": "{ user(id: 42) { name } }"}))
        .send()
        .await
        .expect("GraphQL");
    assert_eq!(fields(graphql.headers()), (policy.clone(), Some("\"default\";r=8;t=2".to_owned())));
    let channel = tonic::transport::Endpoint::from_shared(app.base.clone()).expect("url").connect().await.expect("h2c");
    let mut grpc = api_playground::pb::user_service_client::UserServiceClient::new(channel);
    let mut request = tonic::Request::new(api_playground::pb::GetUserRequest { id: 42 });
    request.metadata_mut().insert(key.0, key.1.parse().expect("ascii"));
    let answer = grpc.get_user(request).await.expect("gRPC");
    let metadata = |name: &str| answer.metadata().get(name).map(|v| v.to_str().expect("ascii").to_owned());
    assert_eq!((metadata("ratelimit-policy"), metadata("ratelimit")), (policy, Some("\"default\";r=7;t=3".to_owned())));
    let public = app.http.get(format!("{}/healthz", app.base)).send().await.expect("healthz");
    assert_eq!(fields(public.headers()), (None, None), "ops endpoints spend nothing");
}

#[tokio::test]
async fn without_credentials_one_address_has_one_budget_on_every_protocol() {
    let mut settings = crate::helpers::settings();
    settings.no_auth = true;
    settings.default_tier.burst = 5;
    settings.default_tier.per_second = 1;
    let app = spawn_app_with(settings).await;
    for protocol in PROTOCOLS {
        let answer = app.call(protocol, Key::None, &Call::GetUser { id: 42 }).await;
        assert!(answer.is_ok(), "{protocol:?} within the burst: {answer:?}");
    }
    for protocol in PROTOCOLS {
        let answer = app.call(protocol, Key::None, &Call::GetUser { id: 42 }).await;
        assert_eq!(answer, Err("RATE_LIMITED".to_owned()), "{protocol:?} after the address spent its burst elsewhere");
    }
}

#[tokio::test]
async fn no_auth_opens_every_operation_but_still_checks_keys_that_are_sent() {
    let mut settings = crate::helpers::settings();
    settings.no_auth = true;
    let app = spawn_app_with(settings).await;
    for (index, protocol) in PROTOCOLS.into_iter().enumerate() {
        assert_eq!(app.call(protocol, Key::None, &Call::GetUser { id: 42 }).await, Ok(user_42()), "{protocol:?}");
        let created = app
            .call(
                protocol,
                Key::None,
                &Call::CreateUser { name: "Open".into(), email: format!("open{index}@example.com") },
            )
            .await;
        assert!(created.is_ok(), "{protocol:?}: {created:?}");
        let wrong = app.call(protocol, Key::Wrong, &Call::GetUser { id: 42 }).await;
        assert_eq!(wrong, Err("UNAUTHENTICATED".to_owned()), "{protocol:?}");
    }
}

#[tokio::test]
async fn products_and_orders_read_the_same_on_every_protocol() {
    let app = spawn_app().await;
    let reads = [
        Call::GetProduct { id: 1 },
        Call::GetProduct { id: 4 },
        Call::ListProducts { limit: Some(5), cursor: None },
        Call::GetOrder { id: 10 },
        Call::GetOrder { id: 7 },
        Call::ListUserOrders { user_id: 3, status: None },
        Call::ListUserOrders { user_id: 42, status: Some("paid") },
        Call::ListUserOrders { user_id: 2, status: None },
    ];
    for call in &reads {
        let expected = app.call(Protocol::Rest, Key::Read, call).await.unwrap_or_else(|e| panic!("REST {call:?}: {e}"));
        for protocol in PROTOCOLS {
            assert_eq!(app.call(protocol, Key::Read, call).await.as_ref(), Ok(&expected), "{protocol:?} {call:?}");
        }
    }
    let paid = app.call(Protocol::Grpc, Key::Read, &Call::ListUserOrders { user_id: 42, status: Some("paid") }).await;
    let paid = paid.expect("orders");
    assert!(paid["items"].as_array().expect("items").iter().all(|order| order["status"] == "paid"));
    let eur = app.call(Protocol::Soap, Key::Read, &Call::GetProduct { id: 4 }).await.expect("product 4");
    assert_eq!(eur["currency"], "EUR");
}

#[tokio::test]
async fn orders_take_and_give_back_stock_the_same_way_on_every_protocol() {
    let app = spawn_app().await;
    for writer in PROTOCOLS {
        let before = (stock(&app, 1).await, stock(&app, 2).await);
        let order = app
            .call(writer, Key::Write, &Call::CreateOrder { user_id: 3, items: vec![(1, 2), (2, 1)] })
            .await
            .unwrap_or_else(|e| panic!("{writer:?} create: {e}"));
        assert_eq!(order["status"], "pending");
        assert_eq!(order["userId"], 3);
        let id = order["id"].as_u64().expect("id");
        assert_eq!(
            (stock(&app, 1).await, stock(&app, 2).await),
            (before.0 - 2, before.1 - 1),
            "{writer:?} takes stock"
        );
        for reader in PROTOCOLS {
            assert_eq!(
                app.call(reader, Key::Read, &Call::GetOrder { id }).await.as_ref(),
                Ok(&order),
                "{writer:?} -> {reader:?}"
            );
        }
        let paid = app.call(writer, Key::Write, &Call::UpdateOrderStatus { id, status: "paid" }).await.expect("pay");
        assert_eq!(paid["status"], "paid");
        for protocol in PROTOCOLS {
            let illegal = app.call(protocol, Key::Write, &Call::UpdateOrderStatus { id, status: "delivered" }).await;
            assert_eq!(illegal, Err("CONFLICT".to_owned()), "{protocol:?}: paid -> delivered");
        }
        let cancelled = app.call(writer, Key::Write, &Call::UpdateOrderStatus { id, status: "cancelled" }).await;
        assert_eq!(cancelled.expect("cancel")["status"], "cancelled");
        assert_eq!((stock(&app, 1).await, stock(&app, 2).await), before, "{writer:?} cancelling gives stock back");
        assert_eq!(app.call(writer, Key::Write, &Call::DeleteOrder { id }).await, Ok(Value::Null));
        for reader in PROTOCOLS {
            assert_eq!(app.call(reader, Key::Read, &Call::GetOrder { id }).await, Err("NOT_FOUND".to_owned()));
        }
    }
}

#[tokio::test]
async fn order_and_product_errors_are_the_same_on_every_protocol() {
    let app = spawn_app().await;
    let cases: Vec<(Key, Call, &str)> = vec![
        (Key::Read, Call::GetProduct { id: 999 }, "NOT_FOUND"),
        (Key::Read, Call::GetOrder { id: 999_999 }, "NOT_FOUND"),
        (Key::Read, Call::ListUserOrders { user_id: 999_999, status: None }, "NOT_FOUND"),
        (Key::Read, Call::ListProducts { limit: Some(101), cursor: None }, "INVALID_ARGUMENT"),
        (Key::Write, Call::CreateOrder { user_id: 3, items: vec![(1, 1), (4, 1)] }, "INVALID_ARGUMENT"),
        (Key::Write, Call::CreateOrder { user_id: 3, items: vec![(1, 5000)] }, "INVALID_ARGUMENT"),
        (Key::Write, Call::CreateOrder { user_id: 3, items: vec![] }, "INVALID_ARGUMENT"),
        (Key::Write, Call::CreateOrder { user_id: 3, items: vec![(999, 1)] }, "INVALID_ARGUMENT"),
        (Key::Write, Call::CreateOrder { user_id: 3, items: vec![(1, 1000)] }, "CONFLICT"),
        (Key::Write, Call::CreateOrder { user_id: 999_999, items: vec![(1, 1)] }, "NOT_FOUND"),
        (Key::Read, Call::CreateOrder { user_id: 3, items: vec![(1, 1)] }, "PERMISSION_DENIED"),
        (Key::None, Call::CreateOrder { user_id: 3, items: vec![(1, 1)] }, "UNAUTHENTICATED"),
        (Key::None, Call::GetProduct { id: 1 }, "UNAUTHENTICATED"),
        (Key::Write, Call::UpdateOrderStatus { id: 999_999, status: "paid" }, "NOT_FOUND"),
        (Key::Read, Call::UpdateOrderStatus { id: 10, status: "paid" }, "PERMISSION_DENIED"),
        (Key::Write, Call::DeleteOrder { id: 999_999 }, "NOT_FOUND"),
        (Key::Read, Call::DeleteOrder { id: 10 }, "PERMISSION_DENIED"),
    ];
    let product_1 = app.call(Protocol::Rest, Key::Read, &Call::GetProduct { id: 1 }).await.expect("product");
    for (key, call, code) in &cases {
        for protocol in PROTOCOLS {
            assert_eq!(app.call(protocol, *key, call).await, Err((*code).to_owned()), "{protocol:?} {key:?} {call:?}");
        }
    }
    let order = app.call(Protocol::Rest, Key::Write, &Call::CreateOrder { user_id: 3, items: vec![(1, 1)] }).await;
    let id = order.expect("order")["id"].as_u64().expect("id");
    for (status, code) in [("shipped", "CONFLICT"), ("delivered", "CONFLICT"), ("pending", "CONFLICT")] {
        for protocol in PROTOCOLS {
            let answer = app.call(protocol, Key::Write, &Call::UpdateOrderStatus { id, status }).await;
            assert_eq!(answer, Err(code.to_owned()), "{protocol:?}: pending -> {status}");
        }
    }
    app.call(Protocol::Rest, Key::Write, &Call::DeleteOrder { id }).await.expect("delete");
    let after = app.call(Protocol::Rest, Key::Read, &Call::GetProduct { id: 1 }).await.expect("product");
    assert_eq!(after, product_1, "refused orders changed nothing, and the deleted one gave its stock back");
}

#[tokio::test]
async fn events_polled_over_rest_and_soap_are_the_same_changes() {
    let app = spawn_app().await;
    let user = app
        .call(Protocol::Grpc, Key::Write, &Call::CreateUser { name: "Eve".into(), email: "eve@example.com".into() })
        .await
        .expect("user");
    let user_id = user["id"].as_u64().expect("id");
    let order = app.call(Protocol::WebSocket, Key::Write, &Call::CreateOrder { user_id, items: vec![(1, 1)] }).await;
    let order_id = order.expect("order")["id"].as_u64().expect("id");
    app.call(Protocol::Soap, Key::Write, &Call::UpdateOrderStatus { id: order_id, status: "paid" }).await.expect("pay");
    app.call(Protocol::GraphQl, Key::Write, &Call::DeleteOrder { id: order_id }).await.expect("delete");
    let rest: Value = app
        .http
        .get(format!("{}/api/v1/events?after=0", app.base))
        .header("x-api-key", "demo-read-key")
        .send()
        .await
        .expect("events")
        .json()
        .await
        .expect("json");
    let kinds: Vec<(u64, String)> = rest["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| (e["seq"].as_u64().expect("seq"), e["type"].as_str().expect("type").to_owned()))
        .collect();
    let types: Vec<&str> = kinds.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(types, ["user.created", "order.created", "order.status_changed", "order.deleted"]);
    assert_eq!(rest["items"][2]["data"]["status"], "paid");
    assert_eq!(rest["nextAfter"], kinds[3].0);
    assert_eq!(rest["gap"], false);
    let envelope = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><GetEvents xmlns="urn:api-playground:v1"><After>0</After></GetEvents></soap:Body></soap:Envelope>"#;
    let text = app
        .http
        .post(format!("{}/soap", app.base))
        .header("content-type", "text/xml")
        .header("x-api-key", "demo-read-key")
        .body(envelope)
        .send()
        .await
        .expect("soap")
        .text()
        .await
        .expect("text");
    let soap = crate::helpers::xml_to_json(&text);
    let events = soap["Envelope"]["Body"]["GetEventsResponse"]["Events"]["Event"].as_array().cloned().expect("events");
    let soap_kinds: Vec<(u64, String)> = events
        .iter()
        .map(|e| {
            (e["Seq"].as_str().expect("seq").parse().expect("number"), e["Type"].as_str().expect("type").to_owned())
        })
        .collect();
    assert_eq!(soap_kinds, kinds, "{text}");
    assert_eq!(events[0]["User"]["Email"], "eve@example.com");
    assert_eq!(events[2]["Order"]["Status"], "paid");
    let after_last: Value = app
        .http
        .get(format!("{}/api/v1/events?after={}", app.base, kinds[3].0))
        .header("x-api-key", "demo-read-key")
        .send()
        .await
        .expect("events")
        .json()
        .await
        .expect("json");
    assert_eq!(after_last["items"], json!([]));
}

async fn stock(app: &crate::helpers::TestApp, id: u64) -> u64 {
    let product = app.call(Protocol::Rest, Key::Read, &Call::GetProduct { id }).await.expect("product");
    product["stock"].as_u64().expect("stock")
}

#[tokio::test]
async fn the_maintenance_switch_is_one_operation_and_refuses_every_protocol_alike() {
    let app = spawn_app().await;
    let on = |retry_after| Call::SetMaintenance { enabled: true, retry_after };
    let off = Call::SetMaintenance { enabled: false, retry_after: None };
    for switch in PROTOCOLS {
        // Only the admin scope may turn it, and its input is checked the same way everywhere.
        assert_eq!(app.call(switch, Key::Write, &on(None)).await, Err("PERMISSION_DENIED".into()), "{switch:?}");
        assert_eq!(app.call(switch, Key::None, &on(None)).await, Err("UNAUTHENTICATED".into()), "{switch:?}");
        for bad in [0, -5, 3601] {
            let answer = app.call(switch, Key::Admin, &on(Some(bad))).await;
            assert_eq!(answer, Err("INVALID_ARGUMENT".into()), "{switch:?} {bad}");
        }
        let turned_on = app.call(switch, Key::Admin, &on(Some(7))).await;
        assert_eq!(turned_on, Ok(json!({"enabled": true, "retryAfter": 7})), "{switch:?}");
        // Every other operation on every protocol is UNAVAILABLE (with its retry delay, which
        // the helpers check in each protocol's own form), WebSocket connections close 1013.
        for protocol in PROTOCOLS {
            let refused = app.call(protocol, Key::Read, &Call::GetUser { id: 42 }).await;
            assert_eq!(refused, Err("UNAVAILABLE".into()), "{protocol:?} during maintenance set over {switch:?}");
        }
        let rest = app.http.get(format!("{}/api/v1/products/1", app.base)).header("x-api-key", "demo-read-key");
        let rest = rest.send().await.expect("REST");
        assert_eq!((rest.status().as_u16(), rest.headers()["retry-after"].to_str().ok()), (503, Some("7")));
        let health = app.http.get(format!("{}/readyz", app.base)).send().await.expect("readyz");
        assert_eq!(health.status(), 200, "readiness is not maintenance");
        // The switch itself still answers, and turns it off.
        let turned_off = app.call(switch, Key::Admin, &off).await;
        assert_eq!(turned_off, Ok(json!({"enabled": false, "retryAfter": 0})), "{switch:?}");
        for protocol in PROTOCOLS {
            assert_eq!(app.call(protocol, Key::Read, &Call::GetUser { id: 42 }).await, Ok(user_42()), "{protocol:?}");
        }
    }
    assert_eq!(
        app.call(Protocol::Rest, Key::Admin, &on(None)).await,
        Ok(json!({"enabled": true, "retryAfter": 30})),
        "the default delay"
    );
}
