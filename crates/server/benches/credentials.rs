//! What each kind of credential costs the server per call: an API key is a constant-time
//! comparison against the configured keys; a JWT is a signature check (ES256) and claim checks,
//! with no lookup. `cargo bench -p api-playground --bench credentials` prints nanoseconds per
//! verification; run it on the `max`-like release build it gets.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use api_playground::config::{ServeArgs, Settings};
use api_playground::credentials::{Credentials, Verifier};
use api_playground::tokens::Tokens;

fn per_call(name: &str, rounds: u32, mut verify: impl FnMut()) {
    for _ in 0..rounds / 10 {
        verify();
    }
    let started = Instant::now();
    for _ in 0..rounds {
        verify();
    }
    let nanos = started.elapsed().as_nanos() as f64 / f64::from(rounds);
    println!("{name:<34} {nanos:>10.0} ns per verification");
}

fn main() -> anyhow::Result<()> {
    let settings = Settings::load(&ServeArgs::on_free_port())?;
    let tokens =
        Arc::new(Tokens::new("http://127.0.0.1:8080", settings.access_token_ttl, settings.signing_key_lifetime)?);
    let verifier = Verifier::new(&settings, tokens.clone());
    let (token, _) = verifier.login("alice", "alice-password").map_err(|e| anyhow::anyhow!(e.message))?;
    let key = Credentials { api_key: Some("demo-write-key".into()), ..Credentials::default() };
    let bearer = Credentials { bearer: Some(token), ..Credentials::default() };
    per_call("API key (X-API-Key)", 1_000_000, || {
        black_box(verifier.verify(black_box(&key)).is_ok());
    });
    per_call("JWT (Authorization: Bearer, ES256)", 20_000, || {
        black_box(verifier.verify(black_box(&bearer)).is_ok());
    });
    Ok(())
}
