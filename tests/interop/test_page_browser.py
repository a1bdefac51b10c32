"""The playground page at `/` in a real browser: Debian's Chromium driven by Playwright, against
the binary. It runs operations on the five protocols through the page's controls and reads the
lanes through the stable hooks of CONTRACT §9, makes one change and watches the seven listeners
see it, and saves screenshots into docs/screenshots/.

Every test fails on a console error or warning, an uncaught exception, or a request (HTTP or
WebSocket) for another origin: those are aborted and listed. The one thing allowed, and only in
the steps that ask for it, is the browser's own network log line for an answer the step expects
to be refused ("Failed to load resource: ... 401" while the credential is `none`, "... 403" for a
write the credential may not make).

The logins `alice` and `admin` are chosen like the keys: the page logs in itself at /auth/login and
sends the JWT on every call (compare, the write, the seven listeners); the tests check that alice
reaches her own orders and only hers on all five protocols, that the page says which kind of
credential is in use by reading the token's payload, and that when a token expires the page logs
in again and its seven listeners carry on.

It needs the Python package playwright and Chromium at /usr/lib/chromium/chromium (Debian's
`chromium` package; Playwright's own browser download is not used). Without them the module is
skipped, unless PLAYGROUND_INTEROP=required, where that is a failure."""
import contextlib
import os
import re
import time
from urllib.parse import urlsplit

import pytest

from conftest import serve

CHROMIUM = os.environ.get("PLAYGROUND_CHROMIUM", "/usr/lib/chromium/chromium")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCREENSHOTS = os.path.join(ROOT, "docs", "screenshots")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1400, "height": 900}
LANES = ["rest", "graphql", "grpc", "websocket", "soap"]
DELIVERIES = ["poll", "long-poll", "sse", "websocket", "graphql-ws", "grpc-stream", "webhook"]
OPERATION_ARGS = {
    "listUsers": ["limit", "cursor"],
    "getUser": ["id"],
    "createUser": ["name", "email"],
    "updateUser": ["id", "name", "email"],
    "deleteUser": ["id"],
    "listProducts": ["limit", "cursor"],
    "getProduct": ["id"],
    "listUserOrders": ["userId", "status"],
    "getOrder": ["id"],
    "createOrder": ["userId", "items"],
    "updateOrderStatus": ["id", "status"],
    "deleteOrder": ["id"],
    "setMaintenance": ["enabled", "retryAfter"],
}
# What each protocol's exchange must show for getUser 42.
MARKERS = {
    "rest": ["GET /api/v1/users/42", "HTTP/1.1 200"],
    "graphql": ["POST /graphql"],
    "grpc": ["/playground.v1.UserService/GetUser", "grpc-status"],
    "websocket": ["Upgrade", "101", "users.get"],
    "soap": ["Envelope", "GetUser"],
}


def _missing():
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed: pip install -r tests/interop/requirements.txt"
    if not os.access(CHROMIUM, os.X_OK):
        return f"no Chromium at {CHROMIUM}: apt-get install chromium"
    return None


_WHY = _missing()
if _WHY:
    if os.environ.get("PLAYGROUND_INTEROP") == "required":
        pytest.fail(_WHY, pytrace=False)
    pytest.skip(_WHY, allow_module_level=True)

from playwright.sync_api import expect, sync_playwright  # noqa: E402


