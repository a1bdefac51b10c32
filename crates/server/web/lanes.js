// The five lanes: one per protocol, with the exchange as it crossed the wire, the status in the
// protocol's own terms, and bars for latency and bytes scaled to the largest of the five.

import { html } from '/web/vendor/standalone.module.js';
import { Code } from '/web/highlight.js';
import { CopyAs } from '/web/copy.js';
import { Bar, ms, bytes } from '/web/ui.js';

export const PROTOCOLS = [
  { id: 'rest', name: 'REST', about: 'a resource URL and an HTTP method' },
  { id: 'graphql', name: 'GraphQL', about: 'one endpoint; the query picks the fields' },
  { id: 'grpc', name: 'gRPC', about: 'protobuf messages over HTTP/2' },
  { id: 'websocket', name: 'WebSocket', about: 'JSON-RPC 2.0 on one long-lived connection' },
  { id: 'soap', name: 'SOAP', about: 'an XML envelope posted to one endpoint' },
];

function latencySegments(l) {
  const connect = Math.max(0, l?.connectMs ?? 0);
  const first = Math.max(connect, l?.firstByteMs ?? connect);
  const total = Math.max(first, l?.totalMs ?? first);
  return [
    { value: connect, cls: 'connect', title: `connect ${ms(connect)}` },
    { value: first - connect, cls: 'wait', title: `waiting for the first byte ${ms(first - connect)}` },
    { value: total - first, cls: 'transfer', title: `receiving the rest ${ms(total - first)}` },
  ];
}

function Timeline({ exchange }) {
  if (!exchange?.length) return null;
  const shown = exchange.slice(0, 300);
  return html`<details class="timeline">
    <summary>${exchange.length} ${exchange.length === 1 ? 'chunk' : 'chunks'} on the wire, in time order</summary>
    <table>
      <thead><tr><th scope="col">at</th><th scope="col">way</th><th scope="col">bytes</th><th scope="col">what</th></tr></thead>
      <tbody>${shown.map((c) => html`<tr class=${c.direction}>
        <td>${ms(c.atMs)}</td><td>${c.direction === 'sent' ? '→ sent' : '← received'}</td>
        <td>${bytes(c.bytes)}</td><td>${c.summary}</td></tr>`)}</tbody>
    </table>
    ${exchange.length > shown.length && html`<p>… and ${exchange.length - shown.length} more.</p>`}
  </details>`;
}

function Lane({ protocol, lane, running, maxTotal, maxBytes }) {
  const headingId = `lane-${protocol.id}-title`;
  const code = lane?.code;
  return html`<section class=${'lane' + (running ? ' busy' : '')} id=${'lane-' + protocol.id} data-lane=${protocol.id}
      data-status=${running ? undefined : code} aria-labelledby=${headingId} aria-busy=${running ? 'true' : 'false'}>
    <div class="lane-head">
      <div class="lane-name">
        <h3 id=${headingId}>${protocol.name}</h3>
        <p class="transport">${lane?.transport ?? protocol.about}</p>
      </div>
      <div class="lane-status">
        ${lane ? html`<span class=${'badge ' + (code === 'OK' ? 'ok' : 'fail')}>${code}</span>
          <span class="proto-status">${lane.status}</span>`
        : html`<span class="badge idle">${running ? 'running…' : 'not run yet'}</span>`}
      </div>
      <div class="metric">
        <span class="metric-name">latency</span>
        <${Bar} segments=${latencySegments(lane?.latency)} max=${maxTotal} />
        <span class="metric-value" data-part="latency">${lane ? ms(lane.latency?.totalMs) : ''}</span>
      </div>
      <div class="metric">
        <span class="metric-name">bytes</span>
        <${Bar} max=${maxBytes} segments=${[
          { value: lane?.bytes?.sent ?? 0, cls: 'sent', title: `sent ${bytes(lane?.bytes?.sent)} (payload ${bytes(lane?.bytes?.sentPayload)})` },
          { value: lane?.bytes?.received ?? 0, cls: 'received', title: `received ${bytes(lane?.bytes?.received)} (payload ${bytes(lane?.bytes?.receivedPayload)})` },
        ]} />
        <span class="metric-value" data-part="bytes">${lane ? `${bytes(lane.bytes?.sent)} sent / ${bytes(lane.bytes?.received)} received` : ''}</span>
      </div>
      ${lane?.bytes && html`<p class="payload">payload ${bytes(lane.bytes.sentPayload)} sent / ${bytes(lane.bytes.receivedPayload)} received; the rest is framing and headers</p>`}
      <${CopyAs} copyAs=${lane?.copyAs} protocol=${protocol.name} />
    </div>
    ${lane?.error && html`<p class="lane-error" role="note">No answer: ${lane.error}</p>`}
    <div class="exchange">
      <div class="pane">
        <h4>Request <span class="pane-hint">what the client sent</span></h4>
        <${Code} text=${lane?.request} data-part="request" aria-label=${`${protocol.name} request`} />
      </div>
      <div class="pane">
        <h4>Response <span class="pane-hint">what came back</span></h4>
        <${Code} text=${lane?.response} data-part="response" aria-label=${`${protocol.name} response`} />
      </div>
    </div>
    <${Timeline} exchange=${lane?.exchange} />
  </section>`;
}

