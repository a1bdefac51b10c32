// Seven ways to hear about a change. Six are spoken by the browser itself as a client of that
// style does: polling, long polling, Server-Sent Events, JSON-RPC push on /ws, a GraphQL
// subscription (graphql-transport-ws) and a gRPC server stream (gRPC-Web over fetch). The
// seventh, a webhook, is the server calling a URL: the page registers one pointing at the
// server's built-in receiver and shows what arrives there.
//
// listen(resolve, report) starts all seven and answers { stop }; resolve() answers the credential
// as it is now ({}, { apiKey } or { token }), asked again for every new request or connection, so
// a renewed token is the one sent. A stream the server ends because its token expired (SSE
// `event: error`, /ws close 1008, a GraphQL error, gRPC status 16) is opened again with the
// renewed token. Each listener reports to report(lane, what):
//   { kind: 'state', status: 'connecting' | 'listening' | 'refused' | 'closed', code?, detail? }
//   { kind: 'request' }  one more HTTP request or connection
//   { kind: 'message' }  one more message received on a connection
//   { kind: 'event', seq, eventType, name, at }  an event (eventType as in REST: 'user.updated')
//   { kind: 'inbox', delivery }  what the server's receiver took from a webhook delivery

import { headers as authHeaders, query as authQuery } from '/web/credentials.js';
import { frame, FrameReader, parseTrailers, decodeWatchEventsResponse, canonicalCode, watchEventsRequest } from '/web/grpcweb.js';
import { codeForHttp, httpStatus } from '/web/ui.js';

export const DELIVERIES = [
  { id: 'poll', name: 'Polling', how: 'GET /api/v1/events?after=N, every second' },
  { id: 'long-poll', name: 'Long polling', how: 'GET /api/v1/events?after=N&wait=30, again as soon as it answers' },
  { id: 'sse', name: 'Server-Sent Events', how: 'EventSource on /api/v1/events/stream' },
  { id: 'websocket', name: 'WebSocket push', how: 'JSON-RPC events.subscribe on /ws, then event notifications' },
  { id: 'graphql-ws', name: 'GraphQL subscription', how: 'subscription { events } on /graphql/ws (graphql-transport-ws)' },
  { id: 'grpc-stream', name: 'gRPC server stream', how: 'EventService/WatchEvents over gRPC-Web, read as it streams' },
  { id: 'webhook', name: 'Webhook', how: 'the server POSTs each event to /api/v1/webhooks/inbox/…, signed' },
];

const PAGE = 100;
const RETRY_MS = 2000;
const REST_EVENT_TYPES = ['user.created', 'user.updated', 'user.deleted', 'order.created', 'order.status_changed', 'order.deleted'];

const GRAPHQL_CODES = {
  BAD_USER_INPUT: 'INVALID_ARGUMENT', UNAUTHENTICATED: 'UNAUTHENTICATED', FORBIDDEN: 'PERMISSION_DENIED',
  NOT_FOUND: 'NOT_FOUND', CONFLICT: 'CONFLICT', RATE_LIMITED: 'RATE_LIMITED',
  INTERNAL_SERVER_ERROR: 'INTERNAL', SERVICE_UNAVAILABLE: 'UNAVAILABLE',
};

const JSONRPC_CODES = {
  '-32602': 'INVALID_ARGUMENT', '-32001': 'UNAUTHENTICATED', '-32003': 'PERMISSION_DENIED', '-32004': 'NOT_FOUND',
  '-32009': 'CONFLICT', '-32029': 'RATE_LIMITED', '-32603': 'INTERNAL', '-32053': 'UNAVAILABLE',
};

const wsBase = () => location.origin.replace(/^http/, 'ws');

function sleep(ms, signal) {
  return new Promise((done) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      done();
    }, { once: true });
  });
}

/** The canonical code and a sentence for a refused HTTP answer (problem+json when it is one). */
async function refusal(response) {
  const body = await response.json().catch(() => null);
  const code = body?.code ?? codeForHttp(response.status);
  return { code, detail: `${httpStatus(response)}${body?.detail ? ': ' + body.detail : ''}` };
}

