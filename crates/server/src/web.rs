//! The playground page at `/` and its assets at `/web/...`, every file of `web/` compiled into
//! the binary by `build.rs`: no CDN, no build step, and it works with the network unplugged.

use poem::http::{header, StatusCode};
use poem::web::Path;
use poem::{handler, Response};

/// `(path under web/, bytes)` of every asset.
const ASSETS: &[(&str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("json") => "application/json",
        _ => "text/plain; charset=utf-8",
    }
}

fn asset_response(name: &str) -> poem::Result<Response> {
    let (_, bytes) =
        ASSETS.iter().find(|(path, _)| *path == name).ok_or_else(|| poem::Error::from_status(StatusCode::NOT_FOUND))?;
    // Revalidated on every load, so a new binary's page is never mixed with an old one's modules.
    Ok(Response::builder()
        .content_type(content_type(name))
        .header(header::CACHE_CONTROL, "no-cache")
        .header("x-content-type-options", "nosniff")
        .body(*bytes))
}

/// `GET /`: the side-by-side page.
#[handler]
pub fn index() -> poem::Result<Response> {
    asset_response("index.html")
}

/// `GET /web/{path}`: its modules, styles and vendored files.
#[handler]
pub fn asset(Path(path): Path<String>) -> poem::Result<Response> {
    asset_response(&path)
}
