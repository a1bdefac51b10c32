//! HTTP caching done the HTTP way: a strong `ETag` (a hash of the exact body) and
//! `Cache-Control` on reads, `If-None-Match` answered with 304 and no body, and `If-Match` on
//! writes checked against the resource as it is at the moment of the change (412 when stale).

use std::hash::BuildHasher;
use std::marker::PhantomData;

use base64::Engine;
use playground_domain::DomainError;
use poem::http::{header, HeaderValue, StatusCode};
use poem::{IntoResponse, Request, Response};
use poem_openapi::registry::{MetaHeader, MetaMediaType, MetaResponse, MetaResponses, Registry};
use poem_openapi::types::Type;
use poem_openapi::ApiResponse;
use serde::Serialize;

use super::error::IF_MATCH;
use crate::header_text;

const JSON: &str = "application/json; charset=utf-8";

/// Shared caches may keep it, but must check with the server (cheap: a 304) before reuse.
pub const PUBLIC: &str = "public, no-cache";
/// Only the caller's own cache may keep it, and must revalidate.
pub const PRIVATE: &str = "private, no-cache";

/// A cacheable JSON answer: the body with its ETag, or 304 (no body) when the client's copy is
/// current. `T` is what the body holds, for the OpenAPI document.
pub struct Cached<T> {
    body: Option<Vec<u8>>,
    etag: String,
    cache_control: &'static str,
    /// The next page's URL, for a `Link: <...>; rel="next"` header.
    next: Option<String>,
    schema: PhantomData<T>,
}

impl<T> Cached<T> {
    /// Adds the RFC 8288 link to the next page of a list.
    pub fn with_next(self, next: Option<String>) -> Self {
        Cached { next, ..self }
    }
}

/// The strong ETag of a body: a 64-bit hash of its exact bytes, with a fixed seed so the same
/// bytes always get the same tag. A validator only has to change when the body does; it need
/// not resist forgery, so a fast hash does (a digest such as SHA-1 would cost a GET about 2 % of
/// its time, even with the CPU's SHA instructions).
fn etag_of(body: &[u8]) -> String {
    let hash = foldhash::quality::FixedState::default().hash_one(body);
    // `"` + 11 base64 characters for 64 bits + `"`, written into one allocation.
    let mut etag = String::with_capacity(13);
    etag.push('"');
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode_string(hash.to_be_bytes(), &mut etag);
    etag.push('"');
    etag
}

/// Does a list of entity tags (`If-None-Match`, `If-Match`) name this one? `*` names any.
fn listed(header: &str, etag: &str) -> bool {
    header.split(',').map(str::trim).any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag)
}

/// Serializes a representation and answers 304 when `If-None-Match` already has it.
pub fn cached<T: Serialize>(request: &Request, value: &T, cache_control: &'static str) -> Cached<T> {
    let body = super::json::body_of(value).unwrap_or_default();
    let etag = etag_of(&body);
    let current = header_text(request, header::IF_NONE_MATCH).is_some_and(|tags| listed(tags, &etag));
    Cached { body: (!current).then_some(body), etag, cache_control, next: None, schema: PhantomData }
}

/// The `If-Match` check for a write: the current representation's ETag must be listed.
pub fn if_match<T: Serialize>(request: &Request) -> impl Fn(&T) -> Result<(), DomainError> + '_ {
    move |current: &T| match header_text(request, header::IF_MATCH) {
        None => Ok(()),
        Some(tags) => {
            let etag = etag_of(&serde_json::to_vec(current).unwrap_or_default());
            if listed(tags, &etag) {
                Ok(())
            } else {
                Err(DomainError {
                    field: Some(IF_MATCH.to_owned()),
                    ..DomainError::conflict(format!(
                        "the resource changed: its ETag is now {etag}, not {tags}; read it again and retry"
                    ))
                })
            }
        }
    }
}

impl<T: Send> IntoResponse for Cached<T> {
    fn into_response(self) -> Response {
        let has_body = self.body.is_some();
        let mut response = match self.body {
            Some(body) => Response::builder().body(body),
            None => Response::builder().status(StatusCode::NOT_MODIFIED).finish(),
        };
        let headers = response.headers_mut();
        // Room for the fields written after these (the RateLimit fields, the request id, and over
        // HTTP/2 the length) from the start: a header map that grows moves every entry.
        headers.reserve(FIELDS_OF_AN_ANSWER);
        if has_body {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
        }
        if let Ok(etag) = HeaderValue::try_from(self.etag) {
            headers.insert(header::ETAG, etag);
        }
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(self.cache_control));
        if let Some(link) =
            self.next.as_deref().and_then(|next| HeaderValue::try_from(super::json::link_next(next)).ok())
        {
            headers.insert(header::LINK, link);
        }
        response
    }
}

/// The most fields a cacheable answer carries: content type, ETag, Cache-Control, Link, the two
/// RateLimit fields, the request id and the length.
const FIELDS_OF_AN_ANSWER: usize = 8;

impl<T: Type + Send> ApiResponse for Cached<T> {
    fn meta() -> MetaResponses {
        let headers = || {
            vec![
                MetaHeader {
                    name: "ETag".into(),
                    description: Some("Strong validator of this exact representation".into()),
                    required: true,
                    deprecated: false,
                    schema: <String as Type>::schema_ref(),
                },
                MetaHeader {
                    name: "Cache-Control".into(),
                    description: Some("How caches may keep it (they must revalidate)".into()),
                    required: true,
                    deprecated: false,
                    schema: <String as Type>::schema_ref(),
                },
                MetaHeader {
                    name: "Link".into(),
                    description: Some("On lists: RFC 8288 link to the next page (rel=\"next\")".into()),
                    required: false,
                    deprecated: false,
                    schema: <String as Type>::schema_ref(),
                },
            ]
        };
        MetaResponses {
            responses: vec![
                MetaResponse {
                    description: "The representation, with its ETag",
                    status: Some(200),
                    status_range: None,
                    content: vec![MetaMediaType { content_type: JSON, schema: T::schema_ref() }],
                    headers: headers(),
                },
                MetaResponse {
                    description: "Not Modified: the If-None-Match ETag is current; no body",
                    status: Some(304),
                    status_range: None,
                    content: vec![],
                    headers: headers(),
                },
            ],
        }
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_tag_lists_match_strongly_and_weakly() {
        let etag = etag_of(b"{}");
        assert!(listed(&etag, &etag));
        assert!(listed(&format!("\"other\", W/{etag}"), &etag));
        assert!(listed("*", &etag));
        assert!(!listed("\"other\"", &etag));
        assert_ne!(etag_of(b"{}"), etag_of(b"{ }"));
    }
}
