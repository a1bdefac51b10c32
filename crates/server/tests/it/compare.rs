//! `compare`, the page's endpoint and the command: one call on all five protocols over real
//! sockets, every lane with the same canonical outcome, the captures holding each protocol's
//! real bytes, and the endpoint's bounds.

use std::process::Command;

use playground_client::call::{Call, Credential, Protocol};
use playground_client::compare::{compare, lane, Comparison, Options};
use playground_client::requests::Target;
use serde_json::{json, Value};

use crate::helpers::{settings, spawn_app, spawn_app_with, TestApp};

const BINARY: &str = env!("CARGO_BIN_EXE_api-playground");

async fn target(app: &TestApp) -> Target {
    Target::from_url(&app.base).await.expect("the test server's address")
}

fn key(key: &str) -> Credential {
    Credential::ApiKey(key.to_owned())
}

/// One row of the matrix: an operation with its arguments, a credential, and the outcome every
/// protocol must give. `{protocol}` in the arguments is replaced per lane, so writes that must be
/// unique (emails) do not collide.
struct Case {
    operation: &'static str,
    args: Value,
    credential: Credential,
    expected: &'static str,
}

fn cases() -> Vec<Case> {
    let case = |operation, args, credential, expected| Case { operation, args, credential, expected };
    let (read, write) = (key("demo-read-key"), key("demo-write-key"));
    vec![
        case("listUsers", json!({"limit": 2}), read.clone(), "OK"),
        case("getUser", json!({"id": 42}), read.clone(), "OK"),
        case("getUser", json!({"id": 999_999}), read.clone(), "NOT_FOUND"),
        case("getUser", json!({"id": 42}), Credential::None, "UNAUTHENTICATED"),
        case("getUser", json!({"id": 42}), key("not-a-key"), "UNAUTHENTICATED"),
        case("createUser", json!({"name": "Lane", "email": "{protocol}@compare.example"}), write.clone(), "OK"),
        case("createUser", json!({"name": "Lane", "email": "read@compare.example"}), read.clone(), "PERMISSION_DENIED"),
        case("createUser", json!({"name": "Lane", "email": "not-an-email"}), write.clone(), "INVALID_ARGUMENT"),
        case("updateUser", json!({"id": 2, "name": "Renamed"}), write.clone(), "OK"),
        case("deleteUser", json!({"id": 999_999}), write.clone(), "NOT_FOUND"),
        case("deleteUser", json!({"id": 42}), write.clone(), "CONFLICT"),
        case("listProducts", json!({"limit": 3}), read.clone(), "OK"),
        case("getProduct", json!({"id": 1}), read.clone(), "OK"),
        case("listUserOrders", json!({"userId": 42}), read.clone(), "OK"),
        case("getOrder", json!({"id": 1}), read.clone(), "OK"),
        case("createOrder", json!({"userId": 3, "items": [{"productId": 1, "quantity": 1}]}), write.clone(), "OK"),
        case("updateOrderStatus", json!({"id": 999_999, "status": "paid"}), write.clone(), "NOT_FOUND"),
        case("deleteOrder", json!({"id": 999_999}), write, "NOT_FOUND"),
        case("setMaintenance", json!({"enabled": true}), read, "PERMISSION_DENIED"),
    ]
}

#[tokio::test]
async fn every_operation_gives_the_same_outcome_on_every_protocol() {
    let app = spawn_app().await;
    let target = target(&app).await;
    for case in cases() {
        for protocol in Protocol::ALL {
            let args = serde_json::from_str(&case.args.to_string().replace("{protocol}", protocol.name()))
                .expect("arguments stay JSON");
            let call = Call::parse(case.operation, args).expect("a valid call");
            let lane = lane(protocol, &target, &call, &case.credential, &Options::default()).await;
            assert_eq!(lane.error, None, "{} on {}", case.operation, protocol.name());
            assert_eq!(
                lane.code,
                case.expected,
                "{} {} on {}: {}\n{}",
                case.operation,
                case.args,
                protocol.name(),
                lane.status,
                lane.response
            );
            assert!(lane.bytes.sent > 0 && lane.bytes.received > 0, "{lane:?}");
        }
    }
}

