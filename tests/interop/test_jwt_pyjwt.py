"""The server's JWTs seen by PyJWT, the reference Python JWT library: a token from POST /auth/login
verifies against /.well-known/jwks.json with the claims CONTRACT §5 names; tokens PyJWT forges
(unsigned, HS256 keyed with the public key, signed by a key that is not the server's, edited after
signing) are refused as UNAUTHENTICATED with the reason; and an expired token is refused on all
five protocols, each in its own terms (REST 401, GraphQL extensions.code, gRPC UNAUTHENTICATED,
WebSocket close 1008 after the upgrade, SOAP Client fault), where the same token worked while it
was fresh. Wrong `aud` and `iss` need the server's private key to forge; the server's own unit
tests cover them."""
import asyncio
import base64
import hashlib
import hmac
import json
import time
import xml.etree.ElementTree as ET

import grpc
import jwt
import pytest
import requests
import websockets
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from conftest import serve

AUDIENCE = "api-playground"
ALICE = {"username": "alice", "password": "alice-password"}
ALICE_SCOPES = "users:read orders:read orders:write products:read"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
PLAYGROUND_NS = "urn:api-playground:v1"
GET_USER_42_SOAP = (
    f'<soap:Envelope xmlns:soap="{SOAP_ENV}"><soap:Body>'
    f'<GetUser xmlns="{PLAYGROUND_NS}"><Id>42</Id></GetUser>'
    "</soap:Body></soap:Envelope>"
)
# playground.v1.GetUserRequest { id: 42 }: field 1, varint 42.
GET_USER_42_PROTO = b"\x08\x2a"


def login(base_url, account=ALICE):
    response = requests.post(f"{base_url}/auth/login", json=account, timeout=10)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["tokenType"] == "Bearer"
    return body


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


# --- PyJWT verifies what the server signs -------------------------------------------------------


def test_pyjwt_verifies_a_login_token_against_the_jwks(server_url):
    answer = login(server_url)
    token = answer["accessToken"]
    jwks = requests.get(f"{server_url}/.well-known/jwks.json", timeout=10).json()
    assert jwks["keys"], "the JWKS lists at least the signing key"
    for published in jwks["keys"]:
        assert (published["kty"], published["crv"], published["alg"], published["use"]) == ("EC", "P-256", "ES256", "sig")
        assert "d" not in published, "a JWKS must not publish the private part of a key"

    header = jwt.get_unverified_header(token)
    assert header["alg"] == "ES256"
    published = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    key = jwt.PyJWK(published)
    claims = jwt.decode(token, key, algorithms=["ES256"], audience=AUDIENCE, issuer=server_url)
    assert claims["sub"] == "1"
    assert claims["preferred_username"] == "alice"
    assert claims["scope"].split() == ALICE_SCOPES.split()
    assert claims["exp"] - claims["iat"] == answer["expiresIn"]
    assert abs(claims["iat"] - time.time()) < 60

    # The same through the other ways PyJWT offers: the key built from the JWK by the algorithm,
    # and PyJWKClient, which fetches the JWKS and picks the key by kid as a resource server does.
    from_jwk = jwt.algorithms.ECAlgorithm.from_jwk(json.dumps(published))
    assert jwt.decode(token, from_jwk, algorithms=["ES256"], audience=AUDIENCE, issuer=server_url) == claims
    client = jwt.PyJWKClient(f"{server_url}/.well-known/jwks.json")
    signing_key = client.get_signing_key_from_jwt(token)
    assert jwt.decode(token, signing_key, algorithms=["ES256"], audience=AUDIENCE, issuer=server_url) == claims

    # And PyJWT itself refuses the token for another audience or issuer.
    with pytest.raises(jwt.InvalidAudienceError):
        jwt.decode(token, key, algorithms=["ES256"], audience="someone-else", issuer=server_url)
    with pytest.raises(jwt.InvalidIssuerError):
        jwt.decode(token, key, algorithms=["ES256"], audience=AUDIENCE, issuer="http://elsewhere.example")


def test_a_login_token_works_as_a_bearer_token(server_url):
    token = login(server_url)["accessToken"]
    mine = requests.get(f"{server_url}/api/v1/users/1/orders", headers=bearer(token), timeout=10)
    assert mine.status_code == 200, mine.text
    theirs = requests.get(f"{server_url}/api/v1/users/42/orders", headers=bearer(token), timeout=10)
    assert theirs.status_code == 403 and theirs.json()["code"] == "PERMISSION_DENIED", theirs.text


# --- Forged tokens ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def genuine(server_url):
    """A genuine token for alice, its header and claims, and the server's public key for its kid."""
    token = login(server_url)["accessToken"]
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    jwks = requests.get(f"{server_url}/.well-known/jwks.json", timeout=10).json()
    published = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    return {"token": token, "kid": header["kid"], "claims": claims, "jwk": published, "key": jwt.PyJWK(published).key}


def _unsigned(g):
    return jwt.encode(g["claims"], None, algorithm="none", headers={"kid": g["kid"]})


