"""Webhooks against the Standard Webhooks reference: the Python `standardwebhooks` package
verifies the signature of every delivery the server makes, to a receiver of our own here, and
refuses one whose body was changed on the way. The server's built-in receiver agrees with it."""
import http.server
import json
import threading
import time
from datetime import datetime, timezone

import pytest
import requests
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

WRITE = {"X-API-Key": "demo-write-key"}


class Receiver(http.server.BaseHTTPRequestHandler):
    """Keeps every delivery: its headers and body."""

    deliveries = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["content-length"]))
        Receiver.deliveries.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    Receiver.deliveries = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks"
    server.shutdown()


def wait_for(predicate, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_the_reference_verifies_every_delivery(server_url, receiver):
    created = requests.post(f"{server_url}/api/v1/webhooks", json={"url": receiver, "types": ["user.updated"]}, headers=WRITE, timeout=5)
    assert created.status_code == 201, created.text
    hook = created.json()
    assert hook["secret"].startswith("whsec_")
    for name in ["First", "Second", "Third"]:
        answer = requests.patch(f"{server_url}/api/v1/users/3", json={"name": name}, headers=WRITE, timeout=5)
        assert answer.status_code == 200
    assert wait_for(lambda: len(Receiver.deliveries) == 3), Receiver.deliveries

    reference = Webhook(hook["secret"])
    names = []
    for headers, body in Receiver.deliveries:
        payload = reference.verify(body, headers)
        assert payload["type"] == "user.updated"
        names.append(payload["data"]["data"]["name"])
        # A body changed on the way does not verify.
        with pytest.raises(WebhookVerificationError):
            reference.verify(body.replace(b"user.updated", b"user.deleted"), headers)
    assert names == ["First", "Second", "Third"], "one hook gets its events in order"

    log = requests.get(f"{server_url}/api/v1/webhooks/{hook['id']}/deliveries", headers=WRITE, timeout=5).json()
    assert [attempt["status"] for attempt in log["items"]] == [204, 204, 204]
    assert len({attempt["messageId"] for attempt in log["items"]}) == 3
    requests.delete(f"{server_url}/api/v1/webhooks/{hook['id']}", headers=WRITE, timeout=5)


def test_the_built_in_receiver_checks_what_the_reference_signs(server_url):
    inbox = f"{server_url}/api/v1/webhooks/inbox/reference"
    hook = requests.post(f"{server_url}/api/v1/webhooks", json={"url": inbox}, headers=WRITE, timeout=5).json()
    body = json.dumps({"type": "user.updated", "timestamp": "2026-01-01T00:00:00Z", "data": {"seq": 7}})
    signed_at = time.time()
    signature = Webhook(hook["secret"]).sign("msg_reference", datetime.fromtimestamp(signed_at, tz=timezone.utc), body)
    headers = {"content-type": "application/json", "webhook-id": "msg_reference", "webhook-timestamp": str(int(signed_at)), "webhook-signature": signature}
    assert requests.post(inbox, data=body, headers=headers, timeout=5).status_code == 204
    forged = dict(headers, **{"webhook-signature": "v1,bm90IGEgc2lnbmF0dXJl"})
    refused = requests.post(inbox, data=body, headers=forged, timeout=5)
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    kept = requests.get(inbox, headers=WRITE, timeout=5).json()["items"]
    assert [item["verified"] for item in kept if item["webhookId"] == "msg_reference"] == [True, False]
    requests.delete(f"{server_url}/api/v1/webhooks/{hook['id']}", headers=WRITE, timeout=5)
