"""GraphQL with the Python `gql` client: queries and a mutation over HTTP (requests transport),
partial data with a NOT_FOUND error, UNAUTHENTICATED without a key, and a live subscription
over graphql-transport-ws (websockets transport) fed by a REST write, with ping/pong."""
import asyncio
import uuid
from contextlib import aclosing

import pytest
import requests
from gql import Client, GraphQLRequest, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.requests import RequestsHTTPTransport
from gql.transport.websockets import WebsocketsTransport

READ = {"X-API-Key": "demo-read-key"}
WRITE = {"X-API-Key": "demo-write-key"}


def http_client(server_url, headers):
    transport = RequestsHTTPTransport(url=server_url + "/graphql", headers=headers, timeout=10)
    return Client(transport=transport, fetch_schema_from_transport=False)


def test_user_with_orders_and_product_connection(server_url):
    with http_client(server_url, READ) as session:
        user = session.execute(
            gql("{ user(id: 42) { id name email orders { id status items { product { name } quantity } } } }")
        )["user"]
        assert user["id"] == "42" and user["name"] and "@" in user["email"]
        assert user["orders"], "the seed gives user 42 orders"
        for order in user["orders"]:
            assert order["status"] in {"PENDING", "PAID", "SHIPPED", "DELIVERED", "CANCELLED"}
            assert order["items"] and all(i["product"]["name"] and i["quantity"] >= 1 for i in order["items"])

        page = session.execute(
            gql(
                "{ products(first: 5) { edges { cursor node { id name } }"
                " pageInfo { hasNextPage endCursor } totalCount } }"
            )
        )["products"]
        assert len(page["edges"]) == 5 and page["totalCount"] > 5
        assert page["pageInfo"]["hasNextPage"] is True
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]

        # The cursor leads to the next page, with variables.
        after = GraphQLRequest(
            "query($after: String) { products(first: 5, after: $after) { edges { node { id } } } }",
            variable_values={"after": page["pageInfo"]["endCursor"]},
        )
        following = session.execute(after)["products"]["edges"]
        first_ids = [e["node"]["id"] for e in page["edges"]]
        assert following and not set(first_ids) & {e["node"]["id"] for e in following}


def test_create_user_then_delete(server_url):
    email = f"gql-{uuid.uuid4().hex[:12]}@example.com"
    with http_client(server_url, WRITE) as session:
        created = session.execute(
            GraphQLRequest(
                "mutation($input: CreateUserInput!) { createUser(input: $input) { id name email } }",
                variable_values={"input": {"name": "Gql Interop", "email": email}},
            )
        )["createUser"]
        assert created["name"] == "Gql Interop" and created["email"] == email
        fetched = session.execute(
            GraphQLRequest("query($id: ID!) { user(id: $id) { email } }", variable_values={"id": created["id"]})
        )
        assert fetched["user"]["email"] == email
        deleted = session.execute(
            GraphQLRequest("mutation($id: ID!) { deleteUser(id: $id) }", variable_values={"id": created["id"]})
        )
        assert deleted == {"deleteUser": True}
        with pytest.raises(TransportQueryError) as gone:
            session.execute(
                GraphQLRequest("query($id: ID!) { user(id: $id) { id } }", variable_values={"id": created["id"]})
            )
        assert gone.value.errors[0]["extensions"]["code"] == "NOT_FOUND"


def test_partial_data_with_not_found(server_url):
    with http_client(server_url, READ) as session:
        with pytest.raises(TransportQueryError) as raised:
            session.execute(gql("{ a: user(id: 42) { name } b: user(id: 999999) { name } }"))
    error = raised.value
    assert error.data["a"]["name"]
    # The spec: a field error on a nullable field makes that field null; the key stays.
    assert "b" in error.data and error.data["b"] is None, f"b omitted from data: {error.data}"
    assert len(error.errors) == 1
    assert error.errors[0]["path"] == ["b"]
    assert error.errors[0]["extensions"]["code"] == "NOT_FOUND"
    assert error.errors[0]["extensions"]["canonicalCode"] == "NOT_FOUND"


def test_without_a_key_is_unauthenticated(server_url):
    with http_client(server_url, {}) as session:
        with pytest.raises(TransportQueryError) as raised:
            session.execute(gql("{ user(id: 42) { name } }"))
    assert raised.value.errors and {e["extensions"]["code"] for e in raised.value.errors} == {"UNAUTHENTICATED"}

    # A read key cannot write.
    with http_client(server_url, READ) as session:
        with pytest.raises(TransportQueryError) as raised:
            session.execute(gql('mutation { createUser(input: {name: "No", email: "no-gql@example.com"}) { id } }'))
    extensions = raised.value.errors[0]["extensions"]
    assert (extensions["code"], extensions["canonicalCode"]) == ("FORBIDDEN", "PERMISSION_DENIED")


def test_subscription_over_graphql_transport_ws(server_url):
    email = f"gql-ws-{uuid.uuid4().hex[:12]}@example.com"

    async def scenario():
        transport = WebsocketsTransport(
            url=server_url.replace("http", "ws", 1) + "/graphql/ws",
            subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
            init_payload=READ,
        )
        async with Client(transport=transport, fetch_schema_from_transport=False) as session:
            assert transport.subprotocol == WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL

            # ping -> pong, the protocol's own keep-alive.
            transport.pong_received.clear()
            await transport.send_ping({"probe": 1})
            await asyncio.wait_for(transport.pong_received.wait(), 5)

            # A query over the same socket.
            result = await session.execute(gql("{ user(id: 42) { name } }"))
            assert result["user"]["name"]

            query = "subscription($after: ID) { events(types: [USER_CREATED], afterSeq: $after) { seq gap type occurredAt data } }"

            async def first_with(email, after=None):
                request = GraphQLRequest(query, variable_values={"after": after})
                async with aclosing(session.subscribe(request)) as results:
                    async for result in results:
                        event = result["events"]
                        if event["data"] and event["data"].get("email") == email:
                            return event

            # The subscribe message goes out on the generator's first step; give the server a
            # moment to register it before the write, which goes from a thread so that the
            # blocking REST call does not stall the event loop.
            live = asyncio.ensure_future(first_with(email))
            await asyncio.sleep(0.5)
            response = await asyncio.to_thread(
                requests.post,
                server_url + "/api/v1/users",
                json={"name": "Gql Ws", "email": email},
                headers=WRITE,
                timeout=10,
            )
            assert response.status_code == 201, response.text
            created = response.json()
            try:
                event = await asyncio.wait_for(live, 10)
                assert event["type"] == "USER_CREATED" and event["gap"] is False
                assert int(event["seq"]) >= 1 and event["occurredAt"]
                assert event["data"] == created

                # afterSeq replays retained history: the same event again, by seq.
                replayed = await asyncio.wait_for(first_with(email, str(int(event["seq"]) - 1)), 10)
                assert replayed == event
            finally:
                requests.delete(f"{server_url}/api/v1/users/{created['id']}", headers=WRITE, timeout=10)

    asyncio.run(scenario())


def test_subscription_needs_a_key(server_url):
    async def scenario():
        transport = WebsocketsTransport(
            url=server_url.replace("http", "ws", 1) + "/graphql/ws",
            subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
        )
        async with Client(transport=transport, fetch_schema_from_transport=False) as session:
            with pytest.raises(TransportQueryError) as raised:
                async for _ in session.subscribe(gql("subscription { events { seq } }")):
                    break
            return raised.value

    error = asyncio.run(asyncio.wait_for(scenario(), 15))
    assert error.errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
