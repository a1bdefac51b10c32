//! GraphQL at `/graphql`: one endpoint, a typed graph over the same domain, queries over GET or
//! POST. The engine is async-graphql; credentials ride in the request data to the one gate.

mod admin;
mod error;
mod events;
mod graphiql;
mod loaders;
mod orders;
mod products;
mod shape;
mod users;
mod webhooks;

pub use graphiql::asset as graphiql_asset;

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use async_graphql::parser::types::ExecutableDocument;

use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql::{Context, MergedObject, Schema, SimpleObject, ID};
use async_graphql_poem::{GraphQLProtocol, GraphQLWebSocket};
use futures_util::future::Either;
use futures_util::FutureExt;
use playground_domain::{Caller, DomainError, Operation, Playground};
use poem::http::header::{self, HeaderName};
use poem::http::{HeaderValue, Method, StatusCode};
use poem::web::websocket::WebSocket;
use poem::web::Data;
use poem::{handler, Body, Endpoint, Request, Response};
use time::OffsetDateTime;

use crate::body::{read_limited, BodyError};
use crate::call_scope::{self, CallRecord, Protocol};
use crate::credentials::Credentials;
use crate::gate::Gate;
use crate::rest::AllowedMethods;
use loaders::{Loaders, RequestContext};

/// Where queries and mutations are served over HTTP.
pub const PATH: &str = "/graphql";

#[derive(MergedObject, Default)]
pub struct Query(users::UserQuery, products::ProductQuery, orders::OrderQuery, webhooks::WebhookQuery);

#[derive(MergedObject, Default)]
pub struct Mutation(users::UserMutation, orders::OrderMutation, webhooks::WebhookMutation, admin::AdminMutation);

pub type PlaygroundSchema = Schema<Query, Mutation, events::EventSubscription>;

/// Parsed query texts that already ran cleanly under every validation rule. Clients send the
/// same few queries again and again; parsing and the full rule set are most of a small query's
/// cost, and neither can change for the same text (fragment cycles, unknown fields, ...). Only
/// error-free runs are kept, so a rejected text is checked in full every time. Bounded: when
/// full, it starts over.
#[derive(Default)]
struct QueryCache {
    documents: parking_lot::Mutex<HashMap<String, ExecutableDocument, foldhash::fast::RandomState>>,
}

const QUERY_CACHE_ENTRIES: usize = 1024;

impl QueryCache {
    async fn execute(&self, schemas: &Schemas, mut request: async_graphql::Request) -> async_graphql::Response {
        let cached = self.documents.lock().get(&request.query).cloned();
        if let Some(document) = cached {
            request.set_parsed_query(document);
            return schemas.fast.execute(request).await;
        }
        let query = request.query.clone();
        let document = request.parsed_query().ok().cloned();
        let response = schemas.strict.execute(request).await;
        if let (true, Some(document)) = (response.errors.is_empty(), document) {
            let mut documents = self.documents.lock();
            if documents.len() >= QUERY_CACHE_ENTRIES {
                documents.clear();
            }
            documents.insert(query, document);
        }
        response
    }
}

/// Relay's page info.
#[derive(SimpleObject)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub start_cursor: Option<String>,
    pub end_cursor: Option<String>,
}

impl PageInfo {
    fn new(has_previous_page: bool, start_cursor: Option<String>, next_cursor: Option<String>) -> PageInfo {
        PageInfo { has_next_page: next_cursor.is_some(), has_previous_page, start_cursor, end_cursor: next_cursor }
    }
}

/// The graph, twice: with every validation rule and the shape limits, for a query text seen for
/// the first time (and every subscription), and with the fast rule set (the complexity limit
/// still applies), for a text that already passed the full set.
#[derive(Clone)]
pub struct Schemas {
    strict: PlaygroundSchema,
    fast: PlaygroundSchema,
    gate: Arc<Gate>,
    max_complexity: usize,
}

impl Schemas {
    /// The per-request data every resolver reads: credential, budget, loaders, in one entry.
    fn request_data(&self, credentials: Credentials, batching: bool) -> async_graphql::Data {
        let mut data = async_graphql::Data::default();
        data.insert(Loaders::new(self.gate.clone(), RequestContext::new(credentials, batching)));
        data
    }
}