class Watch:
    """Everything the page does that a test should not let pass: console errors and warnings,
    uncaught exceptions, requests for another origin (aborted)."""

    def __init__(self, page, base_url):
        self.origin = urlsplit(base_url)[:2]
        self.problems = []
        self.foreign = []
        # (HTTP status, URL path) pairs whose "Failed to load resource" line a step expects.
        self.expected_refusals = set()
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"uncaught exception: {error}"))
        page.on("websocket", lambda socket: self._check(socket.url))
        page.route("**/*", self._route)

    def _same_origin(self, url):
        scheme, netloc = urlsplit(url)[:2]
        return {"ws": "http", "wss": "https"}.get(scheme, scheme) == self.origin[0] and netloc == self.origin[1]

    def _check(self, url):
        if not url.startswith("data:") and not self._same_origin(url):
            self.foreign.append(url)

    def _route(self, route):
        url = route.request.url
        if url.startswith("data:") or self._same_origin(url):
            route.continue_()
        else:
            self.foreign.append(url)
            route.abort()

    def _console(self, message):
        if message.type not in ("error", "warning"):
            return
        where = (message.location or {}).get("url", "")
        refused = re.match(r"Failed to load resource: the server responded with a status of (\d{3})", message.text)
        if refused and (int(refused.group(1)), urlsplit(where).path) in self.expected_refusals:
            return
        self.problems.append(f"console {message.type}: {message.text} (at {where})")

    def assert_clean(self):
        assert not self.foreign, f"requests for another origin: {self.foreign}"
        assert not self.problems, "the page complained:\n" + "\n".join(self.problems)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@contextlib.contextmanager
