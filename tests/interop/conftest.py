"""Starts the api-playground binary on a free port for the interop tests, as a user would."""
import contextlib
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("PLAYGROUND_BIN", os.path.join(ROOT, "target", "debug", "api-playground"))

# A rate budget no test run can spend: for fuzzers, which send thousands of calls a minute.
UNLIMITED_RATE_CONFIG = """\
[rate_limit]
burst = 1000000
per_second = 1000000
"""


@contextlib.contextmanager
def serve(*extra_args):
    """The binary on 127.0.0.1, a free port, with `extra_args`; yields its base URL."""
    process = subprocess.Popen(
        [BINARY, "--listen", "127.0.0.1:0", *extra_args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        first = process.stdout.readline().strip()
        assert first.startswith("listening on http://"), first
        yield first.removeprefix("listening on ")
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def server_url():
    with serve() as url:
        yield url


@pytest.fixture(scope="module")
def unlimited_server_url(tmp_path_factory):
    """Like `server_url`, with a `--config` file that raises the rate limit out of reach."""
    config = tmp_path_factory.mktemp("playground-config") / "unlimited-rate.toml"
    config.write_text(UNLIMITED_RATE_CONFIG)
    with serve("--config", str(config)) as url:
        yield url