pub fn schemas(gate: Arc<Gate>, max_depth: usize, max_complexity: usize) -> Schemas {
    let builder = || {
        Schema::build(Query::default(), Mutation::default(), events::EventSubscription)
            .data(gate.clone())
            .limit_complexity(max_complexity)
    };
    // The shape of a query is a property of its text: checked with every rule on first sight,
    // it need not be walked again for a text already in the cache.
    let strict = builder()
        .extension(shape::ShapeLimits { max_depth })
        .validation_mode(async_graphql::ValidationMode::Strict)
        .finish();
    let fast = builder().validation_mode(async_graphql::ValidationMode::Fast).finish();
    Schemas { strict, fast, gate, max_complexity }
}

/// Runs one operation through the gate with the request's credentials.
fn call<T>(
    ctx: &Context<'_>,
    operation: Operation,
    run: impl FnOnce(&Playground, &Caller) -> Result<T, DomainError>,
) -> async_graphql::Result<T> {
    let gate = ctx.data_unchecked::<Arc<Gate>>();
    let request = loaders(ctx).request();
    gate.call_within(&request.budget, &request.credentials, operation, run).map_err(error::graphql_error)
}

/// The request's context and its batching loaders.
fn loaders<'a>(ctx: &Context<'a>) -> &'a Loaders {
    ctx.data_unchecked::<Loaders>()
}

/// A nullable field that failed: its error is reported with the field's path and the field is
/// `null`, as the GraphQL spec says, so the rest of the query keeps its data (async-graphql on
/// its own would leave the key out of `data`).
fn nullable<T>(ctx: &Context<'_>, result: async_graphql::Result<T>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(error) => {
            ctx.add_error(ctx.set_error_path(error.into_server_error(ctx.item.pos)));
            None
        }
    }
}

/// A connection's selection counts once per node it may return, so `users(first: 100)` with a
/// deep selection weighs what it would cost, and the complexity limit sees it.
fn page_weight(first: Option<i32>) -> usize {
    use playground_domain::page::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
    first.map_or(DEFAULT_PAGE_SIZE, |n| u32::try_from(n).unwrap_or(1).clamp(1, MAX_PAGE_SIZE)) as usize
}

fn parse_id(id: &ID) -> Result<u64, DomainError> {
    id.parse().map_err(|_| DomainError::invalid("id", format!("{:?} is not a decimal id", id.as_str())))
}

fn rfc3339(at: OffsetDateTime) -> String {
    playground_domain::rfc3339::format(at).unwrap_or_default()
}

fn json_response(status: StatusCode, body: &impl serde::Serialize) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))
        .body(serde_json::to_vec(body).unwrap_or_default())
}

/// GET is for reads (safe and cacheable): a mutation sent over GET is refused, as the
/// GraphQL-over-HTTP spec asks.
fn refuse_mutations(mut request: async_graphql::Request) -> Result<async_graphql::Request, String> {
    use async_graphql::parser::types::OperationType;
    let mutates = request
        .parsed_query()
        .map(|document| document.operations.iter().any(|(_, op)| op.node.ty != OperationType::Query))
        .unwrap_or(false);
    if mutates {
        return Err("mutations and subscriptions cannot be sent with GET: use POST".to_owned());
    }
    Ok(request)
}

/// A request the engine never saw (bad JSON, missing query): a GraphQL error document, 400.
fn request_error(status: StatusCode, message: String) -> Response {
    let body = serde_json::json!({"errors": [{
        "message": message,
        "extensions": {"code": "BAD_REQUEST", "canonicalCode": "INVALID_ARGUMENT"}
    }]});
    json_response(status, &body)
}

/// `X-Playground-Batching: off` resolves nested fields one call per parent, to compare.
fn batching(request: &Request) -> bool {
    const BATCHING: HeaderName = HeaderName::from_static("x-playground-batching");
    request.headers().get(BATCHING).is_none_or(|value| !value.as_bytes().eq_ignore_ascii_case(b"off"))
}

/// `/graphql/ws`: subscriptions (and queries) over a WebSocket, graphql-transport-ws or the
/// older graphql-ws subprotocol.
#[handler]
pub async fn subscriptions(
    schemas: Data<&Schemas>,
    protocol: GraphQLProtocol,
    websocket: WebSocket,
    request: &Request,
) -> impl poem::IntoResponse {
    let schemas = schemas.0.clone();
    let schema = schemas.strict.clone();
    let from_headers = Credentials::from_http(request.headers(), request.uri().query(), crate::peer_ip(request));
    let batching = batching(request);
    let config = poem::web::websocket::WebSocketConfig::default().read_buffer_size(crate::ws::IDLE_READ_BUFFER);
    websocket.protocols(ALL_WEBSOCKET_PROTOCOLS).config(config).on_upgrade(move |stream| {
        let open = schemas.gate.metrics().connection("graphql-ws");
        let connection = GraphQLWebSocket::new(stream, schema, protocol)
            .on_connection_init(move |payload| async move {
                let credentials = events::credentials_from_payload(&payload, from_headers);
                // A credential that is sent must be valid: refused here, the socket closes with
                // the reason (none sent: each operation answers UNAUTHENTICATED instead).
                if !credentials.is_empty() {
                    schemas.gate.session(&credentials).map_err(|refused| async_graphql::Error::new(refused.message))?;
                }
                Ok(schemas.request_data(credentials, batching))
            })
            .serve();
        // The socket's operations are counted as GraphQL's, in one scope for the connection.
        async move {
            let _open = open;
            call_scope::scope(CallRecord::new(Protocol::Graphql, None), connection).await;
        }
    })
}