def _hs256_with_pem(g):
    # The classic key confusion: the public key's PEM, which anyone can fetch, as an HMAC secret.
    # PyJWT refuses to use a PEM key as an HMAC secret (its own guard against this attack), so
    # the token is signed by hand, as an attacker would.
    pem = g["key"].public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": g["kid"]}).encode())
    body = b64url(json.dumps(g["claims"]).encode())
    signature = hmac.new(pem, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64url(signature)}"


def _hs256_with_point(g):
    # The same confusion with the public key as raw bytes (the uncompressed point), which PyJWT signs.
    point = g["key"].public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return jwt.encode(g["claims"], point, algorithm="HS256", headers={"kid": g["kid"]})


def _own_key(kid):
    def forge(g):
        own = ec.generate_private_key(ec.SECP256R1())
        headers = {"kid": kid if kid != "ours" else g["kid"]} if kid else None
        token = jwt.encode(g["claims"], own, algorithm="ES256", headers=headers)
        if kid is None:
            assert "kid" not in jwt.get_unverified_header(token)
        return token

    return forge


def _tampered(g):
    # The genuine signature on an edited payload: alice claiming to be user 42, with admin.
    head, _, signature = g["token"].split(".")
    claims = dict(g["claims"], sub="42", scope=g["claims"]["scope"] + " admin")
    return f"{head}.{b64url(json.dumps(claims).encode())}.{signature}"


def _signature_bits_flipped(g):
    head, body, signature = g["token"].split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[10] ^= 0x01
    return f"{head}.{body}.{b64url(bytes(raw))}"


FORGERIES = {
    # name: (forge, a word the refusal's detail names)
    "alg-none": (_unsigned, "none"),
    "hs256-public-key-pem": (_hs256_with_pem, "HS256"),
    "hs256-public-key-point": (_hs256_with_point, "HS256"),
    "own-es256-key-our-kid": (_own_key("ours"), "signature"),
    "own-es256-key-unknown-kid": (_own_key("not-one-of-ours"), "kid"),
    "own-es256-key-no-kid": (_own_key(None), "kid"),
    "tampered-payload": (_tampered, "signature"),
    "signature-bit-flipped": (_signature_bits_flipped, "signature"),
}


@pytest.mark.parametrize("name", list(FORGERIES))
def test_a_forged_token_is_unauthenticated_with_its_reason(server_url, genuine, name):
    forge, reason = FORGERIES[name]
    token = forge(genuine)
    # PyJWT, with the server's published key, refuses it too.
    with pytest.raises(jwt.PyJWTError):
        jwt.decode(token, genuine["key"], algorithms=["ES256"], audience=AUDIENCE, issuer=server_url)
    # Someone else's orders: had the forgery worked, this would answer 200, not 403.
    response = requests.get(f"{server_url}/api/v1/users/42/orders", headers=bearer(token), timeout=10)
    assert response.status_code == 401, f"{name}: {response.status_code} {response.text}"
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "Bearer" in response.headers.get("www-authenticate", ""), response.headers
    problem = response.json()
    assert problem["code"] == "UNAUTHENTICATED"
    assert reason.lower() in problem["detail"].lower(), f"{name}: {problem['detail']!r} does not name {reason!r}"


# --- An expired token on all five protocols -----------------------------------------------------


def _rest(base_url, token):
    response = requests.get(f"{base_url}/api/v1/users/42", headers=bearer(token), timeout=10)
    if response.status_code == 200:
        return "OK", response.json()["name"]
    assert response.status_code == 401, response.text
    assert "Bearer" in response.headers.get("www-authenticate", "")
    return response.json()["code"], response.json()["detail"]


def _graphql(base_url, token):
    response = requests.post(
        f"{base_url}/graphql", json={"query": "{ user(id: 42) { name } }"}, headers=bearer(token), timeout=10
    )
    body = response.json()
    if not body.get("errors"):
        return "OK", body["data"]["user"]["name"]
    extensions = body["errors"][0]["extensions"]
    assert extensions["canonicalCode"] == extensions["code"]
    return extensions["code"], body["errors"][0]["message"]


def _grpc(base_url, token):
    with grpc.insecure_channel(base_url.removeprefix("http://")) as channel:
        get_user = channel.unary_unary("/playground.v1.UserService/GetUser")
        try:
            reply = get_user(GET_USER_42_PROTO, metadata=[("authorization", f"Bearer {token}")], timeout=10)
        except grpc.RpcError as error:
            status = rpc_status.from_call(error)
            assert status is not None, "grpc-status-details-bin is present"
            reasons = []
            for detail in status.details:
                if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                    info = error_details_pb2.ErrorInfo()
                    detail.Unpack(info)
                    assert info.domain == "api-playground"
                    reasons.append(info.reason)
            assert reasons == [error.code().name], f"ErrorInfo.reason {reasons} for {error.code().name}"
            return error.code().name, error.details()
        return "OK", reply