// Polling and long polling: the same GET, asked every second or held open by the server.
async function poll(ctx, lane, wait) {
  let after = 0;
  while (!ctx.signal.aborted) {
    const auth = await ctx.credential(lane);
    if (!auth) return;
    ctx.report(lane, { kind: 'request' });
    if (wait) ctx.report(lane, { kind: 'state', status: 'listening', detail: 'the server holds the request until an event comes' });
    let response;
    try {
      response = await fetch(`/api/v1/events?after=${after}${wait ? `&wait=${wait}` : ''}`, { headers: authHeaders(auth), signal: ctx.signal });
    } catch {
      if (ctx.signal.aborted) return;
      ctx.report(lane, { kind: 'state', status: 'closed', detail: 'the request failed; trying again' });
      await sleep(RETRY_MS, ctx.signal);
      continue;
    }
    if (!response.ok) {
      const { code, detail } = await refusal(response);
      // A token that expired since the last request: ask again with the renewed one.
      if (response.status === 401 && (await ctx.renewed(auth))) continue;
      ctx.report(lane, { kind: 'state', status: 'refused', code, detail });
      // Waiting helps a rate limit or maintenance; it does not help a credential.
      if (response.status !== 429 && response.status !== 503) return;
      await sleep(1000 * Number(response.headers.get('retry-after') || 1), ctx.signal);
      continue;
    }
    let page;
    try {
      page = await response.json();
    } catch {
      if (ctx.signal.aborted) return;
      continue;
    }
    const at = performance.now();
    if (!wait) ctx.report(lane, { kind: 'state', status: 'listening' });
    for (const e of page.items) ctx.report(lane, { kind: 'event', seq: String(e.seq), eventType: e.type, name: e.data?.name, at });
    after = page.nextAfter;
    // A full page means more are waiting: ask again at once, as a client catching up does.
    if (!wait && page.items.length < PAGE) await sleep(1000, ctx.signal);
  }
}

// Server-Sent Events: EventSource cannot send headers, so the credential goes in the query. When
// the server refuses the stream EventSource only says "error"; one plain GET of the same URL says why.
async function sse(ctx) {
  const lane = 'sse';
  const auth = await ctx.credential(lane);
  if (!auth) return;
  const q = authQuery(auth);
  const url = `/api/v1/events/stream${q ? '?' + q : ''}`;
  const source = new EventSource(url);
  ctx.onStop(() => source.close());
  ctx.report(lane, { kind: 'request' });
  source.onopen = () => ctx.report(lane, { kind: 'state', status: 'listening' });
  const onEvent = (message) => {
    ctx.report(lane, { kind: 'message' });
    const at = performance.now();
    try {
      const e = JSON.parse(message.data);
      ctx.report(lane, { kind: 'event', seq: String(e.seq), eventType: e.type, name: e.data?.name, at });
    } catch {
      // Not an event (a comment or a gap notice): counted, nothing to match.
    }
  };
  for (const type of [...REST_EVENT_TYPES, 'message']) source.addEventListener(type, onEvent);
  source.addEventListener('gap', () => ctx.report(lane, { kind: 'message' }));
  source.onerror = async (e) => {
    if (ctx.signal.aborted) return;
    // The server's own `event: error` (the token that opened the stream expired) reaches the same
    // handler as EventSource's errors, but as a message with data: {"code", "detail"}.
    if (e instanceof MessageEvent && e.data) {
      ctx.report(lane, { kind: 'message' });
      source.close();
      let said = {};
      try {
        said = JSON.parse(e.data);
      } catch {
        // Not JSON: shown as it came.
      }
      if (said.code === 'UNAUTHENTICATED' && (await ctx.renewed(auth))) {
        sse(ctx);
        return;
      }
      ctx.report(lane, { kind: 'state', status: 'refused', code: said.code ?? 'INTERNAL', detail: `event: error ${said.detail ?? e.data}` });
      return;
    }
    if (source.readyState === EventSource.CONNECTING) {
      ctx.report(lane, { kind: 'state', status: 'connecting', detail: 'the stream ended; EventSource reconnects with Last-Event-ID' });
      ctx.report(lane, { kind: 'request' });
      return;
    }
    ctx.report(lane, { kind: 'request' });
    try {
      const probe = new AbortController();
      ctx.onStop(() => probe.abort());
      const response = await fetch(url, { signal: probe.signal });
      const { code, detail } = response.ok ? { code: null, detail: 'the stream closed' } : await refusal(response);
      probe.abort();
      // Its token expired (EventSource reconnects with the URL it was given): a new stream, a new token.
      if (response.status === 401 && (await ctx.renewed(auth))) {
        source.close();
        sse(ctx);
        return;
      }
      ctx.report(lane, {
        kind: 'state', status: response.ok ? 'closed' : 'refused', code,
        detail: `${detail} (EventSource does not show the status: a plain GET of the same URL did)`,
      });
    } catch {
      if (!ctx.signal.aborted) ctx.report(lane, { kind: 'state', status: 'closed', detail: 'the stream closed' });
    }
  };
}

