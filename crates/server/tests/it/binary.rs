//! The binary as a user starts it: the first stdout line, the default command, config errors,
//! and a clean exit on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const BINARY: &str = env!("CARGO_BIN_EXE_api-playground");

#[tokio::test]
async fn prints_its_address_first_serves_and_exits_cleanly_on_sigterm() {
    let mut child = Command::new(BINARY)
        .args(["--listen", "127.0.0.1:0", "--seed", "7"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the binary");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().expect("a first line").expect("utf-8");
    let url =
        first.strip_prefix("listening on ").unwrap_or_else(|| panic!("unexpected first line {first:?}")).to_owned();
    assert!(url.starts_with("http://127.0.0.1:") && !url.ends_with(":0"), "{url}");
    let banner: Vec<String> = lines.by_ref().take(13).map(|l| l.expect("utf-8")).collect();
    assert!(banner.iter().any(|l| l.contains("demo-read-key")), "{banner:?}");
    assert!(banner.iter().any(|l| l.contains("alice / alice-password")), "{banner:?}");
    assert!(banner.iter().any(|l| l.contains("demo-spa (public, PKCE)")), "{banner:?}");
    let health = reqwest::get(format!("{url}/healthz")).await.expect("healthz");
    assert_eq!(health.status(), 200);
    let ready = reqwest::get(format!("{url}/readyz")).await.expect("readyz");
    assert_eq!(ready.status(), 200);
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill");
    assert!(status.success());
    let exit = child.wait().expect("exit");
    assert!(exit.success(), "SIGTERM ends with exit 0, got {exit:?}");
}

#[test]
fn an_unknown_config_key_is_refused_with_its_name() {
    let path = std::env::temp_dir().join(format!("playground-bad-{}.toml", std::process::id()));
    std::fs::write(&path, "[rate_limit]\nburts = 5\n").expect("write config");
    let output = Command::new(BINARY).args(["--listen", "127.0.0.1:0", "--config"]).arg(&path).output().expect("run");
    let _ = std::fs::remove_file(&path);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("burts"), "{stderr}");
}

#[test]
fn serve_is_also_a_named_subcommand_and_seed_conflicts_with_empty() {
    let output = Command::new(BINARY).args(["serve", "--help"]).output().expect("run");
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("--no-auth"));
    let output = Command::new(BINARY).args(["--seed", "1", "--empty"]).output().expect("run");
    assert!(!output.status.success());
}
