"""The OAuth 2.0 authorization server seen by Authlib, a widely used Python OAuth client: the RFC 8414
metadata names every endpoint; Authlib runs the authorization code flow with PKCE (RFC 7636) for the
public client `demo-spa` and the confidential client `demo-client` while the test plays the user on
the server's consent page (a real HTML form); the refusals of RFC 6749 §4.1.2.1 (denied consent,
missing PKCE, an unsupported challenge method) come back to the redirect URI with `state`, and those
that must never redirect (an unknown client, a redirect URI outside the RFC 8252 loopback rules) do
not; the token endpoint answers per RFC 6749 §5.1/§5.2 (client credentials, refresh token rotation
with reuse detection, `invalid_grant`, `invalid_client` with `WWW-Authenticate`, `invalid_scope`,
`unauthorized_client`); introspection (RFC 7662) and revocation (RFC 7009) agree with what the API
then accepts. Access tokens are ES256 JWTs, checked with PyJWT against the JWKS, and the API applies
their scopes and ownership (alice may read her own orders only)."""
import base64
import urllib.parse
from html.parser import HTMLParser

import jwt
import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from authlib.oauth2.rfc7636 import create_s256_code_challenge

AUDIENCE = "api-playground"
ALICE = ("alice", "alice-password")
ALICE_ID = "1"
SPA = "demo-spa"
CLIENT, CLIENT_SECRET = "demo-client", "demo-secret"
CLIENT_SCOPES = {"users:read", "orders:read"}
# RFC 8252 §7.3: a native app listens on a loopback port of its choosing. Nothing needs to listen
# here: the test reads the redirect from the `Location` header and never follows it.
REDIRECT_URI = "http://127.0.0.1:53682/callback"
TIMEOUT = 10


# --- helpers ------------------------------------------------------------------------------------


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def basic(client_id, secret):
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def scopes(value):
    return set(value.split())


def query_of(location):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query, keep_blank_values=True))


def oauth_session(client_id, client_secret=None, **kwargs):
    """An Authlib session that also keeps every raw token endpoint answer, so that a test can check
    the HTTP status and headers behind what Authlib parsed (or raised)."""
    session = OAuth2Session(client_id, client_secret, default_timeout=TIMEOUT, **kwargs)
    session.token_responses = []

    def keep(response):
        session.token_responses.append(response)
        return response

    session.register_compliance_hook("access_token_response", keep)
    session.register_compliance_hook("refresh_token_response", keep)
    return session


def spa_session(scope="users:read orders:read"):
    return oauth_session(
        SPA, scope=scope, redirect_uri=REDIRECT_URI, code_challenge_method="S256", token_endpoint_auth_method="none"
    )


class FormReader(HTMLParser):
    """The forms of an HTML page (their controls, with type, name and value) and its visible text."""

    def __init__(self):
        super().__init__()
        self.forms = []
        self.text = []
        self._form = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {
                "action": attrs.get("action", ""),
                "method": (attrs.get("method") or "get").lower(),
                "controls": [],
            }
            self.forms.append(self._form)
        elif tag in ("input", "button") and self._form is not None:
            self._form["controls"].append(
                {
                    "tag": tag,
                    "type": (attrs.get("type") or ("submit" if tag == "button" else "text")).lower(),
                    "name": attrs.get("name"),
                    "value": attrs.get("value") or "",
                }
            )

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None

    def handle_data(self, data):
        self.text.append(data)


class ConsentPage:
    def __init__(self, response):
        assert response.headers["Content-Type"].startswith("text/html"), response.headers
        reader = FormReader()
        reader.feed(response.text)
        posting = [form for form in reader.forms if form["method"] == "post"]
        assert len(posting) == 1, reader.forms
        form = posting[0]
        self.action = urllib.parse.urljoin(response.url, form["action"])
        self.hidden = {c["name"]: c["value"] for c in form["controls"] if c["type"] == "hidden"}
        self.fields = {c["name"]: c["type"] for c in form["controls"] if c["tag"] == "input" and c["type"] != "hidden"}
        self.buttons = {
            (c["name"], c["value"]) for c in form["controls"] if c["type"] == "submit" and c["name"] is not None
        }
        self.text = " ".join(" ".join(reader.text).split())

    def submit(self, username, password, approve):
        data = dict(self.hidden, username=username, password=password, approve=approve)
        return requests.post(self.action, data=data, allow_redirects=False, timeout=TIMEOUT)


