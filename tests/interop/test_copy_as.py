"""Every lane's "copy as" snippet, run as a learner would run it: the Python scripts with this
environment's requests, grpcio and websockets, and the curl commands with curl, against the same
server. Each must succeed and print the answer the lane itself got."""
import subprocess
import sys

import pytest
import requests

CALLS = [
    ("getUser", {"id": 42}, "demo-read-key"),
    ("listProducts", {"limit": 2}, "demo-read-key"),
    ("getUser", {"id": 999999}, "demo-read-key"),
]


def _compare(server_url, operation, args, key):
    body = {"operation": operation, "args": args, "apiKey": key}
    answer = requests.post(f"{server_url}/api/v1/playground/compare", json=body, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["lanes"]


@pytest.mark.parametrize("operation,args,key", CALLS)
def test_python_snippets_run_and_get_the_lanes_answer(unlimited_server_url, operation, args, key):
    for lane in _compare(unlimited_server_url, operation, args, key):
        run = subprocess.run([sys.executable, "-c", lane["copyAs"]["python"]], capture_output=True, text=True, timeout=30)
        assert run.returncode == 0 or lane["protocol"] == "grpc" and lane["code"] != "OK", (lane["protocol"], run.stderr)
        if lane["protocol"] in ("rest", "soap"):
            assert run.stdout.startswith(lane["status"].split()[0]), (lane["protocol"], run.stdout, lane["status"])
        if lane["protocol"] == "grpc" and lane["code"] != "OK":
            # grpcio raises the status the lane showed.
            assert lane["status"].split()[-1] in run.stderr, run.stderr
        if lane["code"] == "OK" and lane["protocol"] in ("rest", "graphql", "websocket"):
            assert str(args.get("id", "")) in run.stdout, (lane["protocol"], run.stdout)


@pytest.mark.parametrize("operation,args,key", CALLS)
def test_curl_commands_run_and_get_the_lanes_status(unlimited_server_url, operation, args, key):
    for lane in _compare(unlimited_server_url, operation, args, key):
        command = lane["copyAs"]["command"]
        if not command.startswith("curl "):
            continue  # grpcurl and websocat are not installed here; their lanes are checked in Python
        run = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=30)
        assert run.returncode == 0, run.stderr
        assert run.stdout.startswith("HTTP/1.1 " + lane["status"].split(",")[0]), (run.stdout[:80], lane["status"])
