//! Timestamps as RFC 3339 text, written the same way by every protocol. Most of the data's
//! times are whole seconds in UTC, and those are written digit by digit: `time`'s general
//! formatter costs several times more (a read of one user over JSON-RPC spent about 7 % of its
//! time there). Any other time goes through `time`'s formatter, so the text is always what `time`
//! would write.

use serde::{Deserializer, Serializer};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// `2024-01-01T10:42:00Z`, or with its fraction and offset when it has them.
pub fn format(at: OffsetDateTime) -> Result<String, time::error::Format> {
    match whole_second_utc(at) {
        Some(text) => Ok(text),
        None => at.format(&Rfc3339),
    }
}

fn whole_second_utc(at: OffsetDateTime) -> Option<String> {
    let whole_utc = at.offset().is_utc() && at.nanosecond() == 0 && (0..=9999).contains(&at.year());
    if !whole_utc {
        return None;
    }
    let (hour, minute, second) = at.to_hms();
    let mut text = String::with_capacity(20);
    let mut push = |value: u32, width: usize, then: Option<char>| {
        for divisor in [1000, 100, 10, 1][4 - width..].iter() {
            text.push(char::from(b'0' + (value / divisor % 10) as u8));
        }
        text.extend(then);
    };
    push(at.year().unsigned_abs(), 4, Some('-'));
    push(u8::from(at.month()).into(), 2, Some('-'));
    push(at.day().into(), 2, Some('T'));
    push(hour.into(), 2, Some(':'));
    push(minute.into(), 2, Some(':'));
    push(second.into(), 2, Some('Z'));
    Some(text)
}

/// For `#[serde(with = "playground_domain::rfc3339")]`.
pub fn serialize<S: Serializer>(at: &OffsetDateTime, serializer: S) -> Result<S::Ok, S::Error> {
    let text = format(*at).map_err(serde::ser::Error::custom)?;
    serializer.serialize_str(&text)
}

/// For `#[serde(with = "playground_domain::rfc3339")]`.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<OffsetDateTime, D::Error> {
    time::serde::rfc3339::deserialize(deserializer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn writes_what_time_writes() {
        for at in [
            datetime!(2024-01-01 10:42:00 UTC),
            datetime!(0001-12-31 23:59:59 UTC),
            datetime!(9999-02-28 00:00:09 UTC),
            datetime!(2024-01-01 10:42:00.5 UTC),
            datetime!(2024-01-01 10:42:00.000000001 UTC),
            datetime!(2024-01-01 10:42:00 +02:00),
        ] {
            assert_eq!(format(at).expect("ours"), at.format(&Rfc3339).expect("time's"), "{at}");
        }
        assert_eq!(format(datetime!(2024-01-01 10:42:00 UTC)).expect("ours"), "2024-01-01T10:42:00Z");
        assert!(whole_second_utc(datetime!(2024-01-01 10:42:00.5 UTC)).is_none());
    }
}
