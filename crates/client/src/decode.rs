//! Turns a tape's bytes into text a learner can read, after the exchange is over: HTTP/1.1 as it
//! is, HTTP/2 frame by frame with HPACK-decoded headers, gRPC's 5-byte prefix and protobuf bytes
//! in hex beside their decoded fields, and WebSocket frames with opcode, mask and length.

use std::fmt::Write;
use std::sync::OnceLock;

use prost_reflect::{DescriptorPool, Kind, MessageDescriptor};
use tonic_types::StatusExt;

const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// The playground's descriptors, to name the fields of captured protobuf bytes.
fn pool() -> Option<&'static DescriptorPool> {
    static POOL: OnceLock<Option<DescriptorPool>> = OnceLock::new();
    POOL.get_or_init(|| DescriptorPool::decode(playground_proto::FILE_DESCRIPTOR_SET).ok()).as_ref()
}

/// The request and response messages of a gRPC method path, `/playground.v1.UserService/GetUser`.
pub fn grpc_messages(path: &str) -> Option<(MessageDescriptor, MessageDescriptor)> {
    let (service, method) = path.trim_start_matches('/').split_once('/')?;
    let method = pool()?.get_service_by_name(service)?.methods().find(|m| m.name() == method)?;
    Some((method.input(), method.output()))
}

/// HTTP/1.1 is text already; only bytes that are not UTF-8 are shown escaped.
pub fn http1(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn hex(bytes: &[u8]) -> String {
    const SHOWN: usize = 24;
    let mut text: Vec<String> = bytes.iter().take(SHOWN).map(|b| format!("{b:02x}")).collect();
    if bytes.len() > SHOWN {
        text.push(format!("… (+{} bytes)", bytes.len() - SHOWN));
    }
    text.join(" ")
}

const FRAME_TYPES: [&str; 10] = [
    "DATA",
    "HEADERS",
    "PRIORITY",
    "RST_STREAM",
    "SETTINGS",
    "PUSH_PROMISE",
    "PING",
    "GOAWAY",
    "WINDOW_UPDATE",
    "CONTINUATION",
];

const SETTINGS: [&str; 7] = [
    "",
    "HEADER_TABLE_SIZE",
    "ENABLE_PUSH",
    "MAX_CONCURRENT_STREAMS",
    "INITIAL_WINDOW_SIZE",
    "MAX_FRAME_SIZE",
    "MAX_HEADER_LIST_SIZE",
];

fn flag_names(frame_type: u8, flags: u8) -> String {
    let mut names = vec![];
    let end_stream = matches!(frame_type, 0 | 1) && flags & 0x1 != 0;
    let ack = matches!(frame_type, 4 | 6) && flags & 0x1 != 0;
    if end_stream {
        names.push("END_STREAM");
    }
    if ack {
        names.push("ACK");
    }
    if matches!(frame_type, 1 | 9) && flags & 0x4 != 0 {
        names.push("END_HEADERS");
    }
    if names.is_empty() {
        String::new()
    } else {
        format!(" [{}]", names.join(" "))
    }
}

/// One side of an HTTP/2 connection, frame by frame. `message` names the protobuf message this
/// side's DATA frames carry when the exchange is gRPC.
pub fn http2(bytes: &[u8], message: Option<&MessageDescriptor>) -> String {
    let mut out = String::new();
    let mut rest = bytes;
    if let Some(after) = rest.strip_prefix(PREFACE) {
        let _ = writeln!(out, "connection preface  PRI * HTTP/2.0 ... SM  (24 bytes)");
        rest = after;
    }
    let mut hpack = loona_hpack::Decoder::new();
    let mut block = Vec::new();
    let mut grpc = Vec::new();
    while rest.len() >= 9 {
        let length = u32::from_be_bytes([0, rest[0], rest[1], rest[2]]) as usize;
        let (frame_type, flags) = (rest[3], rest[4]);
        let stream = u32::from_be_bytes([rest[5], rest[6], rest[7], rest[8]]) & 0x7fff_ffff;
        let Some(payload) = rest.get(9..9 + length) else {
            let _ = writeln!(out, "(a frame cut short: {} of {length} bytes)", rest.len() - 9);
            break;
        };
        rest = &rest[9 + length..];
        let name = FRAME_TYPES.get(frame_type as usize).copied().unwrap_or("UNKNOWN");
        let _ = writeln!(out, "{name} stream {stream}, {length} bytes{}", flag_names(frame_type, flags));
        match frame_type {
            0 => {
                let data = strip_padding(payload, flags);
                match message {
                    Some(descriptor) => {
                        grpc.extend_from_slice(data);
                        grpc_messages_in(&mut grpc, descriptor, &mut out);
                    }
                    None => {
                        let _ = writeln!(out, "  {}", String::from_utf8_lossy(data));
                    }
                }
            }
            1 | 9 => {
                let mut fragment = if frame_type == 1 { strip_padding(payload, flags) } else { payload };
                if frame_type == 1 && flags & 0x20 != 0 {
                    fragment = fragment.get(5..).unwrap_or_default();
                }
                block.extend_from_slice(fragment);
                if flags & 0x4 != 0 {
                    headers(&mut hpack, &block, &mut out);
                    block.clear();
                }
            }
            3 | 7 => {
                let code = payload.get(payload.len().saturating_sub(4)..).unwrap_or_default();
                let _ = writeln!(out, "  error code {}", hex(code));
            }
            4 => {
                for setting in payload.chunks_exact(6) {
                    let id = u16::from_be_bytes([setting[0], setting[1]]);
                    let value = u32::from_be_bytes([setting[2], setting[3], setting[4], setting[5]]);
                    let name = SETTINGS.get(id as usize).copied().unwrap_or("UNKNOWN");
                    let _ = writeln!(out, "  {name} = {value}");
                }
            }
            8 => {
                let increment = payload.get(..4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) & 0x7fff_ffff);
                let _ = writeln!(out, "  window increment {}", increment.unwrap_or(0));
            }
            _ => {
                let _ = writeln!(out, "  {}", hex(payload));
            }
        }
    }
    out
}