def open_page(browser, base_url):
    """A fresh browser tab on the page at `base_url`, watched; yields (page, watch)."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(20_000)
    watch = Watch(page, base_url)
    page.goto(base_url + "/")
    expect(page.locator('[data-field="operation"]')).to_be_visible()
    try:
        yield page, watch
    finally:
        context.close()


@pytest.fixture
def opened(browser, server_url):
    with open_page(browser, server_url) as opened:
        yield opened


def screenshot(page, name):
    os.makedirs(SCREENSHOTS, exist_ok=True)
    page.screenshot(path=os.path.join(SCREENSHOTS, name))


def lane(page, protocol):
    return page.locator(f'[data-lane="{protocol}"]')


def run_and_expect(page, code):
    for protocol in LANES:
        expect(lane(page, protocol)).to_have_attribute("data-status", code)


def test_get_user_on_five_protocols(opened):
    page, watch = opened
    assert page.locator('[data-field="operation"]').input_value() == "getUser"
    assert page.locator('[data-field="id"]').input_value() == "42"
    assert page.locator('[data-field="credential"]').input_value() == "demo-read-key"
    page.click('[data-action="run"]')
    run_and_expect(page, "OK")
    for protocol, markers in MARKERS.items():
        text = lane(page, protocol).locator('[data-part="request"]').text_content() + lane(page, protocol).locator(
            '[data-part="response"]'
        ).text_content()
        for marker in markers:
            assert marker in text, f"{protocol}: {marker!r} not in its exchange:\n{text}"
        latency = lane(page, protocol).locator('[data-part="latency"]').text_content()
        assert re.fullmatch(r"\d+(\.\d+)? ms", latency), f"{protocol} latency {latency!r}"
        wire = lane(page, protocol).locator('[data-part="bytes"]').text_content()
        assert re.fullmatch(r"[\d,]+ B sent / [\d,]+ B received", wire), f"{protocol} bytes {wire!r}"
    # The exchange is highlighted, and the text is still exactly the text.
    assert lane(page, "soap").locator('[data-part="request"] span').count() > 5
    expect(page.get_by_text("a browser cannot see the headers it sends")).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "page-getuser.png")
    watch.assert_clean()


def test_every_operation_has_its_labelled_inputs(opened):
    page, watch = opened
    options = page.locator('[data-field="operation"] option').evaluate_all("options => options.map(o => o.value)")
    assert options == list(OPERATION_ARGS)
    for operation, args in OPERATION_ARGS.items():
        page.select_option('[data-field="operation"]', operation)
        for arg in args:
            field = page.locator(f'[data-field="{arg}"]')
            expect(field).to_have_count(1)
            assert field.evaluate("f => f.labels.length") > 0, f"{operation}.{arg} has no label"
    page.select_option('[data-field="operation"]', "updateOrderStatus")
    statuses = page.locator('[data-field="status"] option').evaluate_all("options => options.map(o => o.value)")
    assert statuses == ["pending", "paid", "shipped", "delivered", "cancelled"]
    credentials = page.locator('[data-field="credential"] option').evaluate_all("options => options.map(o => o.value)")
    assert credentials == ["none", "demo-read-key", "demo-write-key", "alice", "admin"]
    # Every control has a name a screen reader can say.
    unnamed = page.evaluate(
        """() => [...document.querySelectorAll('button, select, input, textarea')]
             .filter(e => !(e.labels?.length || e.getAttribute('aria-label') || e.textContent.trim()))
             .map(e => e.outerHTML)"""
    )
    assert not unnamed, f"controls without a name: {unnamed}"
    watch.assert_clean()


def test_the_keyboard_alone_runs_a_call(opened):
    page, watch = opened
    run_and_expect(page, "OK")  # the run the page makes on load
    page.focus('[data-field="operation"]')
    page.keyboard.press("ArrowDown")  # getUser → createUser
    assert page.locator('[data-field="operation"]').input_value() == "createUser"
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.field") == "id"
    page.keyboard.press("End")
    page.keyboard.press("Backspace")  # 42 → 4
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.field") == "credential"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.knob") == "delay"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.knob") == "rtt"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.knob") == "fail"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.action") == "run"
    # The focus can be seen.
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    expect(lane(page, "rest").locator('[data-part="request"]')).to_contain_text("GET /api/v1/users/4 ")
    run_and_expect(page, "OK")
    watch.assert_clean()


def test_errors_read_the_same_on_five_protocols(opened):
    page, watch = opened
    page.fill('[data-field="id"]', "999999")
    page.click('[data-action="run"]')
    run_and_expect(page, "NOT_FOUND")
    expect(lane(page, "grpc").locator(".proto-status")).to_contain_text("NOT_FOUND")
    expect(lane(page, "websocket").locator(".proto-status")).to_contain_text("-32004")
    screenshot(page, "page-notfound.png")

    # A read key may not write: the write answers 403, and the page says so.
    watch.expected_refusals.add((403, "/api/v1/users/1"))
    page.click('[data-action="write"]')
    expect(page.locator('[data-panel="events"] .write-result')).to_contain_text("403")
    expect(page.locator('[data-panel="events"] .write-result')).to_contain_text("PERMISSION_DENIED")

    # No credential: the five calls, and the seven listeners, are UNAUTHENTICATED.
    for path in ("/api/v1/events", "/api/v1/events/stream", "/api/v1/webhooks"):
        watch.expected_refusals.add((401, path))
    page.select_option('[data-field="credential"]', "none")
    page.fill('[data-field="id"]', "42")
    page.press('[data-field="id"]', "Enter")  # Enter in a field runs too
    run_and_expect(page, "UNAUTHENTICATED")
    for delivery in DELIVERIES:
        expect(page.locator(f'[data-delivery="{delivery}"]')).to_have_attribute("data-code", "UNAUTHENTICATED")
    watch.assert_clean()


def test_copy_as_without_a_clipboard_shows_the_text(opened):
    page, watch = opened
    run_and_expect(page, "OK")  # the run the page makes on load
    lane(page, "rest").locator('[data-action="copy-python"]').click()
    shown = lane(page, "rest").locator(".copy-shown textarea")
    expect(shown).to_be_visible()
    assert "import requests" in shown.input_value()
    assert "/api/v1/users/42" in shown.input_value()
    watch.assert_clean()


def credential_info(page):
    return page.locator('[data-part="credential-info"]')


def choose_login(page, username):
    """Chooses a login as the credential, and waits until the page holds its token."""
    page.select_option('[data-field="credential"]', username)
    expect(credential_info(page)).to_have_attribute("data-kind", "jwt")
    expect(credential_info(page)).to_contain_text(f"JWT for {username}")
    expect(credential_info(page).locator('[data-part="expires"]')).to_have_text(re.compile(r"^expires in \d+ (min|s)"))


def run_list_user_orders(page, user_id, code):
    page.select_option('[data-field="operation"]', "listUserOrders")
    page.fill('[data-field="userId"]', str(user_id))
    page.click('[data-action="run"]')
    expect(lane(page, "rest").locator('[data-part="request"]')).to_contain_text(f"GET /api/v1/users/{user_id}/orders")
    run_and_expect(page, code)
    # Each of the five calls carried the JWT, not a key.
    for protocol in LANES:
        request = lane(page, protocol).locator('[data-part="request"]').text_content()
        assert re.search(r"(?im)^\s*authorization: Bearer eyJ", request), f"{protocol} sent no bearer token:\n{request[:800]}"
        assert "x-api-key" not in request.lower(), f"{protocol} sent an API key"


def test_the_page_names_the_kind_of_credential(opened):
    page, watch = opened
    expect(credential_info(page)).to_have_attribute("data-kind", "apiKey")
    expect(credential_info(page)).to_contain_text("API key")
    # Without a credential the listeners are refused, each with a 401.
    for path in ("/api/v1/events", "/api/v1/events/stream", "/api/v1/webhooks"):
        watch.expected_refusals.add((401, path))
    page.select_option('[data-field="credential"]', "none")
    expect(credential_info(page)).to_have_attribute("data-kind", "none")
    expect(page.locator('[data-delivery="sse"]')).to_have_attribute("data-code", "UNAUTHENTICATED")
    choose_login(page, "admin")
    expect(credential_info(page)).to_contain_text(re.compile(r"sub \d+, scopes users:read .* admin"))
    # The decoded token: its header names the key, its payload the claims the server checks.
    credential_info(page).locator("summary").click()
    claims = credential_info(page).locator('[data-part="claims"]')
    expect(claims).to_be_visible()

    def claim(name):
        return claims.locator(f'[data-claim="{name}"] td').nth(1).text_content()

    assert claim("alg") == "ES256" and claim("typ") == "JWT" and claim("kid")
    assert claim("preferred_username") == "admin" and re.fullmatch(r"\d+", claim("sub"))
    assert claim("aud") == "api-playground" and claim("iss") == urlsplit(page.url)._replace(path="").geturl()
    assert claim("scope").split()[-1] == "admin"
    assert re.fullmatch(r"\d+ \(\d\d:\d\d:\d\d\)", claim("exp")), claim("exp")
    exp, iat = (int(claim(name).split()[0]) for name in ("exp", "iat"))
    assert exp - iat == 900, "the demo tokens live 15 minutes"
    watch.assert_clean()


def test_alice_reads_her_own_orders_and_no_one_elses(opened):
    page, watch = opened
    choose_login(page, "alice")
    expect(credential_info(page).locator('[data-part="expires"]')).to_have_text(re.compile(r"^expires in 1[45] min"))
    info = credential_info(page).text_content()
    assert "sub 1" in info and "users:read orders:read orders:write products:read" in info, info
    # The seven listeners take her token too: query access_token, headers, connection_init, the hook.
    for delivery in DELIVERIES:
        expect(page.locator(f'[data-delivery="{delivery}"]')).to_have_attribute("data-state", "listening")
    run_list_user_orders(page, 1, "OK")
    run_list_user_orders(page, 42, "PERMISSION_DENIED")
    expect(lane(page, "rest").locator('[data-part="response"]')).to_contain_text("may not touch the orders of user 42")
    expect(lane(page, "grpc").locator(".proto-status")).to_contain_text("PERMISSION_DENIED")
    expect(lane(page, "websocket").locator(".proto-status")).to_contain_text("-32003")

    # Her scopes have users:read, not users:write: renaming user 1 (herself) is refused.
    watch.expected_refusals.add((403, "/api/v1/users/1"))
    page.click('[data-action="write"]')
    result = page.locator('[data-panel="events"] .write-result')
    expect(result).to_contain_text("403")
    expect(result).to_contain_text("PERMISSION_DENIED")
    expect(result).to_contain_text("users:write")
    expect(result).to_contain_text("Authorization: Bearer eyJ")

    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "page-jwt.png")
    watch.assert_clean()


def test_admin_reads_every_users_orders(opened):
    page, watch = opened
    choose_login(page, "admin")
    run_list_user_orders(page, 42, "OK")
    watch.assert_clean()


@pytest.mark.parametrize("credential", ["demo-write-key", "admin"])
def test_one_write_reaches_all_seven_listeners(opened, credential):
    page, watch = opened
    page.select_option('[data-field="credential"]', credential)
    for delivery in DELIVERIES:
        expect(page.locator(f'[data-delivery="{delivery}"]')).to_have_attribute("data-state", "listening")
    # graphql-transport-ws does not acknowledge a subscribe: give the server a moment to take it.
    time.sleep(1)
    page.click('[data-action="write"]')
    expect(page.locator('[data-panel="events"] .write-result')).to_contain_text("200")
    seqs = set()
    for delivery in DELIVERIES:
        card = page.locator(f'[data-delivery="{delivery}"]')
        expect(card.locator('[data-part="seq"]')).to_have_text(re.compile(r"^\d+$"))
        expect(card.locator('[data-part="delay"]')).to_have_text(re.compile(r"^\d+(\.\d+)? ms$"))
        seqs.add(card.locator('[data-part="seq"]').text_content())
    assert len(seqs) == 1, f"the listeners saw different seqs: {seqs}"
    page.evaluate("document.querySelector('[data-panel=\"events\"]').scrollIntoView({block: 'center'})")
    if credential == "demo-write-key":
        screenshot(page, "page-events.png")
    else:
        expect(page.locator('[data-panel="events"] .write-result')).to_contain_text("Authorization: Bearer eyJ")
    # The webhook lane shows what the server's receiver took: the signed headers and the event.
    inbox = page.locator('[data-delivery="webhook"] [data-part="inbox"]')
    expect(inbox.locator("summary")).to_contain_text("verified")
    expect(inbox.locator("pre")).to_contain_text("webhook-signature: v1,")
    # What each style paid per event: push styles one request or message, a webhook one POST.
    expect(page.locator('[data-delivery="webhook"] [data-part="per-event"]')).to_have_text("1 per event")
    expect(page.locator('[data-delivery="sse"] [data-part="per-event"]')).to_have_text(re.compile(r"per event$"))
    # Polling keeps paying while nothing happens: its request count grows on its own.
    polls = page.locator('[data-delivery="poll"] [data-part="cost"]')
    before = int(polls.text_content().split()[0])
    expect(polls).not_to_have_text(re.compile(rf"^{before} "), timeout=5000)
    watch.assert_clean()


def test_the_knobs_make_one_failure_land_in_five_forms_and_add_delay(opened):
    page, watch = opened
    run_and_expect(page, "OK")
    page.select_option('[data-knob="fail"]', "429")
    page.click('[data-action="run"]')
    run_and_expect(page, "RATE_LIMITED")
    expect(lane(page, "rest").locator('[data-part="response"]')).to_contain_text("429 Too Many Requests")
    expect(lane(page, "rest").locator('[data-part="response"]')).to_contain_text("retry-after: 1")
    expect(lane(page, "grpc").locator(".proto-status")).to_contain_text("RESOURCE_EXHAUSTED")
    expect(lane(page, "websocket").locator('[data-part="request"]')).to_contain_text('"_playground"')
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "page-knobs.png")

    page.select_option('[data-knob="fail"]', "")
    page.fill('[data-knob="delay"]', "200")
    page.click('[data-action="run"]')
    run_and_expect(page, "OK")
    for protocol in LANES:
        latency = lane(page, protocol).locator('[data-part="latency"]').text_content()
        assert float(latency.split()[0]) >= 200, f"{protocol} took {latency} with a 200 ms delay"

    # Past the bound the browser itself holds the form back; Enter on a select runs the page's check.
    # A round trip of 50 ms: every lane pays the handshake and its request, WebSocket its upgrade too.
    page.fill('[data-knob="delay"]', "")
    page.fill('[data-knob="rtt"]', "50")
    page.click('[data-action="run"]')
    run_and_expect(page, "OK")
    for protocol in LANES:
        latency = float(lane(page, protocol).locator('[data-part="latency"]').text_content().split()[0])
        least = 150 if protocol == "websocket" else 100
        assert latency >= least, f"{protocol} took {latency} ms with a 50 ms round trip"
    page.fill('[data-knob="rtt"]', "")

    page.fill('[data-knob="delay"]', "5000")
    expect(page.locator('[data-knob="delay"]:invalid')).to_have_count(1)
    page.press('[data-knob="fail"]', "Enter")
    expect(page.locator(".run-message.failed")).to_contain_text("0 to 2,000")
    watch.assert_clean()


def test_the_oauth_walkthrough_shows_each_exchange(opened):
    page, watch = opened
    panel = page.locator('[data-panel="oauth"]')
    page.select_option('[data-field="oauth-user"]', "alice")
    page.click('[data-action="oauth-walk"]')
    titles = ["discovery", "authorization request", "consent", "token exchange", "API call", "refresh"]
    for number, title in enumerate(titles, start=1):
        step = panel.locator(f'[data-step="{number}"]')
        expect(step.locator("h3")).to_contain_text(title)
        expect(step.locator('[data-part="request"]')).not_to_be_empty()
        expect(step.locator('[data-part="latency"]')).to_have_text(re.compile(r"^\d+(\.\d+)? ms$"))
    step = lambda number: panel.locator(f'[data-step="{number}"]')  # noqa: E731
    expect(step(1).locator('[data-part="request"]')).to_contain_text("GET /.well-known/oauth-authorization-server")
    expect(step(2).locator('[data-part="request"]')).to_contain_text("code_challenge_method=S256")
    expect(step(2).locator('[data-part="response"]')).to_contain_text("text/html")
    # The approval answers a redirect carrying the code and the state the client sent.
    expect(step(3).locator('[data-part="status"]')).to_have_text(re.compile(r"^30[23]"))
    expect(step(3).locator('[data-part="response"]')).to_contain_text("code=")
    expect(step(4).locator('[data-part="request"]')).to_contain_text("code_verifier=")
    expect(step(4).locator('[data-part="response"]')).to_contain_text("refresh_token")
    expect(step(5).locator('[data-part="request"]')).to_contain_text("Bearer eyJ")
    expect(step(5).locator('[data-part="status"]')).to_have_text(re.compile(r"^200"))
    expect(step(6).locator('[data-part="request"]')).to_contain_text("grant_type=refresh_token")
    expect(step(6).locator('[data-part="status"]')).to_have_text(re.compile(r"^200"))
    expect(panel.locator(".run-message")).to_contain_text("6 HTTP exchanges")
    panel.scroll_into_view_if_needed()
    page.evaluate("document.querySelector('[data-panel=\"oauth\"]').scrollIntoView({block: 'start'})")
    screenshot(page, "page-oauth.png")

    # A wrong password stops the flow at the consent page, and the page says so.
    page.select_option('[data-field="oauth-user"]', "admin")
    page.evaluate("""() => { const f = window.fetch; window.fetch = (url, init) => f(url, url.endsWith('oauth-walkthrough')
        ? { ...init, body: JSON.stringify({ username: 'admin', password: 'wrong' }) } : init); }""")
    page.click('[data-action="oauth-walk"]')
    expect(panel.locator(".run-message.failed")).to_contain_text("stopped after 3 steps")
    expect(panel.locator('[data-step="3"] [data-part="status"]')).not_to_have_text(re.compile(r"^30[23]"))
    watch.assert_clean()


def test_the_page_is_small(opened):
    page, watch = opened
    run_and_expect(page, "OK")
    resources = page.evaluate(
        """() => performance.getEntriesByType('resource')
             .filter(r => r.name.includes('/web/'))
             .map(r => ({name: r.name, size: r.encodedBodySize}))"""
    )
    names = {urlsplit(r["name"]).path for r in resources}
    assert "/web/app.js" in names and "/web/vendor/standalone.module.js" in names, names
    # index.html asks for the whole module graph at once; a module it forgot would cost a round trip.
    preloaded = set(page.evaluate("[...document.querySelectorAll('link[rel=modulepreload]')].map(l => new URL(l.href).pathname)"))
    modules = {name for name in names if name.endswith(".js")}
    assert modules <= preloaded, f"modules index.html does not preload: {sorted(modules - preloaded)}"
    navigation = page.evaluate("performance.getEntriesByType('navigation')[0].toJSON()")
    total = navigation["encodedBodySize"] + sum(r["size"] for r in resources)
    assert total < 200_000, f"the page weighs {total} bytes"
    print(f"page assets: {len(resources) + 1} files, {total} bytes; "
          f"DOMContentLoaded at {navigation['domContentLoadedEventEnd']:.0f} ms")
    watch.assert_clean()


def test_swagger_ui_shows_the_served_document_offline(browser, server_url):
    """Swagger UI at /docs: its script and styles come from the server, it reads /openapi.json,
    and every path of that document is on the page."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        watch = Watch(page, server_url)
        page.goto(server_url + "/docs")
        expect(page.locator(".opblock").first).to_be_visible()
        document = page.evaluate("fetch('/openapi.json').then(r => r.json())")
        shown = set(page.locator(".opblock-summary-path").evaluate_all("els => els.map(e => e.dataset.path)"))
        assert shown == set(document["paths"]), sorted(set(document["paths"]) ^ shown)
        watch.assert_clean()
    finally:
        context.close()