// A WebSocket client that reconnects after an unexpected close, unless told the close is final.
// open(auth) makes the socket with the credential as it is at that moment.
function socket(ctx, lane, open) {
  const connect = async () => {
    const auth = await ctx.credential(lane);
    if (!auth || ctx.signal.aborted) return;
    ctx.report(lane, { kind: 'request' });
    ctx.report(lane, { kind: 'state', status: 'connecting' });
    const ws = open(auth);
    // Closing a socket still in its handshake makes the browser log an error: close it once open.
    ctx.onStop(() => (ws.readyState === WebSocket.CONNECTING ? ws.addEventListener('open', () => ws.close(1000)) : ws.close(1000)));
    ws.addEventListener('close', async (close) => {
      if (ctx.signal.aborted || ws.final) return;
      // Closed by the listener itself to start again with a renewed token: at once.
      if (ws.renew) {
        connect();
        return;
      }
      const why = `closed ${close.code}${close.reason ? ' “' + close.reason + '”' : ''}`;
      const refusedWith = { 1008: 'UNAUTHENTICATED', 1013: 'UNAVAILABLE', 4401: 'UNAUTHENTICATED', 4403: 'PERMISSION_DENIED' }[close.code];
      // Refused for a token that has expired since: connect again with the renewed one.
      if (refusedWith === 'UNAUTHENTICATED' && (await ctx.renewed(auth))) {
        connect();
        return;
      }
      if (refusedWith) {
        ctx.report(lane, { kind: 'state', status: 'refused', code: refusedWith, detail: why });
        return;
      }
      ctx.report(lane, { kind: 'state', status: 'closed', detail: `${why}; reconnecting` });
      setTimeout(connect, RETRY_MS);
    });
  };
  connect();
}

function jsonRpc(ctx) {
  const lane = 'websocket';
  let lastSeq = null; // after a reconnect, resume after the last event seen
  socket(ctx, lane, (auth) => {
    const q = authQuery(auth);
    const ws = new WebSocket(`${wsBase()}/ws${q ? '?' + q : ''}`);
    const params = lastSeq === null ? {} : { afterSeq: Number(lastSeq) };
    ws.onopen = () => ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'events.subscribe', params }));
    ws.onmessage = (m) => {
      ctx.report(lane, { kind: 'message' });
      const at = performance.now();
      let msg;
      try {
        msg = JSON.parse(m.data);
      } catch {
        return;
      }
      if (msg.id === 1 && msg.error) {
        const code = msg.error.data?.code ?? JSONRPC_CODES[msg.error.code] ?? 'INTERNAL';
        ctx.report(lane, { kind: 'state', status: 'refused', code, detail: `JSON-RPC error ${msg.error.code}: ${msg.error.message}` });
        ws.final = true;
        ws.close(1000);
      } else if (msg.id === 1) {
        // The subscription starts after this seq: a reconnect resumes from it, missing nothing.
        if (lastSeq === null && msg.result?.afterSeq != null) lastSeq = String(msg.result.afterSeq);
        ctx.report(lane, { kind: 'state', status: 'listening' });
      } else if (msg.method === 'event') {
        const e = msg.params?.event ?? {};
        lastSeq = String(e.seq);
        ctx.report(lane, { kind: 'event', seq: lastSeq, eventType: e.type, name: e.data?.name, at });
      }
    };
    return ws;
  });
}

function graphqlWs(ctx) {
  const lane = 'graphql-ws';
  let lastSeq = null;
  socket(ctx, lane, (auth) => {
    const ws = new WebSocket(`${wsBase()}/graphql/ws`, 'graphql-transport-ws');
    // The browser cannot add headers to the handshake: the credential goes in connection_init.
    const payload = authHeaders(auth);
    let ending = false; // refused: the `complete` that follows says nothing more
    const refuse = async (errors) => {
      const ext = errors?.[0]?.extensions ?? {};
      const code = ext.canonicalCode ?? GRAPHQL_CODES[ext.code] ?? 'INTERNAL';
      ending = true;
      ws.final = true;
      // The token expired under the subscription: a new connection with the renewed one.
      if (code === 'UNAUTHENTICATED' && (await ctx.renewed(auth))) {
        ws.final = false;
        ws.renew = true;
      } else {
        ctx.report(lane, { kind: 'state', status: 'refused', code, detail: errors?.[0]?.message ?? code });
      }
      ws.close(1000);
    };
    ws.onopen = () => ws.send(JSON.stringify({ type: 'connection_init', payload }));
    ws.onmessage = (m) => {
      ctx.report(lane, { kind: 'message' });
      const at = performance.now();
      let msg;
      try {
        msg = JSON.parse(m.data);
      } catch {
        return;
      }
      if (msg.type === 'connection_ack') {
        const query = lastSeq === null
          ? 'subscription { events { seq type data } }'
          : `subscription { events(afterSeq: "${lastSeq}") { seq type data } }`;
        ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
        ctx.report(lane, { kind: 'state', status: 'listening' });
      } else if (msg.type === 'ping') {
        ws.send(JSON.stringify({ type: 'pong' }));
      } else if (msg.type === 'error') {
        refuse(msg.payload);
      } else if (msg.type === 'next') {
        if (msg.payload?.errors?.length && !msg.payload.data?.events) return refuse(msg.payload.errors);
        const e = msg.payload?.data?.events;
        if (!e || !e.type) return;
        // USER_UPDATED → user.updated, ORDER_STATUS_CHANGED → order.status_changed
        const eventType = e.type.toLowerCase().replace('_', '.');
        lastSeq = String(e.seq);
        ctx.report(lane, { kind: 'event', seq: lastSeq, eventType, name: e.data?.name, at });
      } else if (msg.type === 'complete' && !ending) {
        ctx.report(lane, { kind: 'state', status: 'closed', detail: 'the server completed the subscription' });
      }
    };
    return ws;
  });
}

