"""Starts the api-playground binary on a free port for the interop tests, as a user would."""
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("PLAYGROUND_BIN", os.path.join(ROOT, "target", "debug", "api-playground"))


@pytest.fixture(scope="module")
def server_url():
    process = subprocess.Popen(
        [BINARY, "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        first = process.stdout.readline().strip()
        assert first.startswith("listening on http://"), first
        yield first.removeprefix("listening on ")
    finally:
        process.terminate()
        process.wait(timeout=10)