@pytest.fixture(scope="module")
def short_lived_url(tmp_path_factory):
    """A server whose access tokens live three seconds."""
    config = tmp_path_factory.mktemp("playground-config") / "short-tokens.toml"
    config.write_text('[auth]\naccess_token_ttl = "3s"\n')
    with serve("--config", str(config)) as url:
        yield url


def test_the_page_logs_in_again_when_its_token_expires(browser, short_lived_url):
    """Streams end when the token that opened them expires (SSE event: error, gRPC status 16, /ws
    close 1008, a GraphQL error): the page logs in again and every listener carries on."""
    with open_page(browser, short_lived_url) as (page, watch):
        logins = []
        page.on("request", lambda request: logins.append(request.url) if urlsplit(request.url).path == "/auth/login" else None)
        choose_login(page, "admin")
        expect(credential_info(page).locator('[data-part="expires"]')).to_have_text(re.compile(r"^expires in [0-3] s$"))
        for delivery in DELIVERIES:
            expect(page.locator(f'[data-delivery="{delivery}"]')).to_have_attribute("data-state", "listening")
        # Two lifetimes and their leeway: every stream was cut at least once. (The page's requests go
        # through this process's route handler: wait without blocking it.)
        page.wait_for_timeout(8000)
        assert len(logins) >= 3, f"the page logged in {len(logins)} times in 8 s with 3 s tokens"
        for delivery in ("sse", "websocket", "grpc-stream"):
            cost = page.locator(f'[data-delivery="{delivery}"] [data-part="cost"]').text_content()
            assert int(cost.split()[0]) >= 2, f"{delivery} did not open a new stream: {cost}"
        for delivery in DELIVERIES:
            expect(page.locator(f'[data-delivery="{delivery}"]')).to_have_attribute("data-state", "listening")
        page.click('[data-action="write"]')
        expect(page.locator('[data-panel="events"] .write-result')).to_contain_text("200")
        seqs = set()
        for delivery in DELIVERIES:
            card = page.locator(f'[data-delivery="{delivery}"]')
            expect(card.locator('[data-part="seq"]')).to_have_text(re.compile(r"^\d+$"))
            seqs.add(card.locator('[data-part="seq"]').text_content())
        assert len(seqs) == 1, f"the listeners saw different seqs: {seqs}"
        watch.assert_clean()