fn strip_padding(payload: &[u8], flags: u8) -> &[u8] {
    if flags & 0x8 == 0 {
        return payload;
    }
    let pad = payload.first().copied().unwrap_or(0) as usize;
    payload.get(1..payload.len().saturating_sub(pad)).unwrap_or_default()
}

fn headers(hpack: &mut loona_hpack::Decoder<'_>, block: &[u8], out: &mut String) {
    let Ok(fields) = hpack.decode(block) else {
        let _ = writeln!(out, "  (HPACK block that does not decode: {})", hex(block));
        return;
    };
    let mut map = http::HeaderMap::new();
    for (name, value) in &fields {
        let _ = writeln!(out, "  {}: {}", String::from_utf8_lossy(name), String::from_utf8_lossy(value));
        if let (Ok(name), Ok(value)) = (http::HeaderName::from_bytes(name), http::HeaderValue::from_bytes(value)) {
            map.append(name, value);
        }
    }
    if map.contains_key("grpc-status-details-bin") {
        if let Some(status) = tonic::Status::from_header_map(&map) {
            let details = status.get_error_details();
            if let Some(info) = details.error_info() {
                let _ = writeln!(out, "    ↳ google.rpc.ErrorInfo reason={} domain={}", info.reason, info.domain);
            }
            if let Some(retry) = details.retry_info() {
                let _ = writeln!(out, "    ↳ google.rpc.RetryInfo retry_delay={:?}", retry.retry_delay);
            }
            if let Some(bad) = details.bad_request() {
                for violation in &bad.field_violations {
                    let _ = writeln!(out, "    ↳ google.rpc.BadRequest {}: {}", violation.field, violation.description);
                }
            }
        }
    }
}

/// Prints every complete length-prefixed gRPC message at the front of `buffer`, and keeps the rest.
fn grpc_messages_in(buffer: &mut Vec<u8>, descriptor: &MessageDescriptor, out: &mut String) {
    while buffer.len() >= 5 {
        let length = u32::from_be_bytes([buffer[1], buffer[2], buffer[3], buffer[4]]) as usize;
        if buffer.len() < 5 + length {
            return;
        }
        let compressed = buffer[0] == 1;
        let _ = writeln!(
            out,
            "  {:<30} gRPC prefix: compressed={}, length={length}",
            hex(&buffer[..5]),
            u8::from(compressed)
        );
        let _ = writeln!(out, "  protobuf {} ({length} bytes):", descriptor.full_name());
        if compressed {
            let _ = writeln!(out, "    {} (gzip)", hex(&buffer[5..5 + length]));
        } else {
            protobuf(&buffer[5..5 + length], Some(descriptor), 2, out);
        }
        buffer.drain(..5 + length);
    }
}