// gRPC-Web: one POST whose answer body is the stream, read chunk by chunk as it arrives.
async function grpcStream(ctx) {
  const lane = 'grpc-stream';
  let lastSeq = null; // after a reconnect, resume after the last event seen
  while (!ctx.signal.aborted) {
    const credential = await ctx.credential(lane);
    if (!credential) return;
    // gRPC metadata are HTTP headers, and fetch may send them: lower-case, as gRPC spells them.
    const auth = credential.apiKey ? { 'x-api-key': credential.apiKey } : credential.token ? { authorization: `Bearer ${credential.token}` } : {};
    ctx.report(lane, { kind: 'request' });
    ctx.report(lane, { kind: 'state', status: 'connecting' });
    let final = false;
    let renew = false; // the stream ended for a token since renewed: open the next one at once
    try {
      const response = await fetch('/playground.v1.EventService/WatchEvents', {
        method: 'POST',
        headers: { 'content-type': 'application/grpc-web+proto', 'x-grpc-web': '1', accept: 'application/grpc-web+proto', ...auth },
        body: frame(watchEventsRequest(lastSeq)), // empty at first: every type, from now on
        signal: ctx.signal,
      });
      if (!response.ok) {
        const { code, detail } = await refusal(response);
        ctx.report(lane, { kind: 'state', status: 'refused', code, detail });
        return;
      }
      const status = response.headers.get('grpc-status');
      if (status !== null && status !== '0') {
        // Trailers-only: the call failed before any message, the status is in the headers.
        if (status === '16' && (await ctx.renewed(credential))) continue;
        const message = decodeURIComponent(response.headers.get('grpc-message') ?? '');
        ctx.report(lane, { kind: 'state', status: 'refused', code: canonicalCode(status), detail: `grpc-status ${status}${message ? ': ' + message : ''}` });
        return;
      }
      ctx.report(lane, { kind: 'state', status: 'listening' });
      const reader = response.body.getReader();
      const frames = new FrameReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const at = performance.now();
        for (const f of frames.push(value)) {
          if (f.trailers) {
            const t = parseTrailers(f.payload);
            if (t['grpc-status'] && t['grpc-status'] !== '0') {
              // 16 when the token that opened the stream expired: with a renewed one, the loop opens another.
              if (t['grpc-status'] === '16' && (await ctx.renewed(credential))) {
                renew = true;
                continue;
              }
              const message = decodeURIComponent(t['grpc-message'] ?? '');
              ctx.report(lane, { kind: 'state', status: 'refused', code: canonicalCode(t['grpc-status']), detail: `grpc-status ${t['grpc-status']}${message ? ': ' + message : ''}` });
              final = true;
            }
            continue;
          }
          ctx.report(lane, { kind: 'message' });
          const { event } = decodeWatchEventsResponse(f.payload);
          if (!event) continue;
          lastSeq = event.seq;
          ctx.report(lane, { kind: 'event', seq: event.seq, eventType: event.type, name: event.data?.name, at });
        }
      }
    } catch {
      if (ctx.signal.aborted) return;
    }
    if (final || ctx.signal.aborted) return;
    if (renew) continue;
    ctx.report(lane, { kind: 'state', status: 'closed', detail: 'the stream ended; reconnecting' });
    await sleep(RETRY_MS, ctx.signal);
  }
}

/** The credential as it is now, even after the listeners stopped; null when it cannot be had. */
async function resolveQuietly(ctx) {
  try {
    return await ctx.resolve();
  } catch {
    return null;
  }
}

