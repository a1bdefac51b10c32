"""getUser 42 on all five protocols of one api-playground server, with the clients Python users
already have: urllib (REST, GraphQL, SOAP), websockets (JSON-RPC over WebSocket) and grpcio with
stubs generated from proto/ at run time. Exits non-zero unless all five return the same user.

    pip install -r examples/python/requirements.txt
    python examples/python/five_ways.py [BASE_URL]      (default http://127.0.0.1:8080)
"""
import asyncio
import importlib
import json
import os
import sys
import tempfile
import urllib.request
import xml.etree.ElementTree as ET

BASE = (sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080").rstrip("/")
KEY = os.environ.get("API_KEY", "demo-read-key")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def post(path, body, content_type, extra=None):
    headers = {"X-API-Key": KEY, "Content-Type": content_type, **(extra or {})}
    request = urllib.request.Request(BASE + path, data=body.encode(), headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read().decode()


def rest():
    request = urllib.request.Request(BASE + "/api/v1/users/42", headers={"X-API-Key": KEY})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def graphql():
    body = json.dumps({"query": "{ user(id: 42) { id name email } }"})
    user = json.loads(post("/graphql", body, "application/json"))["data"]["user"]
    return {**user, "id": int(user["id"])}


def soap():
    envelope = (
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        '<GetUser xmlns="urn:api-playground:v1"><Id>42</Id></GetUser></soap:Body></soap:Envelope>'
    )
    answer = post("/soap", envelope, "text/xml; charset=utf-8", {"SOAPAction": '"urn:api-playground:v1/GetUser"'})
    ns = {"p": "urn:api-playground:v1"}
    user = ET.fromstring(answer).find(".//p:User", ns)
    return {"id": int(user.find("p:Id", ns).text), "name": user.find("p:Name", ns).text, "email": user.find("p:Email", ns).text}


async def websocket():
    import websockets

    url = BASE.replace("http", "ws", 1) + "/ws"
    async with websockets.connect(url, additional_headers={"X-API-Key": KEY}) as socket:
        await socket.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "users.get", "params": {"id": 42}}))
        return json.loads(await socket.recv())["result"]


def grpc_call():
    import grpc
    from grpc_tools import protoc
    import grpc_tools

    out = tempfile.mkdtemp(prefix="playground-stubs-")
    well_known = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    proto_dir = os.path.join(ROOT, "proto")
    args = ["protoc", f"-I{proto_dir}", f"-I{well_known}", f"--python_out={out}", f"--grpc_python_out={out}", "playground/v1/users.proto"]
    if protoc.main(args) != 0:
        raise SystemExit("could not compile proto/")
    sys.path.insert(0, out)
    users_pb2 = importlib.import_module("playground.v1.users_pb2")
    users_grpc = importlib.import_module("playground.v1.users_pb2_grpc")
    with grpc.insecure_channel(BASE.split("://", 1)[1]) as channel:
        stub = users_grpc.UserServiceStub(channel)
        user = stub.GetUser(users_pb2.GetUserRequest(id=42), metadata=[("x-api-key", KEY)], timeout=10).user
    return {"id": user.id, "name": user.name, "email": user.email}


def main():
    answers = {
        "REST": rest(),
        "GraphQL": graphql(),
        "gRPC": grpc_call(),
        "WebSocket": asyncio.run(websocket()),
        "SOAP": soap(),
    }
    for protocol, user in answers.items():
        print(f"{protocol:<10} {user['id']} {user['name']} <{user['email']}>")
    distinct = {(u["id"], u["name"], u["email"]) for u in answers.values()}
    if len(distinct) != 1:
        raise SystemExit(f"the protocols disagree: {distinct}")
    print("all five protocols returned the same user")


if __name__ == "__main__":
    main()