fn lane_of(comparison: &Comparison, protocol: Protocol) -> &playground_client::compare::Lane {
    comparison.lanes.iter().find(|lane| lane.protocol == protocol).expect("a lane per protocol")
}

#[tokio::test]
async fn captures_hold_each_protocols_real_bytes() {
    let app = spawn_app().await;
    let target = target(&app).await;
    let call = Call::parse("getUser", json!({"id": 42})).expect("call");
    let comparison = compare(&target, &call, &key("demo-read-key"), Options::default()).await;
    assert_eq!(comparison.lanes.iter().map(|l| l.protocol).collect::<Vec<_>>(), Protocol::ALL);

    let rest = lane_of(&comparison, Protocol::Rest);
    assert!(rest.request.starts_with("GET /api/v1/users/42 HTTP/1.1\r\n"), "{}", rest.request);
    assert!(rest.request.contains("x-api-key: demo-read-key"), "credentials are shown as sent");
    assert!(rest.response.starts_with("HTTP/1.1 200 OK\r\n") && rest.response.contains("Oscar Okafor"));
    // HTTP/1.1 is text: the decoded view is the bytes themselves.
    assert_eq!(rest.request.len() as u64, rest.bytes.sent);
    assert_eq!(rest.response.len() as u64, rest.bytes.received);

    let graphql = lane_of(&comparison, Protocol::Graphql);
    assert!(graphql.request.starts_with("POST /graphql HTTP/1.1\r\n") && graphql.request.contains("user(id: $id)"));

    let grpc = lane_of(&comparison, Protocol::Grpc);
    assert_eq!(grpc.transport, "HTTP/2 (h2c)");
    for part in ["connection preface", "HEADERS stream 1", ":path: /playground.v1.UserService/GetUser", "1 id = 42"] {
        assert!(grpc.request.contains(part), "{part} in\n{}", grpc.request);
    }
    for part in ["grpc-status: 0", "playground.v1.GetUserResponse", "\"Oscar Okafor\"", "(varint)"] {
        assert!(grpc.response.contains(part), "{part} in\n{}", grpc.response);
    }
    assert_eq!(grpc.bytes.sent_payload, 7, "a 5-byte prefix and two bytes of protobuf");

    let websocket = lane_of(&comparison, Protocol::Websocket);
    assert!(websocket.request.starts_with("GET /ws HTTP/1.1\r\n") && websocket.request.contains("masked with"));
    assert!(
        websocket.response.starts_with("HTTP/1.1 101 Switching Protocols") && websocket.response.contains("unmasked")
    );
    assert!(websocket.request.contains("\"method\":\"users.get\""));

    let soap = lane_of(&comparison, Protocol::Soap);
    assert!(
        soap.request.contains("soapaction: \"urn:api-playground:v1/GetUser\"")
            && soap.request.contains("<p:Id>42</p:Id>")
    );
    assert!(soap.response.contains("GetUserResponse"));

    for lane in &comparison.lanes {
        assert_eq!(lane.code, "OK", "{lane:?}");
        let latency = &lane.latency;
        assert!(latency.connect_ms <= latency.first_byte_ms && latency.first_byte_ms <= latency.total_ms, "{lane:?}");
        assert!(lane
            .exchange
            .first()
            .is_some_and(|step| step.direction == playground_client::capture::Direction::Sent));
        assert!(!lane.copy_as.command.is_empty() && !lane.copy_as.python.is_empty());
    }
    assert!(
        grpc.copy_as.command.starts_with("grpcurl -plaintext -h 'x-api-key: demo-read-key' -d '{\"id\":\"42\"}'"),
        "{}",
        grpc.copy_as.command
    );
}

