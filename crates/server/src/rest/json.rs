//! JSON bodies, in and out, straight through serde. poem-openapi's `Json` builds a
//! `serde_json::Value` tree first; on a hot read that tree is a good share of the cost, and on a
//! bad request its message cannot name the field at fault. The OpenAPI schema still comes from the
//! type's poem-openapi `Object` derive.

use playground_domain::DomainError;
use poem::{FromRequest, IntoResponse, Request, RequestBody, Response};
use poem_openapi::error::ContentTypeError;
use poem_openapi::payload::{ParsePayload, Payload};
use poem_openapi::registry::{MetaMediaType, MetaRequest, MetaResponse, MetaResponses, MetaSchemaRef, Registry};
use poem_openapi::types::{ParseFromJSON, Type};
use poem_openapi::{ApiExtractor, ApiExtractorType, ApiResponse, ExtractParamOptions};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::error::Problem;

/// A JSON request or response body.
pub struct JsonBody<T>(pub T);

const CONTENT_TYPE: &str = "application/json; charset=utf-8";

impl<T: Type> Payload for JsonBody<T> {
    const CONTENT_TYPE: &'static str = CONTENT_TYPE;

    fn check_content_type(content_type: &str) -> bool {
        content_type.starts_with("application/json")
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: ParseFromJSON + DeserializeOwned + Send> ParsePayload for JsonBody<T> {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let data = <Vec<u8> as FromRequest>::from_request(request, body).await?;
        let json: serde_json::Value = serde_json::from_slice(&data)
            .map_err(|error| Problem(DomainError::invalid("body", format!("the body is not valid JSON: {error}"))))?;
        let value = serde_path_to_error::deserialize(&json).map_err(|error| Problem(invalid_json(&error)))?;
        // serde also reads a struct from an array by position; poem-openapi's reading of the
        // schema does not, so the body must have the documented shape too.
        if let Err(error) = T::parse_from_json(Some(json)) {
            return Err(Problem(against_schema(&T::name(), error.message())).into());
        }
        Ok(JsonBody(value))
    }
}

/// A body that has the right types but breaks a bound the document states (a length, a range, a
/// pattern): poem-openapi's reading names the field as "field `name` verification failed. ...".
fn against_schema(schema: &str, message: &str) -> DomainError {
    match message.strip_prefix("field `").and_then(|rest| rest.split_once('`')) {
        Some((field, rest)) => DomainError::invalid(field, format!("`{field}`{rest}: see the {schema} schema")),
        None => DomainError::invalid(
            "body",
            format!("the body must be a JSON object as the OpenAPI schema {schema} describes"),
        ),
    }
}

/// A body that is not the JSON the operation takes, as INVALID_ARGUMENT naming the field:
/// serde_path_to_error knows the path of a wrong value, serde's own message the name of a missing one.
fn invalid_json(error: &serde_path_to_error::Error<serde_json::Error>) -> DomainError {
    let path = error.path().to_string();
    let message = error.inner().to_string();
    let missing = message.strip_prefix("missing field `").and_then(|rest| rest.split('`').next());
    let field = match (path.as_str(), missing) {
        (".", Some(name)) => name.to_owned(),
        (".", None) => "body".to_owned(),
        (parent, Some(name)) => format!("{parent}.{name}"),
        (at, None) => at.to_owned(),
    };
    DomainError::invalid(&field, format!("`{field}`: {message}"))
}

/// What lets a handler take `JsonBody<T>` as its body, checking `Content-Type` first (415).
impl<'a, T: ParseFromJSON + DeserializeOwned + Send> ApiExtractor<'a> for JsonBody<T> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        Some(MetaRequest {
            description: None,
            content: vec![MetaMediaType { content_type: CONTENT_TYPE, schema: T::schema_ref() }],
            required: true,
        })
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _options: ExtractParamOptions<()>,
    ) -> poem::Result<Self> {
        match request.content_type() {
            Some(content_type) if <Self as Payload>::check_content_type(content_type) => {
                <Self as ParsePayload>::from_request(request, body).await
            }
            Some(content_type) => Err(ContentTypeError::NotSupported { content_type: content_type.to_owned() }.into()),
            None => Err(ContentTypeError::ExpectContentType.into()),
        }
    }
}

/// A value as a JSON body, at its exact length: then it becomes the answer's bytes without
/// another allocation (the allocator shrinks it in place).
pub fn body_of<T: Serialize>(value: &T) -> serde_json::Result<Vec<u8>> {
    let mut body = serde_json::to_vec(value)?;
    body.shrink_to_fit();
    Ok(body)
}

impl<T: Serialize + Send> IntoResponse for JsonBody<T> {
    fn into_response(self) -> Response {
        match body_of(&self.0) {
            Ok(body) => Response::builder().content_type(CONTENT_TYPE).body(body),
            Err(error) => {
                tracing::error!("a response did not serialize: {error}");
                Response::builder().status(poem::http::StatusCode::INTERNAL_SERVER_ERROR).finish()
            }
        }
    }
}

impl<T: Type + Serialize + Send> ApiResponse for JsonBody<T> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: "",
                status: Some(200),
                status_range: None,
                content: vec![MetaMediaType { content_type: CONTENT_TYPE, schema: T::schema_ref() }],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

/// One page of a list, with an RFC 8288 `Link: <...>; rel="next"` header while there is a next page.
pub struct Paged<T> {
    pub page: T,
    pub next: Option<String>,
}

/// The URL of the next page: this request's path and query, with `cursor` set to `next_cursor`.
pub fn next_page_url(request: &poem::Request, next_cursor: Option<&str>) -> Option<String> {
    let cursor = next_cursor?;
    let kept: Vec<&str> = request
        .uri()
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with("cursor="))
        .collect();
    let mut query = kept.join("&");
    if !query.is_empty() {
        query.push('&');
    }
    Some(format!("{}?{query}cursor={cursor}", request.uri().path()))
}

/// The `Link` header value for a next-page URL.
pub fn link_next(url: &str) -> String {
    format!("<{url}>; rel=\"next\"")
}

impl<T: Serialize + Send> IntoResponse for Paged<T> {
    fn into_response(self) -> Response {
        let mut response = JsonBody(self.page).into_response();
        if let Some(link) = self.next.as_deref().map(link_next).and_then(|value| value.parse().ok()) {
            response.headers_mut().insert(poem::http::header::LINK, link);
        }
        response
    }
}

impl<T: Type + Serialize + Send> ApiResponse for Paged<T> {
    fn meta() -> MetaResponses {
        let mut meta = <JsonBody<T> as ApiResponse>::meta();
        for response in &mut meta.responses {
            response.headers.push(poem_openapi::registry::MetaHeader {
                name: "Link".into(),
                description: Some("RFC 8288 link to the next page (rel=\"next\"), absent on the last page".into()),
                required: false,
                deprecated: false,
                schema: <String as Type>::schema_ref(),
            });
        }
        meta
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

/// For optional body fields the document types as plain (not nullable) values: absent is `None`,
/// present must be a value, and `null` is refused with the field's name, as the document says.
pub fn present<'de, D: serde::Deserializer<'de>, T: serde::Deserialize<'de>>(value: D) -> Result<Option<T>, D::Error> {
    T::deserialize(value).map(Some)
}
