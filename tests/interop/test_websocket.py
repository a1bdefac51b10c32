"""JSON-RPC 2.0 over /ws with the Python `websockets` client: every method, a batch, a
notification, string and number ids, the error codes, discovery, and a live subscription."""
import asyncio
import json

import requests
import websockets

HEADERS = {"X-API-Key": "demo-write-key"}


def run(coroutine):
    return asyncio.run(coroutine)


async def call(socket, method, params=None, id=1):
    request = {"jsonrpc": "2.0", "id": id, "method": method}
    if params is not None:
        request["params"] = params
    await socket.send(json.dumps(request))
    return json.loads(await socket.recv())


def ws_url(server_url):
    return server_url.replace("http", "ws", 1) + "/ws"


def test_every_method_batches_and_errors(server_url):
    async def scenario():
        async with websockets.connect(ws_url(server_url), additional_headers=HEADERS) as socket:
            page = (await call(socket, "users.list", {"limit": 2}))["result"]
            assert [u["id"] for u in page["items"]] == [1, 2] and page["nextCursor"]
            assert (await call(socket, "users.get", {"id": 42}, id="text-id"))["id"] == "text-id"
            user = (await call(socket, "users.create", {"name": "Ws", "email": "ws-interop@example.com"}))["result"]
            renamed = (await call(socket, "users.update", {"id": user["id"], "name": "Ws Renamed"}))["result"]
            assert renamed["email"] == "ws-interop@example.com"
            assert (await call(socket, "users.delete", {"id": user["id"]}))["result"] is None
            assert len((await call(socket, "products.list", {"limit": 3}))["result"]["items"]) == 3
            assert (await call(socket, "products.get", {"id": 1}))["result"]["sku"] == "SKU-0001"
            subscribed = (await call(socket, "events.subscribe", {"types": ["order.created"]}))["result"]
            order = (await call(socket, "orders.create", {"userId": 3, "items": [{"productId": 2, "quantity": 1}]}))
            # The notification and the reply may come in either order.
            messages = [order, json.loads(await socket.recv())]
            reply = next(m for m in messages if m.get("id") == 1)
            event = next(m for m in messages if m.get("method") == "event")
            assert event["params"]["subscription"] == subscribed["subscription"]
            assert event["params"]["event"]["data"]["id"] == reply["result"]["id"]
            order_id = reply["result"]["id"]
            assert (await call(socket, "orders.get", {"id": order_id}))["result"]["status"] == "pending"
            mine = (await call(socket, "orders.listByUser", {"userId": 3, "status": "pending", "limit": 100}))["result"]
            assert order_id in [o["id"] for o in mine["items"]]
            assert (await call(socket, "orders.updateStatus", {"id": order_id, "status": "paid"}))["result"]["status"] == "paid"
            assert (await call(socket, "orders.delete", {"id": order_id}))["result"] is None
            assert (await call(socket, "events.unsubscribe", {"subscription": subscribed["subscription"]}))["result"] is True

            batch = [
                {"jsonrpc": "2.0", "id": 10, "method": "users.get", "params": {"id": 1}},
                {"jsonrpc": "2.0", "method": "users.get", "params": {"id": 2}},
                {"jsonrpc": "2.0", "id": 11, "method": "users.get", "params": {"id": 999999}},
            ]
            await socket.send(json.dumps(batch))
            replies = {r["id"]: r for r in json.loads(await socket.recv())}
            assert set(replies) == {10, 11}
            assert replies[11]["error"]["code"] == -32004 and replies[11]["error"]["data"]["code"] == "NOT_FOUND"

            await socket.send("{not json")
            assert json.loads(await socket.recv())["error"]["code"] == -32700
            await socket.send(json.dumps({"jsonrpc": "2.0", "id": 1}))
            assert json.loads(await socket.recv())["error"]["code"] == -32600
            assert (await call(socket, "users.fly"))["error"]["code"] == -32601
            assert (await call(socket, "users.get", {"id": "one"}))["error"]["code"] == -32602
            conflict = (await call(socket, "users.delete", {"id": 42}))["error"]
            assert (conflict["code"], conflict["data"]["code"]) == (-32009, "CONFLICT")
            discovered = (await call(socket, "rpc.discover"))["result"]
            assert {m["name"] for m in discovered["methods"]} >= {"users.get", "orders.create", "events.subscribe"}

        async with websockets.connect(ws_url(server_url)) as anonymous:
            denied = (await call(anonymous, "users.get", {"id": 42}))["error"]
            assert (denied["code"], denied["data"]["code"]) == (-32001, "UNAUTHENTICATED")
            assert (await call(anonymous, "auth", {"apiKey": "demo-read-key"}))["result"]["authenticated"] is True
            assert (await call(anonymous, "users.get", {"id": 42}))["result"]["id"] == 42
            forbidden = (await call(anonymous, "users.delete", {"id": 42}))["error"]
            assert (forbidden["code"], forbidden["data"]["code"]) == (-32003, "PERMISSION_DENIED")

    run(scenario())


def test_a_bad_handshake_key_is_closed_with_1008(server_url):
    async def scenario():
        async with websockets.connect(ws_url(server_url), additional_headers={"X-API-Key": "wrong"}) as socket:
            try:
                await socket.recv()
            except websockets.ConnectionClosed as closed:
                return closed.rcvd.code, closed.rcvd.reason
        raise AssertionError("the connection stayed open")

    code, reason = run(scenario())
    assert code == 1008 and "API key" in reason


def test_the_openrpc_document_is_served_over_http(server_url):
    document = requests.get(f"{server_url}/ws/openrpc.json", timeout=10).json()
    assert document["openrpc"] == "1.2.6"
    assert document["servers"][0]["url"] == ws_url(server_url)