// All five in a few rows, so the differences show without scrolling through the lanes.
function Glance({ lanes, maxTotal, maxBytes }) {
  return html`<table class="glance">
    <caption>At a glance: the same call, five ways. Bars are scaled to the largest of the five.</caption>
    <thead><tr><th scope="col">protocol</th><th scope="col">status, in its own terms</th>
      <th scope="col">latency</th><th scope="col">bytes on the wire (sent, received)</th></tr></thead>
    <tbody>${PROTOCOLS.map((p) => {
      const l = lanes.find((x) => x.protocol === p.id);
      if (!l) return null;
      const wire = (l.bytes?.sent ?? 0) + (l.bytes?.received ?? 0);
      return html`<tr key=${p.id}>
        <th scope="row"><a href=${'#lane-' + p.id}>${p.name}</a> ${l.transport !== p.name && html`<span class="transport">${l.transport}</span>`}</th>
        <td><span class=${'badge ' + (l.code === 'OK' ? 'ok' : 'fail')}>${l.code}</span> <span class="proto-status">${l.error ? 'no answer' : l.status}</span></td>
        <td><div class="glance-metric"><${Bar} segments=${latencySegments(l.latency)} max=${maxTotal} /><span>${ms(l.latency?.totalMs)}</span></div></td>
        <td><div class="glance-metric"><${Bar} max=${maxBytes} segments=${[
          { value: l.bytes?.sent ?? 0, cls: 'sent', title: `sent ${bytes(l.bytes?.sent)}` },
          { value: l.bytes?.received ?? 0, cls: 'received', title: `received ${bytes(l.bytes?.received)}` },
        ]} /><span>${bytes(wire)}</span></div></td>
      </tr>`;
    })}</tbody>
  </table>`;
}

function Summary({ result }) {
  const lanes = result.lanes.filter((l) => !l.error && l.latency);
  if (!lanes.length) return null;
  const name = (l) => PROTOCOLS.find((p) => p.id === l.protocol)?.name ?? l.protocol;
  const fastest = lanes.reduce((a, b) => (b.latency.totalMs < a.latency.totalMs ? b : a));
  const slowest = lanes.reduce((a, b) => (b.latency.totalMs > a.latency.totalMs ? b : a));
  const wire = (l) => (l.bytes?.sent ?? 0) + (l.bytes?.received ?? 0);
  const smallest = lanes.reduce((a, b) => (wire(b) < wire(a) ? b : a));
  const largest = lanes.reduce((a, b) => (wire(b) > wire(a) ? b : a));
  const codes = [...new Set(result.lanes.map((l) => l.code))];
  return html`<p class="summary">
    ${codes.length === 1 ? html`All five answered <strong>${codes[0]}</strong>. ` : html`The answers differ: ${codes.join(', ')}. `}
    Fastest ${name(fastest)} (${ms(fastest.latency.totalMs)}), slowest ${name(slowest)} (${ms(slowest.latency.totalMs)});
    fewest bytes ${name(smallest)} (${bytes(wire(smallest))}), most ${name(largest)} (${bytes(wire(largest))}).
  </p>`;
}

export function Lanes({ run }) {
  const running = run.state === 'running';
  const lanes = run.result?.lanes ?? [];
  const maxTotal = Math.max(0, ...lanes.map((l) => l.latency?.totalMs ?? 0));
  const maxBytes = Math.max(0, ...lanes.map((l) => (l.bytes?.sent ?? 0) + (l.bytes?.received ?? 0)));
  return html`<section class="panel lanes-panel" aria-labelledby="lanes-title">
    <div class="panel-head">
      <h2 id="lanes-title">${run.result ? html`<code>${run.result.operation}</code> on five protocols` : 'Five protocols, one call'}</h2>
      <p class="legend" aria-hidden="true">
        <span><i class="seg connect"></i>connect</span><span><i class="seg wait"></i>first byte</span><span><i class="seg transfer"></i>receiving</span>
        <span><i class="seg sent"></i>sent</span><span><i class="seg received"></i>received</span>
      </p>
    </div>
    ${run.result && !running && html`<${Summary} result=${run.result} />
      <${Glance} lanes=${lanes} maxTotal=${maxTotal} maxBytes=${maxBytes} />`}
    <div class="lanes">
      ${PROTOCOLS.map((p) => html`<${Lane} key=${p.id} protocol=${p} running=${running}
        lane=${lanes.find((l) => l.protocol === p.id)} maxTotal=${maxTotal} maxBytes=${maxBytes} />`)}
    </div>
  </section>`;
}
