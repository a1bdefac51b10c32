"""GraphQL subscriptions with the npm `graphql-ws` reference client (graphql-transport-ws), run by
Node: tests/interop/graphql-ws/subscribe.mjs connects with connectionParams, subscribes to
USER_CREATED, creates a user over REST and expects that user's event. It needs
`npm ci --prefix tests/interop/graphql-ws` (as .ci/run does); without it the test is skipped,
unless PLAYGROUND_INTEROP=required, where that is a failure."""
import os
import shutil
import subprocess

import pytest

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "graphql-ws")
SCRIPT = os.path.join(HERE, "subscribe.mjs")


def require_node_client():
    node = shutil.which("node")
    installed = os.path.isdir(os.path.join(HERE, "node_modules", "graphql-ws"))
    if node and installed:
        return node
    message = (
        "the npm graphql-ws client is not installed: npm ci --prefix tests/interop/graphql-ws"
        if node
        else "node is not installed (the npm graphql-ws client needs Node 20 or later)"
    )
    if os.environ.get("PLAYGROUND_INTEROP") == "required":
        pytest.fail(message)
    pytest.skip(message)


def test_graphql_ws_subscription_sees_a_rest_write(server_url):
    node = require_node_client()
    result = subprocess.run([node, SCRIPT, server_url], cwd=HERE, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}{result.stderr}"
    assert "graphql-ws interop: ok" in result.stdout