def consent_page(url):
    response = requests.get(url, allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 200, (response.status_code, response.headers, response.text[:500])
    return ConsentPage(response)


def authorize(metadata, session, code_verifier, account=ALICE, **kwargs):
    """Authlib builds the authorization URL; the user logs in on the consent page and allows.
    Returns the redirect (`Location`) and the `state` Authlib chose."""
    url, state = session.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=code_verifier, **kwargs
    )
    answer = consent_page(url).submit(*account, approve="yes")
    assert answer.status_code == 302, (answer.status_code, answer.text[:500])
    location = answer.headers["Location"]
    assert location.startswith(session.redirect_uri + "?"), location
    assert query_of(location)["state"] == state, location
    return location, state


def user_token(metadata, scope="users:read orders:read"):
    """A token for alice through demo-spa, the authorization code flow with PKCE."""
    session = spa_session(scope)
    verifier = generate_token(48)
    location, state = authorize(metadata, session, verifier)
    token = session.fetch_token(
        metadata["token_endpoint"], authorization_response=location, state=state, code_verifier=verifier
    )
    return session, token


def assert_token_answer(response):
    """RFC 6749 §5.1: JSON, no caching."""
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json"), response.headers
    assert "no-store" in response.headers.get("Cache-Control", ""), response.headers
    body = response.json()
    assert body["token_type"] == "Bearer", body
    assert isinstance(body["expires_in"], int) and body["expires_in"] > 0, body
    return body


