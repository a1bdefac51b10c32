#!/usr/bin/env bash
# Instructions the server runs per request, protocol by protocol, counted by valgrind's
# callgrind: unlike requests per second, the count is the same from run to run whatever else the
# machine is doing, so it shows what a change to the server saves. Kernel work is not counted.
#
#   examples/measure/instructions-per-request.sh [BINARY] [REQUESTS]
#
# BINARY defaults to target/release/api-playground. Needs valgrind and h2load (Debian's valgrind
# and nghttp2-client); starts its own server on port 18090 with the rate limit lifted.
set -euo pipefail
binary=${1:-target/release/api-playground}
requests=${2:-10000}
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
printf '[rate_limit]\nburst = 1000000000\nper_second = 1000000000\n' >"$work/unlimited.toml"
printf '%s' '{"query":"{ user(id: \"42\") { id name email } }"}' >"$work/graphql.json"
printf '%s' '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><GetUser xmlns="urn:api-playground:v1"><Id>42</Id></GetUser></soap:Body></soap:Envelope>' >"$work/soap.xml"
# GetUserRequest { id: 42 } in a gRPC frame: no compression, 2 bytes, field 1 = 42.
printf '\x00\x00\x00\x00\x02\x08\x2a' >"$work/get-user.bin"

RUST_LOG=warn TOKIO_WORKER_THREADS=2 valgrind --tool=callgrind --callgrind-out-file="$work/out.%p" \
  "$binary" --listen 127.0.0.1:18090 --config "$work/unlimited.toml" >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do curl -sf -o /dev/null http://127.0.0.1:18090/healthz && break; sleep 0.5; done
url=http://127.0.0.1:18090
key='X-API-Key: demo-read-key'

# One row: warm up, zero the counters, run the load, dump, and divide.
measure() {
  local name=$1
  shift
  "$@" -n 1000 >/dev/null
  callgrind_control -z "$pid" >/dev/null 2>&1
  "$@" -n "$requests" >"$work/load.out"
  grep -q "$requests succeeded" "$work/load.out" || { cat "$work/load.out"; exit 1; }
  callgrind_control -d "$pid" >/dev/null 2>&1
  sleep 1
  local total
  total=$(callgrind_annotate "$(ls -t "$work"/out."$pid".* | head -1)" | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
  printf '%-10s %8d instructions per request\n' "$name" $((total / requests))
}
measure "REST h1" h2load --h1 -c4 -H "$key" "$url/api/v1/users/42"
measure "REST h2c" h2load -c4 -m8 -H "$key" "$url/api/v1/users/42"
measure "GraphQL" h2load --h1 -c4 -H "$key" -H 'content-type: application/json' -d "$work/graphql.json" "$url/graphql"
measure "SOAP" h2load --h1 -c4 -H "$key" -H 'content-type: text/xml; charset=utf-8' \
  -H 'SOAPAction: "urn:api-playground:v1/GetUser"' -d "$work/soap.xml" "$url/soap"
measure "gRPC" h2load -c4 -m8 -H "$key" -H 'content-type: application/grpc' -H 'te: trailers' \
  -d "$work/get-user.bin" "$url/playground.v1.UserService/GetUser"

# WebSocket JSON-RPC: `users.get` calls on one connection, 32 in flight, with the Python
# `websockets` client (PYTHON, default .venv/bin/python, the tests' environment).
python=${PYTHON:-.venv/bin/python}
ws_calls() {
  "$python" - "$1" <<'PY'
import asyncio, sys
import websockets

async def main(calls):
    async with websockets.connect("ws://127.0.0.1:18090/ws", additional_headers={"X-API-Key": "demo-read-key"}) as ws:
        request = '{"jsonrpc":"2.0","id":1,"method":"users.get","params":{"id":42}}'
        sent = answered = 0
        while answered < calls:
            while sent < calls and sent - answered < 32:
                await ws.send(request)
                sent += 1
            assert '"result"' in await ws.recv()
            answered += 1

asyncio.run(main(int(sys.argv[1])))
PY
}
ws_calls 1000
callgrind_control -z "$pid" >/dev/null 2>&1
ws_calls "$requests"
callgrind_control -d "$pid" >/dev/null 2>&1
sleep 1
total=$(callgrind_annotate "$(ls -t "$work"/out."$pid".* | head -1)" | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
printf '%-10s %8d instructions per call\n' "WebSocket" $((total / requests))
