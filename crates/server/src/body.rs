//! Reading a request body within the size bound, telling "too large" apart from other failures
//! so each protocol can answer 413 in its own form.

use bytes::Bytes;
use http_body_util::{BodyExt, LengthLimitError, Limited};

pub enum BodyError {
    TooLarge(usize),
    Unreadable(String),
}

pub async fn read_limited(body: poem::Body, limit: usize) -> Result<Bytes, BodyError> {
    let inner: http_body_util::combinators::BoxBody<Bytes, std::io::Error> = body.into();
    match Limited::new(inner, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.downcast_ref::<LengthLimitError>().is_some() => Err(BodyError::TooLarge(limit)),
        Err(error) => Err(BodyError::Unreadable(format!("cannot read the body: {error}"))),
    }
}
