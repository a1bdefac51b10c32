"""SOAP through the WSDL with zeep, the reference Python SOAP client: every operation on both
bindings (SOAP 1.1 and 1.2), WS-Security UsernameToken (text and digest), faults, and every
response validated against the XSD embedded in the WSDL (lxml)."""
import datetime

import pytest
import requests
import zeep
from lxml import etree
from zeep.exceptions import Fault
from zeep.wsse.username import UsernameToken

NS = "urn:api-playground:v1"
BINDINGS = {"1.1": "PlaygroundSoap11", "1.2": "PlaygroundSoap12"}


def service(url, binding, key="demo-write-key", wsse=None):
    session = requests.Session()
    if key:
        session.headers["X-API-Key"] = key
    client = zeep.Client(f"{url}/soap?wsdl", transport=zeep.Transport(session=session), wsse=wsse)
    return client.bind("PlaygroundService", BINDINGS[binding])


def fault_code(fault):
    return fault.detail.find(f"{{{NS}}}Error/{{{NS}}}Code").text


@pytest.mark.parametrize("binding", BINDINGS)
def test_every_operation_through_the_wsdl(server_url, binding):
    soap = service(server_url, binding)
    user = soap.GetUser(Id=42)
    assert (user.Id, user.Email) == (42, "user42@example.com")
    assert isinstance(user.CreatedAt, datetime.datetime)
    page = soap.ListUsers(Limit=3)
    assert [u.Id for u in page.Users.User] == [1, 2, 3] and page.NextCursor
    assert soap.ListUsers(Limit=3, Cursor=page.NextCursor).Users.User[0].Id == 4
    created = soap.CreateUser(Name="Zeep", Email=f"zeep{binding}@example.com")
    renamed = soap.UpdateUser(Id=created.Id, Name="Zeep Renamed")
    assert (renamed.Name, renamed.Email) == ("Zeep Renamed", f"zeep{binding}@example.com")
    assert soap.DeleteUser(Id=created.Id) is None
    products = soap.ListProducts(Limit=5)
    assert len(products.Products.Product) == 5
    product = soap.GetProduct(Id=1)
    assert product.Sku == "SKU-0001"
    orders = soap.ListUserOrders(UserId=42, Status="paid")
    assert all(o.Status == "paid" for o in orders.Orders.Order)
    assert soap.GetOrder(Id=10).UserId == 42
    order = soap.CreateOrder(UserId=3, Items={"Item": [{"ProductId": 1, "Quantity": 2}]})
    assert order.Status == "pending" and order.Items.Item[0].Quantity == 2
    assert soap.GetProduct(Id=1).Stock == product.Stock - 2
    assert soap.UpdateOrderStatus(Id=order.Id, Status="paid").Status == "paid"
    assert soap.DeleteOrder(Id=order.Id) is None
    events = soap.GetEvents(After=0)
    types = [e.Type for e in events.Events.Event]
    assert "order.created" in types and "order.deleted" in types
    assert events.NextAfter == events.Events.Event[-1].Seq and events.Gap is False


@pytest.mark.parametrize("binding", BINDINGS)
def test_faults_carry_the_canonical_code(server_url, binding):
    soap = service(server_url, binding)
    with pytest.raises(Fault) as missing:
        soap.GetUser(Id=999999)
    assert fault_code(missing.value) == "NOT_FOUND"
    with pytest.raises(Fault) as conflict:
        soap.DeleteUser(Id=42)
    assert fault_code(conflict.value) == "CONFLICT"
    with pytest.raises(Fault) as stock:
        soap.CreateOrder(UserId=3, Items={"Item": [{"ProductId": 1, "Quantity": 1000}]})
    assert fault_code(stock.value) == "CONFLICT"
    with pytest.raises(Fault) as denied:
        service(server_url, binding, key="demo-read-key").CreateUser(Name="x", Email="x@example.com")
    assert fault_code(denied.value) == "PERMISSION_DENIED"
    with pytest.raises(Fault) as anonymous:
        service(server_url, binding, key=None).GetUser(Id=42)
    assert fault_code(anonymous.value) == "UNAUTHENTICATED"
    expected = {"1.1": "Client", "1.2": "Sender"}[binding]
    assert expected in str(anonymous.value.code)