/// `GET /graphql/schema.graphql`: the schema in SDL, as checked in under `schema/`.
#[handler]
pub fn sdl(schemas: Data<&Schemas>) -> Response {
    Response::builder().content_type("text/plain; charset=utf-8").body(schemas.strict.sdl())
}

/// `/graphql`: GET runs a query from the query string (or, for a browser, shows GraphiQL), POST
/// runs a request from its JSON body, OPTIONS lists the methods and any other is refused with 405.
/// The one-port dispatcher hands requests here directly, as it does SOAP's: the schemas, the
/// query cache and the body bound are held here, not looked up in each request's extensions.
pub struct GraphqlEndpoint {
    schemas: Schemas,
    cache: QueryCache,
    max_body_bytes: usize,
    allowed: AllowedMethods,
}

impl GraphqlEndpoint {
    pub fn new(schemas: Schemas, max_body_bytes: usize) -> anyhow::Result<Self> {
        let allowed = AllowedMethods::of_routes(&[(PATH, &[Method::GET, Method::POST])])?;
        Ok(GraphqlEndpoint { schemas, cache: QueryCache::default(), max_body_bytes, allowed })
    }

    /// `POST /graphql`: the body, bounded, read as a GraphQL request.
    async fn post(&self, body: Body, credentials: Credentials, batching: bool) -> Response {
        let gql_request = match read_limited(body, self.max_body_bytes).await {
            Ok(bytes) => match serde_json::from_slice::<async_graphql::Request>(&bytes) {
                Ok(gql_request) => gql_request,
                Err(e) => {
                    return request_error(StatusCode::BAD_REQUEST, format!("the body is not a GraphQL request: {e}"))
                }
            },
            Err(BodyError::TooLarge(limit)) => {
                return request_error(StatusCode::PAYLOAD_TOO_LARGE, format!("the body is larger than {limit} bytes"))
            }
            Err(BodyError::Unreadable(why)) => return request_error(StatusCode::BAD_REQUEST, why),
        };
        self.execute(gql_request, credentials, batching).await
    }

    async fn execute(
        &self,
        mut gql_request: async_graphql::Request,
        credentials: Credentials,
        batching: bool,
    ) -> Response {
        gql_request.data = self.schemas.request_data(credentials, batching);
        let mut response = self.cache.execute(&self.schemas, gql_request).await;
        error::tag_engine_errors(&mut response, self.schemas.max_complexity);
        json_response(StatusCode::OK, &response)
    }
}

impl Endpoint for GraphqlEndpoint {
    type Output = Response;

    // Not an `async fn`: the credentials and the body are taken from the request first, so the
    // future does not hold the whole request.
    fn call(&self, mut request: Request) -> impl Future<Output = poem::Result<Response>> + Send {
        let answered = |response: Response| Either::Left(std::future::ready(Ok(response)));
        if let Some(options) = self.allowed.answer_options(&request) {
            return answered(options);
        }
        let credentials = Credentials::from_http(request.headers(), request.uri().query(), crate::peer_ip(&request));
        let batching = batching(&request);
        match *request.method() {
            Method::GET | Method::HEAD => {
                if graphiql::wants_page(&request) {
                    return answered(graphiql::page());
                }
                let parsed = async_graphql::http::parse_query_string(request.uri().query().unwrap_or_default())
                    .map_err(|e| e.to_string())
                    .and_then(refuse_mutations);
                match parsed {
                    Ok(gql_request) => {
                        Either::Right(Either::Left(self.execute(gql_request, credentials, batching).map(Ok)))
                    }
                    Err(message) => answered(request_error(StatusCode::BAD_REQUEST, message)),
                }
            }
            Method::POST => {
                let body = request.take_body();
                Either::Right(Either::Right(self.post(body, credentials, batching).map(Ok)))
            }
            _ => answered(self.allowed.refuse_method(PATH)),
        }
    }
}
