//! Swagger UI on `GET /docs`, its script and styles compiled into the binary and served as they
//! are: it works offline, costs no memory until a browser asks, and reads the same document as
//! `/openapi.json`. The files and their licence are in `crates/server/assets/swagger-ui/`.

use poem::http::{header, StatusCode};
use poem::web::Path;
use poem::{handler, Response};

const PAGE: &str = include_str!("../../assets/swagger-ui/index.html");

/// `(file name, content type, bytes)` of each asset the page loads from `/docs/assets/`.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "swagger-ui-bundle.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/swagger-ui/swagger-ui-bundle.js"),
    ),
    ("swagger-ui.css", "text/css; charset=utf-8", include_bytes!("../../assets/swagger-ui/swagger-ui.css")),
    (
        "oauth2-redirect.html",
        "text/html; charset=utf-8",
        include_bytes!("../../assets/swagger-ui/oauth2-redirect.html"),
    ),
];

/// `GET /docs`.
#[handler]
pub fn page() -> Response {
    Response::builder().content_type("text/html; charset=utf-8").header(header::CACHE_CONTROL, "no-cache").body(PAGE)
}

/// `GET /docs/assets/{file}`.
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
