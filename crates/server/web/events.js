// The events panel: one change, made from here, and the seven ways of hearing about it side by
// side, each with the seq it received, its delay after the click, and what listening has cost.

import { html } from '/web/vendor/standalone.module.js';
import { DELIVERIES } from '/web/listeners.js';
import { resolve, headers } from '/web/credentials.js';
import { Bar, ms, httpStatus, codeForHttp } from '/web/ui.js';

const idleLane = () => ({ status: 'connecting', code: null, detail: '', requests: 0, messages: 0, events: 0, seq: null, delay: null });

export const initialEvents = () => ({
  write: { state: 'idle' },
  lanes: Object.fromEntries(DELIVERIES.map((d) => [d.id, idleLane()])),
});

/** The events part of the page's state. */
export function eventsReducer(events, action) {
  switch (action.type) {
    case 'listeners-reset':
      return { ...events, lanes: initialEvents().lanes };
    case 'write-start':
      return {
        write: { state: 'sending', name: action.name, t0: action.t0, sentWith: action.sentWith ?? '' },
        lanes: Object.fromEntries(Object.entries(events.lanes).map(([id, l]) => [id, { ...l, seq: null, delay: null }])),
      };
    case 'write-done':
      return { ...events, write: { ...events.write, state: 'done', ...action.result } };
    case 'delivery': {
      const lane = events.lanes[action.lane];
      if (!lane) return events;
      let next = lane;
      if (action.kind === 'request') next = { ...lane, requests: lane.requests + 1 };
      else if (action.kind === 'message') next = { ...lane, messages: lane.messages + 1 };
      else if (action.kind === 'state') next = { ...lane, status: action.status, code: action.code ?? null, detail: action.detail ?? '' };
      else if (action.kind === 'inbox') next = { ...lane, inbox: action.delivery };
      else if (action.kind === 'event') {
        next = { ...lane, events: lane.events + 1 };
        // The event the write caused: the first user.updated carrying the name just written.
        const w = events.write;
        if (lane.seq === null && w.name && action.eventType === 'user.updated' && action.name === w.name) {
          next = { ...next, seq: action.seq, delay: action.at - w.t0 };
        }
      }
      return { ...events, lanes: { ...events.lanes, [action.lane]: next } };
    }
    default:
      return events;
  }
}

const stamp = () => new Date().toTimeString().slice(0, 8) + '.' + String(new Date().getMilliseconds()).padStart(3, '0');

/** Renames user 1 with the chosen credential: PATCH /api/v1/users/1, as any REST client would. */
export async function makeChange(credential, dispatch) {
  const name = `Alice Anders ${stamp()}`;
  let auth;
  try {
    auth = await resolve(credential);
  } catch (e) {
    dispatch({ type: 'write-start', name, t0: performance.now(), sentWith: `a token for ${credential}` });
    dispatch({ type: 'write-done', result: { status: 'not sent', code: 'UNAUTHENTICATED', detail: e.message } });
    return;
  }
  // The header the credential travels in, shortened for showing: a JWT is hundreds of characters.
  const sentWith = Object.entries(headers(auth))
    .map(([k, v]) => `${k}: ${v.length > 40 ? v.slice(0, 24) + '…' : v}`)
    .join('');
  dispatch({ type: 'write-start', name, t0: performance.now(), sentWith });
  try {
    const response = await fetch('/api/v1/users/1', {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', ...headers(auth) },
      body: JSON.stringify({ name }),
    });
    const body = await response.json().catch(() => null);
    dispatch({
      type: 'write-done',
      result: {
        status: httpStatus(response),
        code: response.ok ? 'OK' : body?.code ?? codeForHttp(response.status),
        detail: response.ok ? '' : body?.detail ?? '',
      },
    });
  } catch (e) {
    dispatch({ type: 'write-done', result: { status: 'no answer', code: 'UNAVAILABLE', detail: e.message } });
  }
}

function cost(d, lane) {
  const requests = `${lane.requests} ${lane.requests === 1 ? 'request' : 'requests'}`;
  const connections = `${lane.requests} ${lane.requests === 1 ? 'connection' : 'connections'}`;
  const messages = `${lane.messages} ${lane.messages === 1 ? 'message' : 'messages'}`;
  if (d.id === 'poll' || d.id === 'long-poll') return requests;
  if (d.id === 'webhook') return `${lane.requests} ${lane.requests === 1 ? 'POST' : 'POSTs'} by the server`;
  return `${d.id === 'sse' || d.id === 'grpc-stream' ? requests : connections}, ${messages}`;
}

