//! Cursor pagination shared by every list on every protocol: a cursor is opaque to clients
//! (base64 of the last id seen), so REST `nextCursor`, gRPC `next_page_token` and GraphQL
//! `endCursor` are the same string and can be passed between protocols.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::error::DomainError;

pub const DEFAULT_PAGE_SIZE: u32 = 20;
pub const MAX_PAGE_SIZE: u32 = 100;

/// A validated page request: how many items, and after which id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u32,
    pub after_id: Option<u64>,
}

impl PageRequest {
    /// `limit` absent means 20; 1 to 100 is accepted; `cursor` must be one this server issued.
    pub fn parse(limit: Option<u32>, cursor: Option<&str>) -> Result<PageRequest, DomainError> {
        let limit = limit.unwrap_or(DEFAULT_PAGE_SIZE);
        if limit == 0 || limit > MAX_PAGE_SIZE {
            return Err(DomainError::invalid(
                "limit",
                format!("limit must be between 1 and {MAX_PAGE_SIZE}, got {limit}"),
            ));
        }
        let after_id = match cursor.filter(|cursor| !cursor.is_empty()) {
            None => None,
            Some(cursor) => Some(decode_cursor(cursor)?),
        };
        Ok(PageRequest { limit, after_id })
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest { limit: DEFAULT_PAGE_SIZE, after_id: None }
    }
}

/// One page of a list, and the cursor of the next page when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
    /// How many items the whole list holds (GraphQL's `totalCount`).
    pub total: usize,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), next_cursor: self.next_cursor, total: self.total }
    }
}

pub fn encode_cursor(id: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("id:{id}"))
}

pub fn decode_cursor(cursor: &str) -> Result<u64, DomainError> {
    let invalid = || DomainError::invalid("cursor", "cursor is not one this server issued");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = std::str::from_utf8(&bytes).map_err(|_| invalid())?;
    text.strip_prefix("id:").and_then(|id| id.parse().ok()).ok_or_else(invalid)
}

/// Cuts a page out of items sorted by id, after `request.after_id`.
pub fn paginate<'a, T: Clone + 'a>(
    sorted: impl Iterator<Item = (u64, &'a T)>,
    total: usize,
    request: PageRequest,
) -> Page<T> {
    let mut items = Vec::with_capacity(request.limit as usize);
    let mut last_id = None;
    let mut more = false;
    for (id, item) in sorted.skip_while(|(id, _)| request.after_id.is_some_and(|after| *id <= after)) {
        if items.len() == request.limit as usize {
            more = true;
            break;
        }
        items.push(item.clone());
        last_id = Some(id);
    }
    Page { items, next_cursor: last_id.filter(|_| more).map(encode_cursor), total }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        assert_eq!(decode_cursor(&encode_cursor(42)), Ok(42));
        assert!(decode_cursor("not-a-cursor!").is_err());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode("id:x")).is_err());
        assert!(PageRequest::parse(Some(0), None).is_err());
        assert!(PageRequest::parse(Some(101), None).is_err());
        assert_eq!(PageRequest::parse(None, Some("")), Ok(PageRequest::default()));
    }

    #[test]
    fn pages_walk_the_whole_list_once() {
        let items: Vec<(u64, u64)> = (1..=45).map(|id| (id, id * 10)).collect();
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let request = PageRequest::parse(Some(20), cursor.as_deref()).expect("valid page");
            let page = paginate(items.iter().map(|(id, v)| (*id, v)), items.len(), request);
            seen.extend(page.items);
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(seen, (1..=45).map(|id| id * 10).collect::<Vec<_>>());
    }
}
