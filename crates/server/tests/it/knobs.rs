//! The teaching knobs and what the server tells about each call: a forced failure gives that
//! code's canonical error on all five protocols, a delay and a simulated round trip add their
//! time, injected faults follow their seed, and every call shows up in `/metrics` with its
//! protocol, in an access-log line, and (on HTTP and gRPC) with its `X-Request-Id`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use playground_client::call::{Call, Credential, Knobs, Protocol};
use playground_client::compare::{lane, Options};
use playground_client::requests::Target;
use serde_json::{json, Value};

use crate::helpers::{settings, spawn_app, spawn_app_with};

const BINARY: &str = env!("CARGO_BIN_EXE_api-playground");

fn read_key() -> Credential {
    Credential::ApiKey("demo-read-key".into())
}

fn with(knobs: Knobs) -> Options {
    Options { knobs, ..Options::default() }
}

#[tokio::test]
async fn a_forced_failure_is_that_codes_error_on_every_protocol_and_every_operation() {
    let app = spawn_app().await;
    let target = Target::from_url(&app.base).await.expect("target");
    let write = Credential::ApiKey("demo-write-key".into());
    let calls = [
        ("getUser", json!({"id": 42}), read_key()),
        ("listProducts", json!({"limit": 2}), read_key()),
        ("createOrder", json!({"userId": 3, "items": [{"productId": 1, "quantity": 1}]}), write.clone()),
        ("deleteUser", json!({"id": 7}), write),
    ];
    let statuses = [
        (400, "INVALID_ARGUMENT"),
        (401, "UNAUTHENTICATED"),
        (403, "PERMISSION_DENIED"),
        (404, "NOT_FOUND"),
        (409, "CONFLICT"),
        (429, "RATE_LIMITED"),
        (500, "INTERNAL"),
        (503, "UNAVAILABLE"),
    ];
    for (operation, args, credential) in &calls {
        let call = Call::parse(operation, args.clone()).expect("call");
        for (status, code) in statuses {
            for protocol in Protocol::ALL {
                let knobs = Knobs { delay: None, fail: Some(status), rtt_ms: None };
                let lane = lane(protocol, &target, &call, credential, &with(knobs)).await;
                assert_eq!(lane.code, code, "{operation} with fail {status} on {}: {}", protocol.name(), lane.response);
                // An INTERNAL error's message stays in the server's log; gRPC percent-encodes
                // grpc-message.
                let response = lane.response.replace("%20", " ");
                let told = code == "INTERNAL" || response.contains("failed on purpose");
                assert!(told, "{}: {}", protocol.name(), lane.response);
            }
        }
    }
    // A forced failure runs nothing: user 7 is still there.
    let user = app.http.get(format!("{}/api/v1/users/7", app.base)).header("x-api-key", "demo-read-key").send().await;
    assert_eq!(user.expect("get").status(), 200);
}

#[tokio::test]
async fn bad_knobs_are_invalid_argument_in_each_protocols_form() {
    let app = spawn_app().await;
    let target = Target::from_url(&app.base).await.expect("target");
    let call = Call::parse("getUser", json!({"id": 42})).expect("call");
    for knobs in [
        Knobs { delay: Some("31s".into()), fail: None, rtt_ms: None },
        Knobs { delay: Some("soon".into()), fail: None, rtt_ms: None },
        Knobs { delay: None, fail: Some(418), rtt_ms: None },
    ] {
        for protocol in Protocol::ALL {
            let lane = lane(protocol, &target, &call, &read_key(), &with(knobs.clone())).await;
            assert_eq!(lane.code, "INVALID_ARGUMENT", "{knobs:?} on {}: {}", protocol.name(), lane.response);
        }
    }
    let refused = app
        .http
        .get(format!("{}/api/v1/users/42", app.base))
        .header("x-api-key", "demo-read-key")
        .header("x-playground-fail", "418")
        .send()
        .await
        .expect("get");
    let body: Value = refused.json().await.expect("problem");
    assert!(body["detail"].as_str().unwrap_or("").contains("400, 401, 403, 404, 409, 429, 500, 503"), "{body}");
}