/** Requests (or connections, or POSTs) paid per event received: polling's waste, measured. */
function perEvent(lane) {
  return lane.events ? `${(lane.requests / lane.events).toFixed(lane.requests % lane.events ? 1 : 0)} per event` : '—';
}

function Delivery({ d, lane, maxDelay }) {
  const status = lane.status === 'refused' ? lane.code : lane.status;
  return html`<article class=${'delivery ' + lane.status} data-delivery=${d.id} data-state=${lane.status}
      data-code=${lane.code ?? undefined} aria-labelledby=${'delivery-' + d.id}>
    <h3 id=${'delivery-' + d.id}>${d.name}</h3>
    <p class="how">${d.how}</p>
    <p class="delivery-status"><span class=${'badge ' + (lane.status === 'refused' ? 'fail' : lane.status === 'listening' ? 'ok' : 'idle')}>${status}</span>
      ${lane.detail && html` <span class="detail">${lane.detail}</span>`}</p>
    <dl>
      <div><dt>seq</dt><dd data-part="seq">${lane.seq ?? '—'}</dd></div>
      <div><dt>delay</dt><dd data-part="delay">${lane.delay === null ? '—' : ms(lane.delay)}</dd></div>
      <div><dt>cost</dt><dd data-part="cost">${cost(d, lane)}</dd></div>
      <div><dt>per event</dt><dd data-part="per-event">${perEvent(lane)}</dd></div>
    </dl>
    <${Bar} max=${maxDelay} segments=${[{ value: lane.delay ?? 0, cls: 'delay', title: `delay ${ms(lane.delay)}` }]} />
    ${lane.inbox && html`<${Inbox} delivery=${lane.inbox} />`}
  </article>`;
}

/** The last delivery the server's receiver took: its Standard Webhooks headers, and the body. */
function Inbox({ delivery }) {
  const text = `POST /api/v1/webhooks/inbox/…
webhook-id: ${delivery.webhookId}
webhook-timestamp: ${delivery.webhookTimestamp}
webhook-signature: ${delivery.webhookSignature}

${JSON.stringify(delivery.body, null, 2)}`;
  return html`<details class="inbox" data-part="inbox">
    <summary>Last delivery, signature <strong>${delivery.verified ? 'verified' : 'refused'}</strong></summary>
    <pre>${text}</pre>
  </details>`;
}

function WriteResult({ write }) {
  if (write.state === 'idle') return html`<span class="muted">Nothing written yet.</span>`;
  const sent = html`<code>PATCH /api/v1/users/1 {"name": "${write.name ?? ''}"}</code>${write.sentWith
    ? html` with <code>${write.sentWith}</code>` : ' with no credential'}`;
  if (write.state === 'sending') return html`${sent} → …`;
  return html`${sent} → <span class=${'badge ' + (write.code === 'OK' ? 'ok' : 'fail')}>${write.status}</span>
    ${write.code !== 'OK' && html` <span>${write.code}${write.detail ? ': ' + write.detail : ''}</span>`}`;
}

export function EventsPanel({ state, dispatch }) {
  const { write, lanes } = state.events;
  const maxDelay = Math.max(0, ...Object.values(lanes).map((l) => l.delay ?? 0));
  return html`<section class="panel events-panel" data-panel="events" aria-labelledby="events-title">
    <div class="panel-head">
      <h2 id="events-title">One change, seven ways to hear about it</h2>
    </div>
    <p class="lead">Here the browser is the client, as a web page using each style would be: it polls, long-polls,
      holds an <code>EventSource</code>, two WebSockets and a gRPC-Web stream, all with the credential chosen above;
      and it registers a webhook, so the server itself POSTs each event to its built-in receiver.
      The button renames user 1; every listener shows the <code>seq</code> of the event that change caused, how long
      after the click it arrived, and what listening has cost so far (watch polling's count grow while nothing happens).</p>
    <div class="write-row">
      <button type="button" class="primary" data-action="write" onClick=${() => makeChange(state.credential, dispatch)}>Rename user 1</button>
      <p class="write-result" role="status" aria-live="polite"><${WriteResult} write=${write} /></p>
    </div>
    <div class="deliveries">
      ${DELIVERIES.map((d) => html`<${Delivery} key=${d.id} d=${d} lane=${lanes[d.id]} maxDelay=${maxDelay} />`)}
    </div>
  </section>`;
}