async fn post_compare(app: &TestApp, body: Value) -> (u16, Option<String>, Value) {
    let response = app
        .http
        .post(format!("{}/api/v1/playground/compare", app.base))
        .json(&body)
        .send()
        .await
        .expect("compare endpoint");
    let status = response.status().as_u16();
    let retry_after = response.headers().get("retry-after").map(|v| v.to_str().unwrap_or_default().to_owned());
    (status, retry_after, response.json().await.expect("JSON answer"))
}

#[tokio::test]
async fn the_endpoint_refuses_bad_input_and_names_what_is_allowed() {
    let app = spawn_app().await;
    let (status, _, body) =
        post_compare(&app, json!({"operation": "getUser", "args": {"id": 42}, "apiKey": "demo-read-key"})).await;
    assert_eq!(status, 200);
    assert!(
        body["lanes"].as_array().is_some_and(|lanes| lanes.len() == 5 && lanes.iter().all(|l| l["code"] == "OK")),
        "{body}"
    );

    for (request, names) in [
        (json!({"operation": "getUsers"}), "getUser"),
        (json!({"operation": "getUser", "args": {"idx": 1}}), "`id`"),
        (json!({"operation": "getUser", "args": [42]}), "object"),
        (json!({"operation": "updateOrderStatus", "args": {"id": 1, "status": "lost"}}), "pending"),
        (json!({"operation": "getUser", "args": {"id": 1}, "apiKey": "a", "token": "b"}), "not both"),
        (json!({"operation": "createUser", "args": {"name": "x".repeat(20_000), "email": "a@b.c"}}), "bytes"),
    ] {
        let (status, _, problem) = post_compare(&app, request.clone()).await;
        assert_eq!((status, problem["code"].as_str()), (400, Some("INVALID_ARGUMENT")), "{request}: {problem}");
        assert!(problem["detail"].as_str().is_some_and(|d| d.contains(names)), "{request}: {problem}");
    }
}

#[tokio::test]
async fn the_endpoint_is_bounded_in_runs_and_spends_one_call_per_lane() {
    let mut closed = settings();
    closed.limits.compare_runs = 0;
    let app = spawn_app_with(closed).await;
    let (status, retry_after, problem) = post_compare(&app, json!({"operation": "getUser", "args": {"id": 42}})).await;
    assert_eq!((status, retry_after.as_deref(), problem["code"].as_str()), (503, Some("1"), Some("UNAVAILABLE")));

    let mut small = settings();
    small.default_tier.burst = 10;
    small.default_tier.per_second = 1;
    let app = spawn_app_with(small).await;
    let request = json!({"operation": "getUser", "args": {"id": 42}, "apiKey": "demo-read-key"});
    for _ in 0..2 {
        let (_, _, body) = post_compare(&app, request.clone()).await;
        assert!(body["lanes"].as_array().is_some_and(|lanes| lanes.iter().all(|l| l["code"] == "OK")), "{body}");
    }
    // Ten lanes spent the burst of ten: every protocol is now refused, the same way.
    let (_, _, body) = post_compare(&app, request).await;
    let codes: Vec<&str> = body["lanes"].as_array().expect("lanes").iter().filter_map(|l| l["code"].as_str()).collect();
    assert_eq!(codes, ["RATE_LIMITED"; 5], "{body}");
}

#[tokio::test]
async fn the_page_and_every_asset_are_served_from_the_binary() {
    let app = spawn_app().await;
    let page = app.http.get(format!("{}/", app.base)).send().await.expect("page");
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-type"].to_str().is_ok_and(|ct| ct.starts_with("text/html")));
    let html = page.text().await.expect("html");
    assert!(html.contains("data-field") || html.contains("/web/"), "the page loads its modules: {html}");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
    let mut pending = vec![root.clone()];
    let mut served = 0;
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(dir).expect("web/") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let name = path.strip_prefix(&root).expect("under web/").to_string_lossy().replace('\\', "/");
            let answer = app.http.get(format!("{}/web/{name}", app.base)).send().await.expect("asset");
            assert_eq!(answer.status(), 200, "{name}");
            assert_eq!(answer.bytes().await.expect("bytes").as_ref(), std::fs::read(&path).expect("file"), "{name}");
            served += 1;
        }
    }
    assert!(served > 3, "{served} assets");
    let missing = app.http.get(format!("{}/web/no-such-file.js", app.base)).send().await.expect("404");
    assert_eq!(missing.status(), 404);
}