#[tokio::test]
async fn a_delay_adds_its_time_on_every_protocol() {
    let app = spawn_app().await;
    let target = Target::from_url(&app.base).await.expect("target");
    let call = Call::parse("getUser", json!({"id": 42})).expect("call");
    for protocol in Protocol::ALL {
        let knobs = Knobs { delay: Some("150ms".into()), fail: None, rtt_ms: None };
        let lane = lane(protocol, &target, &call, &read_key(), &with(knobs)).await;
        assert_eq!(lane.code, "OK");
        assert!(lane.latency.total_ms >= 150.0, "{} took {} ms", protocol.name(), lane.latency.total_ms);
    }
}

#[tokio::test]
async fn a_comparison_can_play_a_round_trip_and_websocket_pays_one_more_for_its_upgrade() {
    let app = spawn_app().await;
    let target = Target::from_url(&app.base).await.expect("target");
    let call = Call::parse("getUser", json!({"id": 42})).expect("call");
    let rtt = 40.0;
    for protocol in Protocol::ALL {
        let knobs = Knobs { delay: None, fail: None, rtt_ms: Some(40) };
        let lane = lane(protocol, &target, &call, &read_key(), &with(knobs)).await;
        assert_eq!(lane.code, "OK");
        // The handshake, then the request (and for WebSocket the upgrade before the message).
        let round_trips = if protocol == Protocol::Websocket { 3.0 } else { 2.0 };
        assert!(lane.latency.total_ms >= round_trips * rtt, "{} took {} ms", protocol.name(), lane.latency.total_ms);
        assert!(lane.latency.connect_ms >= rtt, "{}: connect {} ms", protocol.name(), lane.latency.connect_ms);
    }
}

#[tokio::test]
async fn a_simulated_round_trip_costs_one_per_request_and_one_more_per_connection() {
    let rtt = Duration::from_millis(60);
    let mut settings = settings();
    settings.knobs.simulate_rtt = Some(rtt);
    let app = spawn_app_with(settings).await;
    let url = format!("{}/api/v1/users/42", app.base);
    // A new connection: the handshake's round trip, then the request's.
    let fresh = reqwest::Client::builder().pool_max_idle_per_host(0).build().expect("client");
    let started = Instant::now();
    let answer = fresh.get(&url).header("x-api-key", "demo-read-key").send().await.expect("get");
    assert_eq!(answer.status(), 200);
    assert!(started.elapsed() >= rtt * 2, "a new connection took {:?}", started.elapsed());
    // Keep-alive: only the request's.
    let client = reqwest::Client::new();
    client.get(&url).header("x-api-key", "demo-read-key").send().await.expect("warm up");
    let started = Instant::now();
    client.get(&url).header("x-api-key", "demo-read-key").send().await.expect("get");
    let kept = started.elapsed();
    assert!(kept >= rtt, "a kept-alive call took {kept:?}");
    // And on /ws, each message.
    let target = Target::from_url(&app.base).await.expect("target");
    let call = Call::parse("getUser", json!({"id": 42})).expect("call");
    let lane = lane(Protocol::Websocket, &target, &call, &read_key(), &Options::default()).await;
    assert_eq!(lane.code, "OK");
    assert!(lane.latency.total_ms >= 3.0 * rtt.as_secs_f64() * 1000.0, "ws took {} ms", lane.latency.total_ms);
}

#[tokio::test]
async fn injected_faults_follow_their_seed() {
    async fn outcomes(seed: u64) -> Vec<u16> {
        let mut settings = settings();
        settings.knobs.fault_rate = 0.3;
        settings.knobs.fault_seed = seed;
        let app = spawn_app_with(settings).await;
        let mut statuses = Vec::new();
        for _ in 0..60 {
            let answer = app
                .http
                .get(format!("{}/api/v1/users/42", app.base))
                .header("x-api-key", "demo-read-key")
                .send()
                .await
                .expect("get");
            statuses.push(answer.status().as_u16());
        }
        // Ops endpoints are never failed.
        assert_eq!(app.http.get(format!("{}/healthz", app.base)).send().await.expect("healthz").status(), 200);
        statuses
    }
    let first = outcomes(11).await;
    assert_eq!(first, outcomes(11).await, "the same seed fails the same calls");
    assert_ne!(first, outcomes(12).await);
    let failed = first.iter().filter(|status| **status != 200).count();
    assert!((5..40).contains(&failed), "{failed} of 60 failed at a rate of 0.3");
    assert!(first.iter().all(|status| [200, 500, 503].contains(status)), "{first:?}");
}

