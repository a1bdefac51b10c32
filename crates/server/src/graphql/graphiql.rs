//! GraphiQL on `GET /graphql` for browsers, with every script and style compiled into the
//! binary: the page works on a workshop network with no internet. The bundles and their
//! licences are in `crates/server/assets/graphiql/`.

use poem::http::{header, StatusCode};
use poem::web::Path;
use poem::{handler, Request, Response};

const PAGE: &str = include_str!("../../assets/graphiql/index.html");

/// `(file name, content type, bytes)` of each asset the page loads from `/graphql/assets/`.
const ASSETS: &[(&str, &str, &[u8])] = &[
    ("graphiql.min.js", "text/javascript; charset=utf-8", include_bytes!("../../assets/graphiql/graphiql.min.js")),
    ("graphiql.min.css", "text/css; charset=utf-8", include_bytes!("../../assets/graphiql/graphiql.min.css")),
    (
        "react.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/react.production.min.js"),
    ),
    (
        "react-dom.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/react-dom.production.min.js"),
    ),
];

/// A browser navigating to `/graphql`: a GET that carries no query and accepts HTML.
pub fn wants_page(request: &Request) -> bool {
    let has_query = request.uri().query().is_some_and(|query| query.split('&').any(|pair| pair.starts_with("query=")));
    let accepts_html = request.header(header::ACCEPT).is_some_and(|accept| accept.contains("text/html"));
    request.method() == poem::http::Method::GET && accepts_html && !has_query
}

pub fn page() -> Response {
    Response::builder().content_type("text/html; charset=utf-8").header(header::CACHE_CONTROL, "no-cache").body(PAGE)
}

/// `GET /graphql/assets/{file}`.
#[handler]
pub fn asset(Path(file): Path<String>) -> poem::Result<Response> {
    let (_, content_type, bytes) = ASSETS
        .iter()
        .find(|(name, _, _)| *name == file)
        .ok_or_else(|| poem::Error::from_status(StatusCode::NOT_FOUND))?;
    Ok(Response::builder()
        .content_type(*content_type)
        .header(header::CACHE_CONTROL, "public, max-age=86400")
        .body(*bytes))
}