@pytest.mark.parametrize("binding", BINDINGS)
@pytest.mark.parametrize("digest", [False, True])
def test_ws_security_username_token(server_url, binding, digest):
    alice = service(server_url, binding, key=None, wsse=UsernameToken("alice", "alice-password", use_digest=digest))
    assert alice.GetUser(Id=1).Name == "Alice Liddell"
    mine = alice.ListUserOrders(UserId=1)
    assert all(o.UserId == 1 for o in mine.Orders.Order)
    with pytest.raises(Fault) as others:
        alice.ListUserOrders(UserId=42)
    assert fault_code(others.value) == "PERMISSION_DENIED"
    with pytest.raises(Fault) as scope:
        alice.DeleteUser(Id=3)
    assert fault_code(scope.value) == "PERMISSION_DENIED"
    wrong = service(server_url, binding, key=None, wsse=UsernameToken("alice", "wrong", use_digest=digest))
    with pytest.raises(Fault) as refused:
        wrong.GetUser(Id=1)
    assert fault_code(refused.value) == "UNAUTHENTICATED"


def test_a_replayed_or_stale_digest_is_refused(server_url):
    import base64
    import hashlib

    def envelope(nonce, created):
        digest = base64.b64encode(hashlib.sha1(nonce + created.encode() + b"alice-password").digest()).decode()
        return f"""<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"
  xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
  xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">
  <s:Header><wsse:Security><wsse:UsernameToken><wsse:Username>alice</wsse:Username>
    <wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">{digest}</wsse:Password>
    <wsse:Nonce>{base64.b64encode(nonce).decode()}</wsse:Nonce><wsu:Created>{created}</wsu:Created>
  </wsse:UsernameToken></wsse:Security></s:Header>
  <s:Body><GetUser xmlns="{NS}"><Id>1</Id></GetUser></s:Body></s:Envelope>"""

    def post(body):
        return requests.post(f"{server_url}/soap", data=body, headers={"Content-Type": "text/xml"}, timeout=10)

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    fresh = envelope(b"nonce-for-replay-test", now)
    assert post(fresh).status_code == 200
    replayed = post(fresh)
    assert replayed.status_code == 500 and "already used" in replayed.text
    stale = envelope(b"another-nonce", "2020-01-01T00:00:00Z")
    assert "5 minutes" in post(stale).text


def schema_from_wsdl(url):
    wsdl = etree.fromstring(requests.get(f"{url}/soap?wsdl", timeout=10).content)
    node = wsdl.find(".//{http://www.w3.org/2001/XMLSchema}schema")
    return etree.XMLSchema(etree.fromstring(etree.tostring(node)))


CALLS = [
    "<ListUsers><Limit>2</Limit></ListUsers>",
    "<GetUser><Id>42</Id></GetUser>",
    "<CreateUser><Name>Xsd</Name><Email>xsd-{v}@example.com</Email></CreateUser>",
    "<UpdateUser><Id>5</Id><Name>Renamed</Name></UpdateUser>",
    "<ListProducts><Limit>3</Limit></ListProducts>",
    "<GetProduct><Id>2</Id></GetProduct>",
    "<ListUserOrders><UserId>42</UserId></ListUserOrders>",
    "<GetOrder><Id>10</Id></GetOrder>",
    "<CreateOrder><UserId>4</UserId><Items><Item><ProductId>3</ProductId><Quantity>1</Quantity></Item></Items></CreateOrder>",
    "<UpdateOrderStatus><Id>30</Id><Status>cancelled</Status></UpdateOrderStatus>",
    "<GetEvents><After>0</After></GetEvents>",
    "<GetUser><Id>999999</Id></GetUser>",
    "<DeleteUser><Id>42</Id></DeleteUser>",
]


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_every_response_validates_against_the_wsdl_schema(server_url, version):
    schema = schema_from_wsdl(server_url)
    env_ns = {"1.1": "http://schemas.xmlsoap.org/soap/envelope/", "1.2": "http://www.w3.org/2003/05/soap-envelope"}[version]
    content_type = {"1.1": "text/xml", "1.2": "application/soap+xml"}[version]
    for call in CALLS:
        body = call.format(v=version)
        first = body.index(">")
        body = body[:first] + f' xmlns="{NS}"' + body[first:]
        envelope = f'<e:Envelope xmlns:e="{env_ns}"><e:Body>{body}</e:Body></e:Envelope>'
        answer = requests.post(
            f"{server_url}/soap",
            data=envelope,
            headers={"Content-Type": content_type, "X-API-Key": "demo-write-key"},
            timeout=10,
        )
        root = etree.fromstring(answer.content)
        assert root.tag == f"{{{env_ns}}}Envelope", answer.text
        content = root.find(f"{{{env_ns}}}Body")[0]
        if content.tag == f"{{{env_ns}}}Fault":
            detail = content.find("detail") if version == "1.1" else content.find(f"{{{env_ns}}}Detail")
            content = detail[0]
        assert schema.validate(content), f"{call}: {schema.error_log}\n{answer.text}"
