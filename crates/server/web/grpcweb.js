// gRPC-Web by hand: the 5-byte frames (flag, big-endian length) around protobuf messages, and
// just enough protobuf decoding for playground.v1.WatchEventsResponse (proto/playground/v1/events.proto).

/** One gRPC-Web frame: flag 0x00 (a message) and its length, then the message bytes. */
export function frame(message = new Uint8Array(0)) {
  const out = new Uint8Array(5 + message.length);
  new DataView(out.buffer).setUint32(1, message.length);
  out.set(message, 5);
  return out;
}

/** Reassembles frames from the chunks of a response body, however the chunks are cut. */
export class FrameReader {
  constructor() {
    this.buffer = new Uint8Array(0);
  }

  /** Adds a chunk; answers the frames it completed: { trailers: bool, payload: Uint8Array }. */
  push(chunk) {
    const joined = new Uint8Array(this.buffer.length + chunk.length);
    joined.set(this.buffer);
    joined.set(chunk, this.buffer.length);
    const frames = [];
    let at = 0;
    while (joined.length - at >= 5) {
      const length = new DataView(joined.buffer, joined.byteOffset + at + 1, 4).getUint32(0);
      if (joined.length - at - 5 < length) break;
      frames.push({ trailers: (joined[at] & 0x80) !== 0, payload: joined.slice(at + 5, at + 5 + length) });
      at += 5 + length;
    }
    this.buffer = joined.slice(at);
    return frames;
  }
}

/** A trailers frame ("grpc-status:0\r\ngrpc-message:...") as a lower-case name → value object. */
export function parseTrailers(payload) {
  const fields = {};
  for (const line of new TextDecoder().decode(payload).split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return fields;
}

/** playground.v1.WatchEventsRequest: after_seq (field 1) when resuming, else empty (from now on). */
export function watchEventsRequest(afterSeq) {
  if (afterSeq == null) return new Uint8Array(0);
  const out = [0x08]; // field 1, varint
  let value = BigInt(afterSeq);
  do {
    const low = Number(value & 0x7fn);
    value >>= 7n;
    out.push(value ? low | 0x80 : low);
  } while (value);
  return new Uint8Array(out);
}

function varint(bytes, at) {
  let value = 0n;
  let shift = 0n;
  for (;;) {
    if (at >= bytes.length) throw new Error('truncated varint');
    const byte = bytes[at++];
    value |= BigInt(byte & 0x7f) << shift;
    if (byte < 0x80) return [value, at];
    shift += 7n;
    if (shift > 63n) throw new Error('varint too long');
  }
}

/** The fields of a protobuf message: { field, value } with a BigInt for varints, bytes otherwise. */
function fields(bytes) {
  const out = [];
  let at = 0;
  while (at < bytes.length) {
    let key;
    [key, at] = varint(bytes, at);
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    let value;
    if (wire === 0) {
      [value, at] = varint(bytes, at);
    } else if (wire === 2) {
      let length;
      [length, at] = varint(bytes, at);
      value = bytes.subarray(at, at + Number(length));
      at += Number(length);
    } else if (wire === 1 || wire === 5) {
      value = bytes.subarray(at, at + (wire === 1 ? 8 : 4));
      at += wire === 1 ? 8 : 4;
    } else {
      throw new Error(`unsupported wire type ${wire}`);
    }
    out.push({ field, value });
  }
  return out;
}

const text = (bytes) => new TextDecoder().decode(bytes);

export const EVENT_TYPES = ['', 'user.created', 'user.updated', 'user.deleted', 'order.created', 'order.status_changed', 'order.deleted'];

// playground.v1.User: 1 id, 2 name, 3 email, 4 created_at.
function decodeUser(bytes) {
  const user = {};
  for (const { field, value } of fields(bytes)) {
    if (field === 1) user.id = Number(value);
    else if (field === 2) user.name = text(value);
    else if (field === 3) user.email = text(value);
  }
  return user;
}

// playground.v1.Event: 1 seq, 2 type, 3 occurred_at, 4 user, 5 order (only its id is read).
function decodeEvent(bytes) {
  const event = { seq: '0', type: '', data: null };
  for (const { field, value } of fields(bytes)) {
    if (field === 1) event.seq = value.toString();
    else if (field === 2) event.type = EVENT_TYPES[Number(value)] ?? `type ${value}`;
    else if (field === 4) event.data = decodeUser(value);
    else if (field === 5) event.data = { id: Number(fields(value).find((f) => f.field === 1)?.value ?? 0) };
  }
  return event;
}

/** playground.v1.WatchEventsResponse: { event } or { gap: { afterSeq } }. */
export function decodeWatchEventsResponse(bytes) {
  for (const { field, value } of fields(bytes)) {
    if (field === 1) return { event: decodeEvent(value) };
    if (field === 2) return { gap: { afterSeq: (fields(value).find((f) => f.field === 1)?.value ?? 0n).toString() } };
  }
  return {};
}

const GRPC_CODES = {
  0: 'OK', 3: 'INVALID_ARGUMENT', 5: 'NOT_FOUND', 6: 'CONFLICT', 7: 'PERMISSION_DENIED', 8: 'RATE_LIMITED',
  9: 'CONFLICT', 13: 'INTERNAL', 14: 'UNAVAILABLE', 16: 'UNAUTHENTICATED',
};

/** The canonical code for a grpc-status number. */
export const canonicalCode = (status) => GRPC_CODES[Number(status)] ?? 'INTERNAL';
