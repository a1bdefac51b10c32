//! The reference third-party clients (Python zeep and lxml for SOAP, grpcio, websockets, gql,
//! schemathesis; npm graphql-ws; the page in Debian's Chromium through Playwright) against the
//! binary, from `tests/interop/`. They need Python
//! packages (`pip install -r tests/interop/requirements.txt`) and `npm ci --prefix
//! tests/interop/graphql-ws`, which CI does; without them this test says so and passes, unless
//! `PLAYGROUND_INTEROP=required` (as in CI) makes their absence a failure.

use std::path::PathBuf;
use std::process::Command;

#[test]
fn python_reference_clients_agree_with_the_server() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let venv = root.join(".venv/bin/python");
    let python = if venv.exists() { venv } else { PathBuf::from("python3") };
    let requirements = Command::new(&python).args(["-c", "import zeep, lxml, pytest, requests, grpc, grpc_tools, grpc_reflection, grpc_health, grpc_status, websockets, gql, schemathesis, playwright, jwt, cryptography, authlib, standardwebhooks, pytest_timeout"]).output();
    if !requirements.is_ok_and(|output| output.status.success()) {
        let message = "the Python interop clients are not installed: pip install -r tests/interop/requirements.txt";
        assert!(std::env::var("PLAYGROUND_INTEROP").as_deref() != Ok("required"), "{message}");
        eprintln!("skipped: {message}");
        return;
    }
    let output = Command::new(&python)
        // A test that waits forever (a stream for an event it missed) fails after five minutes,
        // with its stack, instead of holding up the whole suite.
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "--timeout=300", "tests/interop"])
        .env("PLAYGROUND_BIN", env!("CARGO_BIN_EXE_api-playground"))
        .current_dir(&root)
        .output()
        .expect("run pytest");
    assert!(
        output.status.success(),
        "interop tests failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