def assert_token_error(response, error, status=400):
    """RFC 6749 §5.2: the status, a JSON body with `error`, and no caching."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["Content-Type"].startswith("application/json"), response.headers
    assert "no-store" in response.headers.get("Cache-Control", ""), response.headers
    body = response.json()
    assert body["error"] == error, body
    assert isinstance(body.get("error_description", ""), str), body
    return body


def raises_oauth_error(call, error):
    with pytest.raises(OAuthError) as raised:
        call()
    assert raised.value.error == error, (raised.value.error, raised.value.description)
    return raised.value


def verified_claims(metadata, token):
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "ES256" and header.get("kid"), header
    key = jwt.PyJWKClient(metadata["jwks_uri"]).get_signing_key_from_jwt(token).key
    return jwt.decode(token, key, algorithms=["ES256"], audience=AUDIENCE, issuer=metadata["issuer"])


def introspect(metadata, token, **kwargs):
    """RFC 7662 through Authlib, authenticated as the confidential client."""
    session = oauth_session(CLIENT, CLIENT_SECRET)
    response = session.introspect_token(metadata["introspection_endpoint"], token=token, **kwargs)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json"), response.headers
    return response.json()


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def base_url(unlimited_server_url):
    return unlimited_server_url


@pytest.fixture(scope="module")
def metadata(base_url):
    response = requests.get(f"{base_url}/.well-known/oauth-authorization-server", timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json"), response.headers
    return response.json()


# --- 1. discovery -------------------------------------------------------------------------------


def test_metadata_is_discoverable_and_names_the_endpoints(base_url, metadata):
    # RFC 8414 §3.3: the issuer is the URL the metadata was fetched under.
    assert metadata["issuer"] == base_url
    assert metadata["authorization_endpoint"] == f"{base_url}/oauth/authorize"
    assert metadata["token_endpoint"] == f"{base_url}/oauth/token"
    assert metadata["jwks_uri"] == f"{base_url}/.well-known/jwks.json"
    assert metadata["introspection_endpoint"] == f"{base_url}/oauth/introspect"
    assert metadata["revocation_endpoint"] == f"{base_url}/oauth/revoke"
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert set(metadata["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
        "none",
    }
    assert "code" in metadata["response_types_supported"]
    assert {"authorization_code", "client_credentials", "refresh_token"} <= set(
        metadata.get("grant_types_supported", ["authorization_code", "client_credentials", "refresh_token"])
    )
    # The JWKS it names holds the key the access tokens are signed with.
    jwks = requests.get(metadata["jwks_uri"], timeout=TIMEOUT).json()
    assert any(key.get("kty") == "EC" and key.get("crv") == "P-256" for key in jwks["keys"]), jwks


# --- 2. authorization code + PKCE, public client ------------------------------------------------


def test_authorization_code_with_pkce_for_the_public_client(base_url, metadata):
    session = spa_session()
    verifier = generate_token(48)
    url, state = session.create_authorization_url(metadata["authorization_endpoint"], code_verifier=verifier)
    sent = query_of(url)
    assert sent["code_challenge"] == create_s256_code_challenge(verifier)
    assert sent["code_challenge_method"] == "S256"
    assert sent["client_id"] == SPA and sent["state"] == state

    # The user's side: the consent page names the client and the scopes, and is a login form that
    # carries the request along.
    page = consent_page(url)
    assert "no-store" in requests.get(url, timeout=TIMEOUT).headers.get("Cache-Control", "")
    assert SPA in page.text
    for scope in ("users:read", "orders:read"):
        assert scope in page.text, page.text
    assert "orders:write" not in page.text, page.text
    assert page.action == metadata["authorization_endpoint"]
    carried = ("response_type", "client_id", "redirect_uri", "scope", "state")
    carried += ("code_challenge", "code_challenge_method")
    for name in carried:
        assert page.hidden.get(name) == sent[name], (name, page.hidden)
    assert page.fields.get("username") == "text" and page.fields.get("password") == "password", page.fields
    assert {("approve", "yes"), ("approve", "no")} <= page.buttons, page.buttons

    answer = page.submit(*ALICE, approve="yes")
    assert answer.status_code == 302, (answer.status_code, answer.text[:500])
    location = answer.headers["Location"]
    returned = query_of(location)
    assert location.startswith(REDIRECT_URI + "?"), location
    assert returned["state"] == state and returned.get("code") and "error" not in returned, returned

    token = session.fetch_token(
        metadata["token_endpoint"], authorization_response=location, state=state, code_verifier=verifier
    )
    body = assert_token_answer(session.token_responses[-1])
    assert scopes(body["scope"]) == {"users:read", "orders:read"}, body
    assert body.get("refresh_token"), body
    assert token["access_token"] == body["access_token"]

    claims = verified_claims(metadata, token["access_token"])
    assert claims["sub"] == ALICE_ID and claims["client_id"] == SPA, claims
    assert scopes(claims["scope"]) == {"users:read", "orders:read"}, claims
    assert claims["exp"] > claims["iat"] and claims.get("jti"), claims

    # Authlib's session now signs API calls with the token; alice reads her own orders only.
    mine = session.get(f"{base_url}/api/v1/users/1/orders")
    assert mine.status_code == 200, mine.text
    theirs = session.get(f"{base_url}/api/v1/users/42/orders")
    assert theirs.status_code == 403, theirs.text
    assert theirs.json()["code"] == "PERMISSION_DENIED", theirs.text

    # RFC 6749 §4.1.2: a code works once.
    again = spa_session()
    raises_oauth_error(
        lambda: again.fetch_token(
            metadata["token_endpoint"], authorization_response=location, state=state, code_verifier=verifier
        ),
        "invalid_grant",
    )
    assert_token_error(again.token_responses[-1], "invalid_grant")


def test_a_wrong_code_verifier_is_refused(metadata):
    session = spa_session()
    verifier = generate_token(48)
    location, state = authorize(metadata, session, verifier)
    raises_oauth_error(
        lambda: session.fetch_token(
            metadata["token_endpoint"], authorization_response=location, state=state, code_verifier=generate_token(48)
        ),
        "invalid_grant",
    )
    assert_token_error(session.token_responses[-1], "invalid_grant")
    # Without any verifier the public client's code is refused too (RFC 7636 §4.6).
    session = spa_session()
    location, state = authorize(metadata, session, verifier)
    with pytest.raises(OAuthError) as raised:
        session.fetch_token(metadata["token_endpoint"], authorization_response=location, state=state)
    assert raised.value.error in ("invalid_grant", "invalid_request"), raised.value.error


def test_a_code_is_bound_to_its_client_and_redirect_uri(metadata):
    # RFC 6749 §4.1.3: the redirect_uri of the token request must be the one of the authorization.
    session = spa_session()
    verifier = generate_token(48)
    location, state = authorize(metadata, session, verifier)
    raises_oauth_error(
        lambda: session.fetch_token(
            metadata["token_endpoint"],
            authorization_response=location,
            state=state,
            code_verifier=verifier,
            redirect_uri="http://127.0.0.1:53682/elsewhere",
        ),
        "invalid_grant",
    )
    # ...and another client cannot redeem demo-spa's code, even with the right verifier.
    session = spa_session()
    location, state = authorize(metadata, session, verifier)
    other = oauth_session(CLIENT, CLIENT_SECRET, redirect_uri=REDIRECT_URI)
    raises_oauth_error(
        lambda: other.fetch_token(
            metadata["token_endpoint"], authorization_response=location, state=state, code_verifier=verifier
        ),
        "invalid_grant",
    )


# --- 3. refusals at the authorization endpoint --------------------------------------------------


def test_deny_comes_back_as_access_denied_with_state(metadata):
    session = spa_session()
    url, state = session.create_authorization_url(metadata["authorization_endpoint"], code_verifier=generate_token(48))
    answer = consent_page(url).submit(*ALICE, approve="no")
    assert answer.status_code == 302, (answer.status_code, answer.text[:500])
    location = answer.headers["Location"]
    assert location.startswith(REDIRECT_URI + "?"), location
    returned = query_of(location)
    assert returned["error"] == "access_denied" and returned["state"] == state, returned
    assert "code" not in returned, returned


def test_a_wrong_password_shows_the_page_again_with_401(metadata):
    session = spa_session()
    url, state = session.create_authorization_url(metadata["authorization_endpoint"], code_verifier=generate_token(48))
    page = consent_page(url)
    answer = page.submit(ALICE[0], "not-alices-password", approve="yes")
    assert answer.status_code == 401, (answer.status_code, answer.headers)
    assert "Location" not in answer.headers, answer.headers
    again = ConsentPage(answer)
    assert again.hidden == page.hidden, (again.hidden, page.hidden)
    assert "password" in again.fields and ("approve", "yes") in again.buttons
    # The retry with the right password goes through.
    retry = again.submit(*ALICE, approve="yes")
    assert retry.status_code == 302 and query_of(retry.headers["Location"])["state"] == state, retry.text[:500]


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://client.example/callback",
        "http://client.example:8080/callback",
        "http://127.0.0.1.nip.io:8080/callback",
        "http://localhost.client.example:8080/callback",
        "http://127.0.0.1:8080@client.example/callback",
        "javascript:alert(1)",
    ],
)
def test_a_non_loopback_redirect_uri_is_never_redirected_to(metadata, redirect_uri):
    session = spa_session()
    verifier = generate_token(48)
    url, state = session.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=verifier, redirect_uri=redirect_uri
    )
    shown = requests.get(url, allow_redirects=False, timeout=TIMEOUT)
    assert shown.status_code == 400, (shown.status_code, shown.text[:500])
    assert "Location" not in shown.headers, shown.headers
    # Posting the consent form directly (a valid login, approve=yes) does not redirect either.
    form = {
        "response_type": "code",
        "client_id": SPA,
        "redirect_uri": redirect_uri,
        "scope": "users:read",
        "state": state,
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
        "username": ALICE[0],
        "password": ALICE[1],
        "approve": "yes",
    }
    posted = requests.post(metadata["authorization_endpoint"], data=form, allow_redirects=False, timeout=TIMEOUT)
    assert posted.status_code == 400, (posted.status_code, posted.text[:500])
    assert "Location" not in posted.headers, posted.headers


@pytest.mark.parametrize(
    "redirect_uri",
    ["http://127.0.0.1:1/cb", "http://localhost:65535/callback", "http://[::1]:8080/callback"],
)
def test_loopback_redirect_uris_on_any_port_are_accepted(metadata, redirect_uri):
    session = spa_session()
    session.redirect_uri = redirect_uri
    location, _ = authorize(metadata, session, generate_token(48))
    assert query_of(location).get("code"), location


def test_an_unknown_client_gets_a_400_page_and_no_redirect(metadata):
    session = oauth_session("no-such-client", redirect_uri=REDIRECT_URI, code_challenge_method="S256")
    url, _ = session.create_authorization_url(metadata["authorization_endpoint"], code_verifier=generate_token(48))
    shown = requests.get(url, allow_redirects=False, timeout=TIMEOUT)
    assert shown.status_code == 400, (shown.status_code, shown.text[:500])
    assert "Location" not in shown.headers, shown.headers


def authorization_error(url):
    """RFC 6749 §4.1.2.1 errors go back to the redirect URI; the server may say so before the consent
    page or after it."""
    answer = requests.get(url, allow_redirects=False, timeout=TIMEOUT)
    if answer.status_code == 200:
        answer = ConsentPage(answer).submit(*ALICE, approve="yes")
    assert answer.status_code == 302, (answer.status_code, answer.text[:500])
    location = answer.headers["Location"]
    assert location.startswith(REDIRECT_URI + "?"), location
    return query_of(location)


def test_the_public_client_without_pkce_is_sent_back_invalid_request(metadata):
    session = spa_session()
    url, state = session.create_authorization_url(metadata["authorization_endpoint"])  # no code_verifier
    assert "code_challenge" not in query_of(url)
    returned = authorization_error(url)
    assert returned["error"] == "invalid_request" and returned["state"] == state, returned
    assert "code" not in returned, returned


def test_the_plain_challenge_method_is_sent_back_invalid_request(metadata):
    # RFC 7636 §4.4.1; the metadata offers S256 only.
    session = spa_session()
    verifier = generate_token(48)
    url, state = session.create_authorization_url(
        metadata["authorization_endpoint"], code_challenge=verifier, code_challenge_method="plain"
    )
    returned = authorization_error(url)
    assert returned["error"] == "invalid_request" and returned["state"] == state, returned
    assert "code" not in returned, returned


# --- 4. authorization code, confidential client -------------------------------------------------


@pytest.mark.parametrize(
    ("auth_method", "pkce"),
    [("client_secret_basic", True), ("client_secret_basic", False), ("client_secret_post", True)],
)
def test_authorization_code_for_the_confidential_client(base_url, metadata, auth_method, pkce):
    session = oauth_session(
        CLIENT,
        CLIENT_SECRET,
        token_endpoint_auth_method=auth_method,
        scope="users:read orders:read",
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
    )
    verifier = generate_token(48) if pkce else None
    location, state = authorize(metadata, session, verifier)
    extra = {"code_verifier": verifier} if pkce else {}
    token = session.fetch_token(metadata["token_endpoint"], authorization_response=location, state=state, **extra)
    sent = session.token_responses[-1].request
    if auth_method == "client_secret_basic":
        assert sent.headers["Authorization"] == basic(CLIENT, CLIENT_SECRET)["Authorization"]
    else:
        assert "Authorization" not in sent.headers and "client_secret=" in sent.body
    body = assert_token_answer(session.token_responses[-1])
    assert scopes(body["scope"]) == CLIENT_SCOPES, body
    claims = verified_claims(metadata, token["access_token"])
    assert claims["sub"] == ALICE_ID and claims["client_id"] == CLIENT, claims
    assert session.get(f"{base_url}/api/v1/users/1/orders").status_code == 200
    assert session.get(f"{base_url}/api/v1/users/42/orders").status_code == 403


def test_the_confidential_client_with_a_wrong_secret_cannot_redeem_its_code(metadata):
    session = oauth_session(CLIENT, "not-the-secret", redirect_uri=REDIRECT_URI, code_challenge_method="S256")
    verifier = generate_token(48)
    location, state = authorize(metadata, session, verifier)
    raises_oauth_error(
        lambda: session.fetch_token(
            metadata["token_endpoint"], authorization_response=location, state=state, code_verifier=verifier
        ),
        "invalid_client",
    )
    response = session.token_responses[-1]
    assert_token_error(response, "invalid_client", status=401)
    assert response.headers.get("WWW-Authenticate", "").lower().startswith("basic"), response.headers


# --- 5. client credentials ----------------------------------------------------------------------


def test_client_credentials(base_url, metadata):
    session = oauth_session(CLIENT, CLIENT_SECRET)
    token = session.fetch_token(metadata["token_endpoint"], grant_type="client_credentials")
    body = assert_token_answer(session.token_responses[-1])
    assert scopes(body["scope"]) == CLIENT_SCOPES, body
    # RFC 6749 §4.4.3: a refresh token SHOULD NOT be included.
    assert "refresh_token" not in body, body
    claims = verified_claims(metadata, token["access_token"])
    # CONTRACT §11: a client-credentials token's subject is the client id.
    assert claims["sub"] == CLIENT and claims["client_id"] == CLIENT, claims

    read = session.get(f"{base_url}/api/v1/users/42")
    assert read.status_code == 200, read.text
    assert read.json()["id"] == 42, read.text
    write = session.post(f"{base_url}/api/v1/users", json={"name": "Ada Lovelace", "email": "ada@example.com"})
    assert write.status_code == 403, write.text
    assert write.json()["code"] == "PERMISSION_DENIED", write.text


def test_client_credentials_with_a_narrower_scope(base_url, metadata):
    session = oauth_session(CLIENT, CLIENT_SECRET, scope="users:read")
    token = session.fetch_token(metadata["token_endpoint"], grant_type="client_credentials")
    assert scopes(token["scope"]) == {"users:read"}, token
    assert session.get(f"{base_url}/api/v1/users/42").status_code == 200
    # orders:read was not asked for, so the token does not carry it.
    orders = session.get(f"{base_url}/api/v1/users/1/orders")
    assert orders.status_code == 403, orders.text


@pytest.mark.parametrize("scope", ["orders:write", "users:read admin", "no-such-scope"])
def test_client_credentials_beyond_the_clients_scopes_is_invalid_scope(metadata, scope):
    session = oauth_session(CLIENT, CLIENT_SECRET, scope=scope)
    raises_oauth_error(
        lambda: session.fetch_token(metadata["token_endpoint"], grant_type="client_credentials"), "invalid_scope"
    )
    assert_token_error(session.token_responses[-1], "invalid_scope")


@pytest.mark.parametrize(("client_id", "secret"), [(CLIENT, "not-the-secret"), ("no-such-client", "whatever")])
def test_client_credentials_with_a_wrong_secret_is_invalid_client(metadata, client_id, secret):
    session = oauth_session(client_id, secret)
    raises_oauth_error(
        lambda: session.fetch_token(metadata["token_endpoint"], grant_type="client_credentials"), "invalid_client"
    )
    response = session.token_responses[-1]
    assert_token_error(response, "invalid_client", status=401)
    # RFC 6749 §5.2: the client used the Authorization header, so the 401 names the scheme.
    assert response.headers.get("WWW-Authenticate", "").lower().startswith("basic"), response.headers


def test_client_credentials_with_a_wrong_secret_in_the_body_is_invalid_client(metadata):
    session = oauth_session(CLIENT, "not-the-secret", token_endpoint_auth_method="client_secret_post")
    raises_oauth_error(
        lambda: session.fetch_token(metadata["token_endpoint"], grant_type="client_credentials"), "invalid_client"
    )
    assert_token_error(session.token_responses[-1], "invalid_client", status=401)


def test_the_public_client_cannot_use_client_credentials(metadata):
    session = oauth_session(SPA, token_endpoint_auth_method="none")
    raises_oauth_error(
        lambda: session.fetch_token(metadata["token_endpoint"], grant_type="client_credentials"),
        "unauthorized_client",
    )
    assert_token_error(session.token_responses[-1], "unauthorized_client")


def test_an_unknown_grant_type_is_unsupported(metadata):
    session = oauth_session(CLIENT, CLIENT_SECRET)
    raises_oauth_error(
        lambda: session.fetch_token(
            metadata["token_endpoint"], grant_type="password", username=ALICE[0], password=ALICE[1]
        ),
        "unsupported_grant_type",
    )
    assert_token_error(session.token_responses[-1], "unsupported_grant_type")


# --- 6. refresh tokens --------------------------------------------------------------------------


def test_refresh_rotates_and_reuse_revokes_the_family(base_url, metadata):
    session, first = user_token(metadata)
    first_refresh = first["refresh_token"]

    second = session.refresh_token(metadata["token_endpoint"])
    body = assert_token_answer(session.token_responses[-1])
    assert body["refresh_token"] and body["refresh_token"] != first_refresh, body
    assert second["access_token"] != first["access_token"]
    assert scopes(body["scope"]) == {"users:read", "orders:read"}, body
    claims = verified_claims(metadata, second["access_token"])
    assert claims["sub"] == ALICE_ID and claims["client_id"] == SPA, claims
    assert session.get(f"{base_url}/api/v1/users/1/orders").status_code == 200

    third = session.refresh_token(metadata["token_endpoint"])
    newest_refresh = third["refresh_token"]
    assert newest_refresh not in (first_refresh, second["refresh_token"])

    # Replaying a used refresh token: refused, and the whole family with it (RFC 9700 §4.14.2).
    raises_oauth_error(
        lambda: session.refresh_token(metadata["token_endpoint"], refresh_token=first_refresh), "invalid_grant"
    )
    assert_token_error(session.token_responses[-1], "invalid_grant")
    raises_oauth_error(
        lambda: session.refresh_token(metadata["token_endpoint"], refresh_token=newest_refresh), "invalid_grant"
    )
    assert introspect(metadata, newest_refresh)["active"] is False
    # "Every token of its family": the access tokens it issued stop working as well.
    assert introspect(metadata, third["access_token"])["active"] is False
    refused = requests.get(f"{base_url}/api/v1/users/1/orders", headers=bearer(third["access_token"]), timeout=TIMEOUT)
    assert refused.status_code == 401, refused.text


def test_refresh_is_bound_to_its_client_and_scope(metadata):
    session, token = user_token(metadata, scope="users:read")
    refresh = token["refresh_token"]
    # RFC 6749 §6: another client cannot use it...
    other = oauth_session(CLIENT, CLIENT_SECRET)
    raises_oauth_error(
        lambda: other.refresh_token(metadata["token_endpoint"], refresh_token=refresh), "invalid_grant"
    )
    # ...nor can it widen the scope.
    raises_oauth_error(
        lambda: session.refresh_token(
            metadata["token_endpoint"], refresh_token=refresh, scope="users:read orders:read"
        ),
        "invalid_scope",
    )
    # Neither refusal used it up.
    renewed = session.refresh_token(metadata["token_endpoint"], refresh_token=refresh)
    assert scopes(renewed["scope"]) == {"users:read"}, renewed


# --- 7. introspection and revocation ------------------------------------------------------------


def test_introspection(metadata):
    _, token = user_token(metadata)
    access = introspect(metadata, token["access_token"])
    assert access["active"] is True, access
    assert access["sub"] == ALICE_ID and access["client_id"] == SPA and access["username"] == "alice", access
    assert scopes(access["scope"]) == {"users:read", "orders:read"}, access
    assert isinstance(access["exp"], int), access
    assert access["exp"] == verified_claims(metadata, token["access_token"])["exp"], access

    refresh = introspect(metadata, token["refresh_token"], token_type_hint="refresh_token")
    assert refresh["active"] is True and refresh["client_id"] == SPA, refresh

    assert introspect(metadata, "not-a-token") == {"active": False}

    # A client-credentials token introspects as the client.
    client = oauth_session(CLIENT, CLIENT_SECRET)
    client_token = client.fetch_token(metadata["token_endpoint"], grant_type="client_credentials")
    answer = introspect(metadata, client_token["access_token"])
    assert answer["active"] is True and answer["client_id"] == CLIENT and answer["sub"] == CLIENT, answer


def test_introspection_needs_a_confidential_client(metadata):
    _, token = user_token(metadata)
    anonymous = requests.post(
        metadata["introspection_endpoint"], data={"token": token["access_token"]}, timeout=TIMEOUT
    )
    assert anonymous.status_code == 401, (anonymous.status_code, anonymous.text)
    wrong = requests.post(
        metadata["introspection_endpoint"],
        data={"token": token["access_token"]},
        headers=basic(CLIENT, "not-the-secret"),
        timeout=TIMEOUT,
    )
    assert wrong.status_code == 401, (wrong.status_code, wrong.text)
    assert wrong.json()["error"] == "invalid_client", wrong.text


def test_revoking_an_access_token(base_url, metadata):
    session, token = user_token(metadata)
    access = token["access_token"]
    assert requests.get(f"{base_url}/api/v1/users/1/orders", headers=bearer(access), timeout=TIMEOUT).status_code == 200

    answer = session.revoke_token(metadata["revocation_endpoint"], token=access, token_type_hint="access_token")
    assert answer.status_code == 200, answer.text

    refused = requests.get(f"{base_url}/api/v1/users/1/orders", headers=bearer(access), timeout=TIMEOUT)
    assert refused.status_code == 401, refused.text
    problem = refused.json()
    assert problem["code"] == "UNAUTHENTICATED" and "revoked" in problem["detail"].lower(), problem
    assert introspect(metadata, access) == {"active": False}
    # The refresh token was not revoked with it, and gives a working access token.
    renewed = session.refresh_token(metadata["token_endpoint"])
    assert requests.get(
        f"{base_url}/api/v1/users/1/orders", headers=bearer(renewed["access_token"]), timeout=TIMEOUT
    ).status_code == 200

    # RFC 7009 §2.2: an unknown or already revoked token is still a 200.
    for unknown in (access, "not-a-token"):
        again = session.revoke_token(metadata["revocation_endpoint"], token=unknown)
        assert again.status_code == 200, again.text


def test_revoking_a_refresh_token_revokes_its_family(base_url, metadata):
    session, token = user_token(metadata)
    answer = session.revoke_token(
        metadata["revocation_endpoint"], token=token["refresh_token"], token_type_hint="refresh_token"
    )
    assert answer.status_code == 200, answer.text
    assert introspect(metadata, token["refresh_token"])["active"] is False
    raises_oauth_error(lambda: session.refresh_token(metadata["token_endpoint"]), "invalid_grant")
    # RFC 7009 §2.1: the access tokens of the same grant go too.
    assert introspect(metadata, token["access_token"])["active"] is False
    refused = requests.get(
        f"{base_url}/api/v1/users/1/orders", headers=bearer(token["access_token"]), timeout=TIMEOUT
    )
    assert refused.status_code == 401, refused.text


def test_a_revoked_token_is_refused_whatever_the_client_says_it_is(metadata):
    # RFC 7009 §2.1: token_type_hint is a hint; a wrong one does not stop the revocation.
    session, token = user_token(metadata)
    answer = session.revoke_token(
        metadata["revocation_endpoint"], token=token["access_token"], token_type_hint="refresh_token"
    )
    assert answer.status_code == 200, answer.text
    assert introspect(metadata, token["access_token"])["active"] is False
