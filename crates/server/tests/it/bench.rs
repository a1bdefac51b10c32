//! `api-playground bench` as a learner runs it: any read operation on all five protocols, writes
//! refused, and a simulated round trip that shows what a new connection costs.

use std::process::Command;

use serde_json::Value;

const BINARY: &str = env!("CARGO_BIN_EXE_api-playground");

fn bench(args: &[&str]) -> std::process::Output {
    Command::new(BINARY).arg("bench").args(args).output().expect("run bench")
}

fn rows(output: &std::process::Output) -> Vec<Value> {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let json: Value = serde_json::from_slice(&output.stdout).expect("--json prints JSON");
    json.as_array().expect("an array of rows").clone()
}

fn row<'a>(rows: &'a [Value], scenario: &str) -> &'a Value {
    rows.iter().find(|row| row["scenario"] == scenario).unwrap_or_else(|| panic!("{scenario} in {rows:?}"))
}

#[test]
fn bench_measures_a_read_operation_on_every_protocol() {
    let output = bench(&["--operation", "listProducts", "--duration", "0.3", "--connections", "1", "--json"]);
    let rows = rows(&output);
    let scenarios: Vec<&str> = rows.iter().filter_map(|row| row["scenario"].as_str()).collect();
    assert_eq!(
        scenarios,
        ["REST (HTTP/1.1)", "GraphQL (HTTP/1.1)", "gRPC (h2c)", "WebSocket JSON-RPC", "SOAP 1.1 (HTTP/1.1)"]
    );
    for row in &rows {
        assert_eq!(row["operation"], "listProducts", "{row}");
        assert!(row["calls"].as_u64().is_some_and(|calls| calls > 0), "{row}");
        assert_eq!(row["errors"], 0, "{row}");
        assert!(row["response_bytes_per_call"].as_u64().is_some_and(|bytes| bytes > 0), "{row}");
        assert!(row.get("p50_rtt").is_none(), "no round trip is simulated: {row}");
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("measuring gRPC (h2c)"), "off a terminal, one line per scenario: {stderr}");
    assert!(!stderr.contains('\x1b'), "no progress bar off a terminal: {stderr}");
}

#[test]
fn bench_takes_arguments_like_compare() {
    let output = bench(&[
        "--operation",
        "listUserOrders",
        "--arg",
        "userId=42",
        "--arg",
        "status=paid",
        "--duration",
        "0.2",
        "--connections",
        "1",
        "--json",
    ]);
    for row in rows(&output) {
        assert_eq!(row["errors"], 0, "{row}");
    }
    let output = bench(&["--operation", "getUser", "--arg", "idonly"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("KEY=VALUE"));
}

#[test]
fn bench_refuses_a_write_naming_the_read_operations() {
    let output = bench(&["--operation", "createUser", "--duration", "0.2"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for read in ["listUsers", "getUser", "listProducts", "getProduct", "listUserOrders", "getOrder"] {
        assert!(stderr.contains(read), "{read} in {stderr}");
    }
    assert!(output.stdout.is_empty(), "nothing measured");

    let output = bench(&["--url", "http://127.0.0.1:9", "--simulate-rtt", "40ms"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("server's own --simulate-rtt"));
}

#[test]
fn bench_with_a_simulated_round_trip_shows_a_new_connection_costs_two() {
    let output =
        bench(&["--suite", "http", "--simulate-rtt", "40ms", "--duration", "0.5", "--connections", "1", "--json"]);
    let rows = rows(&output);
    let (new_connection, keep_alive) = (row(&rows, "HTTP/1.1 new conn"), row(&rows, "HTTP/1.1 keep-alive"));
    let p50 = |row: &Value| row["p50_ms"].as_f64().unwrap_or_default();
    // Lower bounds only: the server sleeps them; a loaded machine may add to them.
    assert!(p50(new_connection) >= 80.0, "{new_connection}");
    assert!(p50(keep_alive) >= 40.0, "{keep_alive}");
    for row in &rows {
        assert_eq!(row["errors"], 0, "{row}");
        let p50_rtt = row["p50_rtt"].as_f64().expect("p50 in round trips");
        assert!((p50_rtt - p50(row) / 40.0).abs() < 0.01, "{row}");
    }
    assert!(new_connection["p50_rtt"].as_f64().is_some_and(|rtts| rtts >= 2.0), "{new_connection}");
}