#[test]
fn the_command_prints_rows_json_and_refuses_bad_input_with_exit_2() {
    let output =
        Command::new(BINARY).args(["compare", "getUser", "--id", "42"]).env("NO_COLOR", "1").output().expect("run");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let table = String::from_utf8_lossy(&output.stdout);
    for protocol in ["rest", "graphql", "grpc", "websocket", "soap"] {
        assert!(table.lines().any(|l| l.starts_with(protocol) && l.contains(" OK ")), "{protocol} in\n{table}");
    }
    assert!(!table.contains('\x1b'), "no colour off a terminal");

    let output = Command::new(BINARY)
        .args(["compare", "getUser", "--id", "999999", "--json", "--anonymous"])
        .output()
        .expect("run");
    let json: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert!(json["lanes"].as_array().is_some_and(|l| l.iter().all(|lane| lane["code"] == "UNAUTHENTICATED")), "{json}");

    let output = Command::new(BINARY).args(["compare", "getUser", "--id", "42", "--wire"]).output().expect("run");
    let wire = String::from_utf8_lossy(&output.stdout);
    assert!(wire.contains("=== grpc") && wire.contains("1 id = 42") && wire.contains("HTTP/1.1 101"), "{wire}");

    for bad in [vec!["compare", "nope"], vec!["compare", "getUser", "--arg", "idonly"], vec!["compare", "getUser"]] {
        let output = Command::new(BINARY).args(&bad).output().expect("run");
        assert_eq!(output.status.code(), Some(2), "{bad:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("getUser") || stderr.contains("`id`") || stderr.contains("KEY=VALUE"),
            "{bad:?}: {stderr}"
        );
    }
}

#[test]
fn the_server_log_never_shows_the_credentials_a_comparison_carried() {
    use std::io::{BufRead, BufReader};
    // The log goes to a file: a pipe nobody reads while the test waits would fill and stall it.
    let log_path = std::env::temp_dir().join(format!("playground-log-{}.txt", std::process::id()));
    let log_file = std::fs::File::create(&log_path).expect("log file");
    let mut child = Command::new(BINARY)
        .args(["--listen", "127.0.0.1:0"])
        .env("RUST_LOG", "trace")
        .stdout(std::process::Stdio::piped())
        .stderr(log_file)
        .spawn()
        .expect("start");
    // The reader stays open to the end: the banner after the first line must not hit a closed pipe.
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = stdout.next().expect("line").expect("utf-8");
    let url = first.strip_prefix("listening on ").expect("address").to_owned();
    let body = r#"{"operation":"getUser","args":{"id":42},"apiKey":"sekrit-compare-key-123"}"#;
    let answer = Command::new("curl")
        .args(["-s", "-X", "POST", "-H", "content-type: application/json", "-d", body])
        .arg(format!("{url}/api/v1/playground/compare"))
        .output()
        .expect("curl");
    let answer = String::from_utf8_lossy(&answer.stdout);
    assert!(answer.contains("sekrit-compare-key-123"), "the capture shows it: {answer}");
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    child.wait().expect("exit");
    drop(stdout);
    let log = std::fs::read_to_string(&log_path).expect("log");
    let _ = std::fs::remove_file(&log_path);
    assert!(log.len() > 1000, "trace logging wrote a log");
    assert!(!log.contains("sekrit-compare-key-123"), "the log shows a credential");
}