// A webhook: registered with the chosen credential, pointing at the server's own receiver. The
// server makes one signed POST per event; the page reads the receiver to show what arrived (those
// reads are the page's, not the webhook's cost) and removes the hook when it stops listening.
async function webhook(ctx) {
  const lane = 'webhook';
  const auth = await ctx.credential(lane);
  if (!auth) return;
  const inbox = `page-${Math.random().toString(36).slice(2, 10)}`;
  const register = () => fetch('/api/v1/webhooks', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authHeaders(auth) },
    body: JSON.stringify({ url: `${location.origin}/api/v1/webhooks/inbox/${inbox}`, types: ['user.updated'] }),
    signal: ctx.signal,
  });
  let response;
  let hook;
  try {
    response = await register();
    // At the bound of hooks per caller: pages closed earlier left theirs; remove those and retry.
    if (response.status === 409) {
      const listed = await fetch('/api/v1/webhooks', { headers: authHeaders(auth), signal: ctx.signal }).then((r) => r.json());
      for (const left of listed.items ?? []) {
        if (left.url.includes('/api/v1/webhooks/inbox/page-')) {
          await fetch(`/api/v1/webhooks/${left.id}`, { method: 'DELETE', headers: authHeaders(auth), signal: ctx.signal });
        }
      }
      response = await register();
    }
    if (!response.ok) {
      const { code, detail } = await refusal(response);
      ctx.report(lane, { kind: 'state', status: 'refused', code, detail });
      return;
    }
    // Read inside the try: stopping while the body is still arriving aborts this read too.
    hook = await response.json();
  } catch {
    return;
  }
  // The hook belongs to the caller, not to the token: a renewed token reads and removes it.
  const remove = async () => {
    const now = await resolveQuietly(ctx);
    fetch(`/api/v1/webhooks/${hook.id}`, { method: 'DELETE', headers: authHeaders(now ?? auth), keepalive: true }).catch(() => {});
  };
  ctx.onStop(remove);
  addEventListener('pagehide', remove, { once: true });
  ctx.report(lane, { kind: 'state', status: 'listening', detail: `hook ${hook.id} → inbox ${inbox}` });
  let seen = 0;
  while (!ctx.signal.aborted) {
    await sleep(250, ctx.signal);
    let items;
    try {
      const now = await ctx.credential(lane);
      if (!now) return;
      const answer = await fetch(`/api/v1/webhooks/inbox/${inbox}`, { headers: authHeaders(now), signal: ctx.signal });
      if (!answer.ok) continue;
      items = (await answer.json()).items ?? [];
    } catch {
      continue;
    }
    for (const delivery of items.slice(seen)) {
      ctx.report(lane, { kind: 'request' });
      ctx.report(lane, { kind: 'inbox', delivery });
      const e = delivery.body?.data;
      // The receiver's clock, in this page's performance.now() terms (one machine, one clock).
      const received = Date.parse(delivery.receivedAt.replace(/(\.\d{3})\d+/, '$1'));
      const at = received - performance.timeOrigin;
      if (e) ctx.report(lane, { kind: 'event', seq: String(e.seq), eventType: e.type, name: e.data?.name, at });
    }
    seen = items.length;
  }
}

/** Starts the seven listeners; resolve() answers the credential as it is now (a promise). */
export function listen(resolve, report) {
  const controller = new AbortController();
  const stops = [];
  const ctx = {
    signal: controller.signal,
    report: (lane, what) => {
      if (!controller.signal.aborted) report(lane, what);
    },
    onStop: (fn) => stops.push(fn),
    resolve,
    /** The credential for a new request or connection, or null (stopped, or the login failed: reported). */
    async credential(lane) {
      try {
        const auth = await resolve();
        return controller.signal.aborted ? null : auth;
      } catch (e) {
        ctx.report(lane, { kind: 'state', status: 'refused', code: 'UNAUTHENTICATED', detail: e.message });
        return null;
      }
    },
    /** After a refusal: true when the token refused has since been replaced by a newer one. */
    async renewed(auth) {
      if (!auth?.token || controller.signal.aborted) return false;
      try {
        return (await resolve()).token !== auth.token;
      } catch {
        return false;
      }
    },
  };
  poll(ctx, 'poll', 0);
  poll(ctx, 'long-poll', 30);
  sse(ctx);
  jsonRpc(ctx);
  graphqlWs(ctx);
  grpcStream(ctx);
  webhook(ctx);
  return {
    stop() {
      controller.abort();
      for (const fn of stops) {
        try {
          fn();
        } catch {
          // Already closed.
        }
      }
    },
  };
}
