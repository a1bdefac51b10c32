#!/usr/bin/env bash
# The `max` profile built once more, guided by a profile of the server at work
# (profile-guided optimization): the compiler lays out the hot paths of every protocol (hyper's
# parsing, the one-port dispatch, each adapter, the JSON and XML writers) from measured branch
# counts instead of guesses. A measurement binary only: `cargo run --release` stays as it is.
#
#   examples/measure/pgo-build.sh [TARGET_DIR]
#
# Writes TARGET_DIR/HOST/max/api-playground, HOST being rustc's host triple (TARGET_DIR defaults to
# target/pgo; it is a directory of its own because the instrumented and the guided builds
# compile every crate with different flags). Takes 18 to 25 minutes on 2 cores: two full builds
# and a training run of under a minute.
#
# The training run is the server's own `bench` against the instrumented build: each of the six
# read operations on all five protocols, then the `http` and `graphql` suites, so the profile
# weighs every protocol and every read, not only the operation `compare.sh` repeats.
#
# Needs an llvm-profdata that reads the profiles of rustc's LLVM: Debian's `llvm-19` package
# for rustc 1.95 (`llvm-profdata-19`; set LLVM_PROFDATA to use another).
set -euo pipefail
target_dir=$(realpath -m "${1:-target/pgo}")
profdata_tool=${LLVM_PROFDATA:-llvm-profdata-19}
command -v "$profdata_tool" >/dev/null || { echo "needs $profdata_tool (apt install llvm-19)" >&2; exit 1; }
# An explicit target keeps the flags off build scripts and proc macros, which run at build time.
triple=$(rustc -vV | sed -n 's/^host: //p')
binary="$target_dir/$triple/max/api-playground"
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
pid=

RUSTFLAGS="-Cprofile-generate=$work/raw" cargo build --profile max --target "$triple" --target-dir "$target_dir"
cp "$binary" "$work/instrumented"

printf '[rate_limit]\nburst = 1000000000\nper_second = 1000000000\n' >"$work/unlimited.toml"
LLVM_PROFILE_FILE="$work/raw/server-%p.profraw" RUST_LOG=warn \
  "$work/instrumented" --listen 127.0.0.1:18095 --config "$work/unlimited.toml" >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 60); do curl -sf -o /dev/null http://127.0.0.1:18095/healthz && break; sleep 0.5; done
# The same binary drives the load; its own profile is left out of the merge.
bench() {
  LLVM_PROFILE_FILE="$work/client.profraw" "$work/instrumented" bench --url http://127.0.0.1:18095 --duration 1 "$@" >/dev/null
}
for operation in getUser listUsers getProduct listProducts listUserOrders getOrder; do
  bench --operation "$operation"
done
bench --suite http
bench --suite graphql
# The profile is written when the server exits.
kill -INT "$pid"
wait "$pid" || true
pid=

"$profdata_tool" merge -o "$work/server.profdata" "$work"/raw/server-*.profraw
RUSTFLAGS="-Cprofile-use=$work/server.profdata" cargo build --profile max --target "$triple" --target-dir "$target_dir"
echo "$binary"
