"""REST against its own OpenAPI document, with schemathesis: every operation of the document the
server serves at /openapi.json, fed schema-valid and schema-invalid requests (schemathesis'
examples, coverage and fuzzing phases, on random and on existing ids, then chained in stateful
scenarios), must never answer 5xx, and every answer must be one the document describes: a
documented status code, its content type, its headers and its body schema. A request the document
calls invalid must be refused (4xx), not carried out. Deterministic: a fixed seed, derandomized.

Every check schemathesis has runs, `positive_data_acceptance` included: every bound the server
enforces is in the document. A few rules cannot be JSON Schema, and there a schema-valid request
may be refused with 400, which `POSITIVE_400` allows for exactly those operations: a list's
`cursor` must be one the server issued, an order's products must exist and share one currency, a
webhook's target must be an allowed address, a comparison's `args` are those of its operation,
and an event stream's `types` must name event types."""
import contextlib

import hypothesis
import pytest
import requests
import schemathesis
from schemathesis import checks
from schemathesis.config import SchemathesisConfig

from conftest import UNLIMITED_RATE_CONFIG, serve

API_KEY = {"X-API-Key": "demo-write-key"}
# Per operation, for the fuzzing phase; the coverage phase adds its own boundary cases.
MAX_EXAMPLES = 25
# Stateful: how many scenarios, of at most how many calls each.
SCENARIOS = 40
STEPS_PER_SCENARIO = 8
# User 5, product 5 and order 5 of the demo data (seed 42).
EXISTING_ID = 5
# Long enough for any answer here. An event stream is read for STREAM_TIMEOUT, or 8 events.
REQUEST_TIMEOUT = 5
STREAM_TIMEOUT = 1

# Every check schemathesis ships (the registry fills in when they are loaded).
checks.load_all_checks()
CHECKS = list(checks.CHECKS.get_all())
assert len(CHECKS) >= 14, [check.__name__ for check in CHECKS]

# positive_data_acceptance's own defaults, and 400 for the rules above.
POSITIVE_400 = ["2xx", "3xx", "400", "401", "403", "404", "409", "429"]
RULES_NOT_IN_JSON_SCHEMA = [
    ("GET", "^/api/v1/(users|products|users/[^/]+/orders)$"),
    ("POST", "^/api/v1/users/[^/]+/orders$"),
    ("POST", "^/api/v1/webhooks$"),
    ("POST", "^/api/v1/playground/compare$"),
    ("GET", "^/api/v1/events/stream$"),
]

CONFIG = {
    "seed": 20240601,
    "max-stream-events": 8,
    "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
    "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True}, "fuzzing": {"enabled": True}},
    "operations": [
        {
            "include-method": method,
            "include-path-regex": path,
            "checks": {"positive_data_acceptance": {"expected-statuses": POSITIVE_400}},
        }
        for method, path in RULES_NOT_IN_JSON_SCHEMA
    ],
}


def _load(server_url, **extra):
    """The document as the server under test serves it (its `servers` entry names that server)."""
    config = SchemathesisConfig.from_dict({**CONFIG, **extra})
    return schemathesis.openapi.from_url(f"{server_url}/openapi.json", config=config, timeout=10)


@pytest.fixture(scope="module")
def rest_server(unlimited_server_url):
    # One change first, so that a fresh server's event feed has something to stream.
    created = requests.post(
        f"{unlimited_server_url}/api/v1/users",
        json={"name": "Schemathesis", "email": "schemathesis@example.com"},
        headers=API_KEY,
        timeout=REQUEST_TIMEOUT,
    )
    assert created.status_code == 201, created.text
    return unlimited_server_url


@pytest.fixture(scope="module")
def rest_schema(rest_server):
    return _load(rest_server)


@pytest.fixture(scope="module")
def rest_schema_on_existing(rest_server):
    # Every `{id}` pinned to one that exists, so that bodies and queries, valid or not, reach a
    # resource rather than stopping at 404.
    return _load(rest_server, parameters={"path.id": EXISTING_ID})


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request):
    # schemathesis 4.32's `from_fixture` tests read `Function._nodeid`, which pytest 9 no longer has.
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


schema = schemathesis.pytest.from_fixture("rest_schema")
# DELETE left out: it would remove what the other operations are pointed at.
schema_on_existing = schemathesis.pytest.from_fixture("rest_schema_on_existing").exclude(method="DELETE")


def _shortened(case):
    """`case` with a long poll cut to 1 s, and the timeout to call it with."""
    if case.path == "/api/v1/events" and isinstance(case.query, dict):
        # A long poll (`wait`, 0 to 30 s) with nothing new waits it out.
        wait = case.query.get("wait")
        if isinstance(wait, int) and 1 < wait <= 30:
            case.query["wait"] = 1
    return STREAM_TIMEOUT if case.path == "/api/v1/events/stream" else REQUEST_TIMEOUT


SETTINGS = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": list(hypothesis.HealthCheck),
}


@schema_on_existing.parametrize()
@hypothesis.settings(**SETTINGS)
def test_rest_answers_on_existing_resources_conform_to_the_openapi_document(case):
    """Each operation but DELETE on its own, with `{id}` an existing resource (runs first: the
    next test deletes at random)."""
    timeout = _shortened(case)
    case.call_and_validate(headers=API_KEY, checks=CHECKS, timeout=timeout)


@schema.parametrize()
@hypothesis.settings(**SETTINGS)
def test_rest_answers_conform_to_the_openapi_document(case):
    """Each operation on its own: the document's examples, boundary values, then random inputs."""
    timeout = _shortened(case)
    case.call_and_validate(headers=API_KEY, checks=CHECKS, timeout=timeout)


def test_rest_scenarios_conform_to_the_openapi_document(rest_schema, tmp_path):
    """Operations chained through the links schemathesis infers (create a user, then read, change,
    order for and delete it), so that inputs reach resources that exist. Each scenario runs against
    a server of its own, started from the demo data: which links a scenario can follow depends on
    what the server answered, so the same draws must meet the same data every time."""
    config = tmp_path / "unlimited-rate.toml"
    config.write_text(UNLIMITED_RATE_CONFIG)

    class Scenarios(rest_schema.as_state_machine()):
        def setup(self):
            self._server = contextlib.ExitStack()
            self._base_url = self._server.enter_context(serve("--config", str(config)))

        def teardown(self):
            self._server.close()

        def get_call_kwargs(self, case):
            return {"base_url": self._base_url, "headers": API_KEY, "timeout": _shortened(case)}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            __tracebackhide__ = True
            case.validate_response(response, checks=CHECKS, headers=API_KEY, transport_kwargs=kwargs)

    # No shrinking: a replay on a fresh server could still meet other timing (a long poll, a
    # stream), and hypothesis would report the difference instead of the failure itself.
    Scenarios.run(
        settings=hypothesis.settings(
            max_examples=SCENARIOS,
            stateful_step_count=STEPS_PER_SCENARIO,
            phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
            **SETTINGS,
        )
    )