/// The protobuf wire format, field by field: the bytes in hex, then what they mean.
pub fn protobuf(mut bytes: &[u8], descriptor: Option<&MessageDescriptor>, indent: usize, out: &mut String) {
    let pad = "  ".repeat(indent);
    while !bytes.is_empty() {
        let start = bytes;
        let Ok(key) = prost::encoding::decode_varint(&mut bytes) else {
            let _ = writeln!(out, "{pad}{}  (not protobuf)", hex(start));
            return;
        };
        let (number, wire_type) = ((key >> 3) as u32, key & 0x7);
        let field = descriptor.and_then(|d| d.get_field(number));
        let name = field.as_ref().map_or_else(|| format!("field {number}"), |f| format!("{number} {}", f.name()));
        let meaning = match wire_type {
            0 => {
                let Ok(value) = prost::encoding::decode_varint(&mut bytes) else { break };
                let shown = match field.as_ref().map(|f| f.kind()) {
                    Some(Kind::Enum(values)) => {
                        values.get_value(value as i32).map_or(value.to_string(), |v| format!("{} ({value})", v.name()))
                    }
                    Some(Kind::Bool) => (value != 0).to_string(),
                    Some(Kind::Int64 | Kind::Int32) => (value as i64).to_string(),
                    Some(Kind::Sint64 | Kind::Sint32) => (((value >> 1) as i64) ^ -((value & 1) as i64)).to_string(),
                    _ => value.to_string(),
                };
                format!("{name} = {shown}  (varint)")
            }
            1 | 5 => {
                let width = if wire_type == 1 { 8 } else { 4 };
                let Some(value) = bytes.get(..width) else { break };
                bytes = &bytes[width..];
                format!("{name} = {}  (fixed{})", hex(value), width * 8)
            }
            2 => {
                let Ok(length) = prost::encoding::decode_varint(&mut bytes) else { break };
                let Some(value) = bytes.get(..length as usize) else { break };
                bytes = &bytes[length as usize..];
                let head = &start[..start.len() - bytes.len() - value.len()];
                match field.as_ref().map(|f| f.kind()) {
                    Some(Kind::Message(inner)) => {
                        let _ = writeln!(out, "{pad}{:<28} {name}: {} ({length} bytes)", hex(head), inner.name());
                        protobuf(value, Some(&inner), indent + 1, out);
                        continue;
                    }
                    Some(Kind::String) => format!("{name} = {:?}", String::from_utf8_lossy(value)),
                    _ => format!("{name} = {} ({length} bytes)", hex(value)),
                }
            }
            _ => {
                let _ = writeln!(out, "{pad}{}  (wire type {wire_type} unknown)", hex(start));
                return;
            }
        };
        let used = &start[..start.len() - bytes.len()];
        let _ = writeln!(out, "{pad}{:<28} {meaning}", hex(used));
    }
}

const OPCODES: [&str; 11] = ["continuation", "text", "binary", "", "", "", "", "", "close", "ping", "pong"];

/// One side of a WebSocket connection: the HTTP upgrade, then each frame.
pub fn websocket(bytes: &[u8]) -> String {
    let split = bytes.windows(4).position(|w| w == b"\r\n\r\n").map_or(bytes.len(), |at| at + 4);
    let (head, mut rest) = bytes.split_at(split);
    let mut out = http1(head);
    while rest.len() >= 2 {
        let (fin, opcode) = (rest[0] & 0x80 != 0, rest[0] & 0x0f);
        let masked = rest[1] & 0x80 != 0;
        let (length, mut at) = match rest[1] & 0x7f {
            126 if rest.len() >= 4 => (u16::from_be_bytes([rest[2], rest[3]]) as usize, 4),
            127 if rest.len() >= 10 => {
                let mut eight = [0u8; 8];
                eight.copy_from_slice(&rest[2..10]);
                (u64::from_be_bytes(eight) as usize, 10)
            }
            short => (short as usize, 2),
        };
        let mask = if masked {
            let key = rest.get(at..at + 4).map(|k| [k[0], k[1], k[2], k[3]]);
            at += 4;
            key
        } else {
            None
        };
        let Some(payload) = rest.get(at..at + length) else {
            let _ = writeln!(out, "(a frame cut short)");
            break;
        };
        let payload: Vec<u8> = match mask {
            Some(key) => payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]).collect(),
            None => payload.to_vec(),
        };
        let _ = writeln!(
            out,
            "{}{} frame, {}, {length} bytes  [{}]",
            if fin { "FIN " } else { "" },
            OPCODES.get(opcode as usize).copied().filter(|n| !n.is_empty()).unwrap_or("reserved"),
            mask.map_or("unmasked".to_owned(), |key| format!("masked with {}", hex(&key))),
            hex(&rest[..at.min(rest.len())])
        );
        match opcode {
            1 => {
                let _ = writeln!(out, "  {}", String::from_utf8_lossy(&payload));
            }
            8 if payload.len() >= 2 => {
                let code = u16::from_be_bytes([payload[0], payload[1]]);
                let _ = writeln!(out, "  close code {code} {:?}", String::from_utf8_lossy(&payload[2..]));
            }
            _ if !payload.is_empty() => {
                let _ = writeln!(out, "  {}", hex(&payload));
            }
            _ => {}
        }
        rest = &rest[at + length..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protobuf_fields_are_named_from_the_descriptors() {
        let (request, _) = grpc_messages("/playground.v1.UserService/GetUser").expect("GetUser in the descriptors");
        let mut out = String::new();
        protobuf(&[0x08, 0x2a], Some(&request), 0, &mut out);
        assert!(out.contains("08 2a") && out.contains("1 id = 42"), "{out}");
    }

    #[test]
    fn websocket_frames_are_unmasked_for_reading() {
        // A masked text frame "Hi" with key 01 02 03 04.
        let frame = [b"GET / HTTP/1.1\r\n\r\n".as_slice(), &[0x81, 0x82, 1, 2, 3, 4, b'H' ^ 1, b'i' ^ 2]].concat();
        let text = websocket(&frame);
        assert!(text.contains("FIN text frame, masked with 01 02 03 04, 2 bytes") && text.contains("  Hi"), "{text}");
    }
}