def _websocket(base_url, token):
    async def scenario():
        url = base_url.replace("http", "ws", 1) + "/ws"
        # CONTRACT §4: an invalid credential in the handshake is accepted, then closed 1008 with
        # the reason (a browser cannot read a refused upgrade). A refused upgrade raises here.
        async with websockets.connect(url, additional_headers=bearer(token)) as socket:
            try:
                await socket.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "users.get", "params": {"id": 42}}))
                reply = json.loads(await asyncio.wait_for(socket.recv(), 10))
            except websockets.ConnectionClosed as closed:
                assert closed.rcvd is not None, "the server sent no close frame"
                return f"close {closed.rcvd.code}", closed.rcvd.reason
            if "error" in reply:
                return reply["error"]["data"]["code"], reply["error"]["message"]
            return "OK", reply["result"]["name"]

    return asyncio.run(scenario())


def _soap(base_url, token):
    response = requests.post(
        f"{base_url}/soap",
        data=GET_USER_42_SOAP.encode(),
        headers={
            "Content-Type": "text/xml; charset=utf-8",
            "SOAPAction": '"urn:api-playground:v1/GetUser"',
            **bearer(token),
        },
        timeout=10,
    )
    root = ET.fromstring(response.content)
    fault = root.find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
    if fault is None:
        assert response.status_code == 200, response.text
        name = root.find(f".//{{{PLAYGROUND_NS}}}Name")
        return "OK", name.text if name is not None else response.text
    assert response.status_code == 500, "SOAP 1.1 faults travel with 500"
    faultcode = fault.findtext("faultcode")
    assert faultcode.split(":")[-1] == "Client", faultcode
    code = fault.findtext(f"detail/{{{PLAYGROUND_NS}}}Error/{{{PLAYGROUND_NS}}}Code")
    return code, fault.findtext("faultstring")


PROTOCOLS = {"rest": _rest, "graphql": _graphql, "grpc": _grpc, "websocket": _websocket, "soap": _soap}
# How each protocol says UNAUTHENTICATED for a credential it was handed.
REFUSED = {
    "rest": "UNAUTHENTICATED",
    "graphql": "UNAUTHENTICATED",
    "grpc": "UNAUTHENTICATED",
    "websocket": "close 1008",
    "soap": "UNAUTHENTICATED",
}


@pytest.fixture(scope="module")
def short_lived_url(tmp_path_factory):
    """A server whose access tokens live one second (plus the one second of leeway it allows)."""
    config = tmp_path_factory.mktemp("playground-config") / "short-tokens.toml"
    config.write_text('[auth]\naccess_token_ttl = "1s"\n')
    with serve("--config", str(config)) as url:
        yield url


def wait_until_expired(claims):
    """Sleeps until the server, with its second of leeway and whole-second clock, sees `exp` passed."""
    time.sleep(max(0.0, claims["exp"] + 2.2 - time.time()))


def test_an_expired_token_is_refused_on_all_five_protocols(short_lived_url):
    answer = login(short_lived_url)
    assert answer["expiresIn"] == 1
    token = answer["accessToken"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 1

    # While fresh, the token reads user 42 on every protocol (it is valid for at least 2 s).
    fresh = {protocol: call(short_lived_url, token) for protocol, call in PROTOCOLS.items()}
    assert time.time() < claims["exp"] + 1, "the positive control took longer than the token lives"
    names = {protocol: answer for protocol, (code, answer) in fresh.items()}
    assert {protocol: code for protocol, (code, _) in fresh.items()} == dict.fromkeys(PROTOCOLS, "OK"), fresh
    assert names["rest"] and names["rest"] == names["graphql"] == names["websocket"] == names["soap"], names
    assert names["rest"].encode() in names["grpc"], names["grpc"]

    wait_until_expired(claims)
    refused = {protocol: call(short_lived_url, token) for protocol, call in PROTOCOLS.items()}
    assert {protocol: code for protocol, (code, _) in refused.items()} == REFUSED, refused
    for protocol, (_, reason) in refused.items():
        assert "expired" in reason, f"{protocol} does not say the token expired: {reason!r}"

    # A new login is all it takes.
    again = login(short_lived_url)["accessToken"]
    assert _rest(short_lived_url, again)[0] == "OK"


def test_a_connection_opened_with_a_token_ends_when_it_expires(short_lived_url):
    """A long-lived /ws connection does not outlive its token: closed 1008 with the reason."""
    token = login(short_lived_url)["accessToken"]
    claims = jwt.decode(token, options={"verify_signature": False})

    async def scenario():
        url = short_lived_url.replace("http", "ws", 1) + "/ws"
        async with websockets.connect(url, additional_headers=bearer(token)) as socket:
            await socket.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "events.subscribe", "params": {}}))
            assert "result" in json.loads(await socket.recv())
            try:
                while True:
                    await asyncio.wait_for(socket.recv(), 10)
            except websockets.ConnectionClosed as closed:
                return closed.rcvd.code, closed.rcvd.reason, time.time()

    code, reason, at = asyncio.run(scenario())
    assert code == 1008 and "expired" in reason, (code, reason)
    assert claims["exp"] < at < claims["exp"] + 4, "closed about when the token expired (with its leeway)"
