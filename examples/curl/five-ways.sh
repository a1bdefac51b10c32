#!/usr/bin/env bash
# getUser 42 over the three protocols curl can speak (REST, GraphQL, SOAP) against one server.
# gRPC and WebSocket need their own clients: see ../python/five_ways.py.
#   usage: examples/curl/five-ways.sh [BASE_URL]    (default http://127.0.0.1:8080)
set -euo pipefail
BASE=${1:-http://127.0.0.1:8080}
KEY=${API_KEY:-demo-read-key}

echo "--- REST: GET a resource"
curl -fsS -H "X-API-Key: $KEY" "$BASE/api/v1/users/42"
echo

echo "--- GraphQL: POST a query naming the fields"
curl -fsS -H "X-API-Key: $KEY" -H 'Content-Type: application/json' \
  -d '{"query":"{ user(id: 42) { id name email } }"}' "$BASE/graphql"
echo

echo "--- SOAP 1.1: POST an envelope"
curl -fsS -H "X-API-Key: $KEY" -H 'Content-Type: text/xml; charset=utf-8' \
  -H 'SOAPAction: "urn:api-playground:v1/GetUser"' \
  -d '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><GetUser xmlns="urn:api-playground:v1"><Id>42</Id></GetUser></soap:Body></soap:Envelope>' \
  "$BASE/soap"
echo

echo "--- the same error everywhere: user 999999 over REST (problem+json)"
status=$(curl -sS -o /dev/null -w '%{http_code}' -H "X-API-Key: $KEY" "$BASE/api/v1/users/999999")
echo "HTTP $status"
[ "$status" = 404 ]