#[tokio::test]
async fn metrics_label_every_call_with_its_protocol_and_answers_carry_a_request_id() {
    let app = spawn_app().await;
    let target = Target::from_url(&app.base).await.expect("target");
    let call = Call::parse("getProduct", json!({"id": 1})).expect("call");
    for protocol in Protocol::ALL {
        assert_eq!(lane(protocol, &target, &call, &read_key(), &Options::default()).await.code, "OK");
        let lane = lane(protocol, &target, &call, &Credential::None, &Options::default()).await;
        assert_eq!(lane.code, "UNAUTHENTICATED");
        if protocol != Protocol::Websocket {
            // HTTP answers carry the id; gRPC's is response metadata, the same header block.
            assert!(lane.response.to_ascii_lowercase().contains("x-request-id: "), "{}", lane.response);
        }
    }
    let answer = app.http.get(format!("{}/metrics", app.base)).send().await.expect("metrics");
    assert!(answer.headers()["content-type"].to_str().unwrap_or("").starts_with("application/openmetrics-text"));
    let text = answer.text().await.expect("text");
    for protocol in ["rest", "graphql", "grpc", "ws", "soap"] {
        for code in ["OK", "UNAUTHENTICATED"] {
            let counter =
                format!("playground_calls_total{{protocol=\"{protocol}\",operation=\"getProduct\",code=\"{code}\"}} 1");
            assert!(text.contains(&counter), "no {counter} in\n{text}");
        }
        let histogram = format!(
            "playground_request_duration_seconds_count{{protocol=\"{protocol}\",operation=\"getProduct\",code=\"OK\"}} 1"
        );
        assert!(text.contains(&histogram), "no {histogram} in\n{text}");
    }
    assert!(text.contains("playground_open_connections{transport=\"tcp\"}"), "{text}");
    assert!(text.contains("playground_requests_in_flight{protocol=\"rest\"} 0"), "{text}");
    // A client's own id is echoed.
    let answer = app
        .http
        .get(format!("{}/api/v1/users/42", app.base))
        .header("x-api-key", "demo-read-key")
        .header("x-request-id", "lesson-7")
        .send()
        .await
        .expect("get");
    assert_eq!(answer.headers()["x-request-id"], "lesson-7");
}

#[tokio::test]
async fn rate_limit_refusals_and_subscribers_are_counted() {
    let mut settings = settings();
    settings.default_tier.burst = 2;
    settings.default_tier.per_second = 1;
    let app = spawn_app_with(settings).await;
    for _ in 0..4 {
        app.http.get(format!("{}/api/v1/users/1", app.base)).header("x-api-key", "demo-read-key").send().await.ok();
    }
    let text = app.http.get(format!("{}/metrics", app.base)).send().await.expect("metrics").text().await.expect("text");
    assert!(text.contains("playground_rate_limited_total{tier=\"default\"} 2"), "{text}");
    assert!(text.contains("playground_calls_total{protocol=\"rest\",operation=\"getUser\",code=\"RATE_LIMITED\"} 2"));
}

/// The binary with `--log-format json`: one JSON line per call on standard error, with the id
/// the answer carried.
#[tokio::test]
async fn the_access_log_has_one_json_line_per_call_with_its_request_id() {
    let mut child = Command::new(BINARY)
        .args(["--listen", "127.0.0.1:0", "--log-format", "json"])
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the binary");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("first line");
    let base = first.trim().strip_prefix("listening on ").expect("the address first").to_owned();
    let answer = reqwest::Client::new()
        .get(format!("{base}/api/v1/users/42?access_token=never-logged"))
        .header("x-api-key", "demo-read-key")
        .send()
        .await
        .expect("get");
    let id = answer.headers()["x-request-id"].to_str().expect("id").to_owned();
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let output = child.wait_with_output().expect("exit");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find(|line| line["request_id"] == id.as_str())
        .unwrap_or_else(|| panic!("no access line with {id} in:\n{stderr}"));
    assert_eq!(line["target"], "access");
    assert_eq!(line["protocol"], "rest");
    assert_eq!(line["operation"], "getUser");
    assert_eq!(line["caller"], "key:demo-rea…", "a key is its own secret: only its start is logged");
    assert_eq!(line["code"], "OK");
    assert_eq!(line["status"], 200);
    assert_eq!(line["path"], "/api/v1/users/42");
    assert!(line["latency_ms"].as_f64().is_some(), "{line}");
    assert!(!stderr.contains("never-logged"), "the query string is not logged");
}
