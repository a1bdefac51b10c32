"""gRPC with grpcio, the reference Python client: stubs generated from proto/ at test time,
every method of every service, rich error details (google.rpc.Status in
grpc-status-details-bin), server reflection (grpcio-reflection) and health checking."""
import importlib
import os
import sys
import tempfile

import grpc
import pytest
from google.protobuf import field_mask_pb2
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase
from grpc_status import rpc_status

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KEY = [("x-api-key", "demo-write-key")]


@pytest.fixture(scope="module")
def pb():
    from grpc_tools import protoc
    import grpc_tools

    out = tempfile.mkdtemp(prefix="playground-grpc-")
    well_known = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    files = [f"playground/v1/{name}.proto" for name in ("users", "products", "orders", "events")]
    args = ["protoc", f"-I{os.path.join(ROOT, 'proto')}", f"-I{well_known}", f"--python_out={out}", f"--grpc_python_out={out}"]
    assert protoc.main(args + files) == 0
    sys.path.insert(0, out)
    modules = {}
    for name in ("users", "products", "orders", "events"):
        modules[name] = importlib.import_module(f"playground.v1.{name}_pb2")
        modules[f"{name}_grpc"] = importlib.import_module(f"playground.v1.{name}_pb2_grpc")
    return modules


@pytest.fixture(scope="module")
def channel(server_url):
    with grpc.insecure_channel(server_url.removeprefix("http://")) as channel:
        yield channel


def error_info(error):
    status = rpc_status.from_call(error)
    assert status is not None, "grpc-status-details-bin is present"
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return info
    raise AssertionError("no ErrorInfo in the status details")


def test_every_method_of_every_service(pb, channel):
    users = pb["users_grpc"].UserServiceStub(channel)
    products = pb["products_grpc"].ProductServiceStub(channel)
    orders = pb["orders_grpc"].OrderServiceStub(channel)
    events = pb["events_grpc"].EventServiceStub(channel)
    u, p, o, e = pb["users"], pb["products"], pb["orders"], pb["events"]

    page = users.ListUsers(u.ListUsersRequest(page_size=2), metadata=KEY)
    assert [x.id for x in page.users] == [1, 2] and page.next_page_token and page.total_size >= 50
    assert users.ListUsers(u.ListUsersRequest(page_size=2, page_token=page.next_page_token), metadata=KEY).users[0].id == 3
    assert users.GetUser(u.GetUserRequest(id=42), metadata=KEY).user.email == "user42@example.com"
    created = users.CreateUser(u.CreateUserRequest(name="Grpcio", email="grpcio@example.com"), metadata=KEY).user
    mask = field_mask_pb2.FieldMask(paths=["name"])
    renamed = users.UpdateUser(u.UpdateUserRequest(user=u.User(id=created.id, name="Grpcio Renamed"), update_mask=mask), metadata=KEY).user
    assert (renamed.name, renamed.email) == ("Grpcio Renamed", "grpcio@example.com")
    users.DeleteUser(u.DeleteUserRequest(id=created.id), metadata=KEY)

    assert len(products.ListProducts(p.ListProductsRequest(page_size=5), metadata=KEY).products) == 5
    stock = products.GetProduct(p.GetProductRequest(id=1), metadata=KEY).product.stock

    watch = events.WatchEvents(e.WatchEventsRequest(types=[e.EVENT_TYPE_ORDER_CREATED]), metadata=KEY, timeout=30)
    # grpcio starts the call in the background: its headers mean the server has subscribed, so
    # the order below cannot be created before the watch is listening.
    watch.initial_metadata()
    item = o.NewOrderItem(product_id=1, quantity=2)
    order = orders.CreateOrder(o.CreateOrderRequest(user_id=3, items=[item]), metadata=KEY).order
    assert order.status == o.ORDER_STATUS_PENDING and order.total_cents > 0
    assert products.GetProduct(p.GetProductRequest(id=1), metadata=KEY).product.stock == stock - 2
    pushed = next(watch)
    assert pushed.event.type == e.EVENT_TYPE_ORDER_CREATED and pushed.event.order.id == order.id
    watch.cancel()
    assert orders.GetOrder(o.GetOrderRequest(id=order.id), metadata=KEY).order.user_id == 3
    mine = orders.ListUserOrders(o.ListUserOrdersRequest(user_id=3, status=o.ORDER_STATUS_PENDING), metadata=KEY)
    assert order.id in [x.id for x in mine.orders]
    paid = orders.UpdateOrderStatus(o.UpdateOrderStatusRequest(id=order.id, status=o.ORDER_STATUS_PAID), metadata=KEY)
    assert paid.order.status == o.ORDER_STATUS_PAID
    orders.DeleteOrder(o.DeleteOrderRequest(id=order.id), metadata=KEY)
    assert products.GetProduct(p.GetProductRequest(id=1), metadata=KEY).product.stock == stock


def test_errors_carry_google_rpc_status_details(pb, channel):
    users = pb["users_grpc"].UserServiceStub(channel)
    orders = pb["orders_grpc"].OrderServiceStub(channel)
    u, o = pb["users"], pb["orders"]
    with pytest.raises(grpc.RpcError) as missing:
        users.GetUser(u.GetUserRequest(id=999999), metadata=KEY)
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND
    info = error_info(missing.value)
    assert (info.reason, info.domain) == ("NOT_FOUND", "api-playground")
    with pytest.raises(grpc.RpcError) as invalid:
        users.CreateUser(u.CreateUserRequest(name="x", email="not-an-email"), metadata=KEY)
    assert invalid.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    status = rpc_status.from_call(invalid.value)
    violations = [d for d in status.details if d.Is(error_details_pb2.BadRequest.DESCRIPTOR)]
    bad_request = error_details_pb2.BadRequest()
    violations[0].Unpack(bad_request)
    assert bad_request.field_violations[0].field == "email"
    with pytest.raises(grpc.RpcError) as taken:
        users.CreateUser(u.CreateUserRequest(name="x", email="user42@example.com"), metadata=KEY)
    assert taken.value.code() == grpc.StatusCode.ALREADY_EXISTS and error_info(taken.value).reason == "CONFLICT"
    with pytest.raises(grpc.RpcError) as state:
        orders.UpdateOrderStatus(o.UpdateOrderStatusRequest(id=10, status=o.ORDER_STATUS_PENDING), metadata=KEY)
    assert state.value.code() == grpc.StatusCode.FAILED_PRECONDITION and error_info(state.value).reason == "CONFLICT"
    with pytest.raises(grpc.RpcError) as anonymous:
        users.GetUser(u.GetUserRequest(id=42))
    assert anonymous.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_info(anonymous.value).reason == "UNAUTHENTICATED"


def test_reflection_lists_and_describes_every_service(channel):
    database = ProtoReflectionDescriptorDatabase(channel)
    services = set(database.get_services())
    for name in ("UserService", "ProductService", "OrderService", "EventService"):
        assert f"playground.v1.{name}" in services
    assert "grpc.health.v1.Health" in services
    descriptor = database.FindFileContainingSymbol("playground.v1.OrderService")
    assert descriptor.package == "playground.v1"


def test_health_reports_each_service(channel):
    health = health_pb2_grpc.HealthStub(channel)
    for service in ("", "playground.v1.UserService", "playground.v1.EventService"):
        answer = health.Check(health_pb2.HealthCheckRequest(service=service))
        assert answer.status == health_pb2.HealthCheckResponse.SERVING, service
