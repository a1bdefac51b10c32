// The control panel: the operation, one input per argument (named as the JSON-RPC params are),
// the credential, and the button that runs the call on all five protocols at once.

import { html, useState, useEffect } from '/web/vendor/standalone.module.js';
import { OPERATIONS, operation } from '/web/operations.js';
import { CREDENTIALS, describe, watch } from '/web/credentials.js';

const groups = [...new Set(OPERATIONS.map((op) => op.group))];

function ArgInput({ arg, value, onChange }) {
  const id = `arg-${arg.name}`;
  const hint = arg.hint && html`<small id=${id + '-hint'} class="hint">${arg.hint}</small>`;
  const described = arg.hint ? id + '-hint' : undefined;
  if (arg.kind === 'bool') {
    return html`<div class="field check">
      <input id=${id} type="checkbox" data-field=${arg.name} checked=${Boolean(value)} aria-describedby=${described}
        onChange=${(e) => onChange(e.currentTarget.checked)} />
      <label for=${id}>${arg.name}</label>${hint}
    </div>`;
  }
  if (arg.kind === 'choice') {
    return html`<div class="field">
      <label for=${id}>${arg.name}</label>
      <select id=${id} data-field=${arg.name} value=${value} aria-describedby=${described}
        onChange=${(e) => onChange(e.currentTarget.value)}>
        ${arg.choices.map((c) => html`<option value=${c}>${c === '' ? '(any)' : c}</option>`)}
      </select>${hint}
    </div>`;
  }
  return html`<div class=${'field' + (arg.kind === 'json' ? ' wide' : '')}>
    <label for=${id}>${arg.name}</label>
    <input id=${id} data-field=${arg.name} value=${value} aria-describedby=${described}
      type="text" inputmode=${arg.kind === 'int' ? 'numeric' : undefined} spellcheck="false" autocomplete="off"
      class=${arg.kind === 'int' ? 'num' : arg.kind === 'json' ? 'mono' : ''}
      onInput=${(e) => onChange(e.currentTarget.value)} />${hint}
  </div>`;
}

function duration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
}

const when = (seconds) => new Date(seconds * 1000).toLocaleTimeString('en-GB');

// What each part of the token is for, as the server reads it.
const MEANING = {
  alg: 'signature algorithm: the server takes ES256 only (never none, never HS256)',
  typ: 'the kind of token',
  kid: 'which of the server’s keys signed it',
  sub: 'subject: the user id; without admin, a token reaches only that user’s orders',
  preferred_username: 'the user’s name, for showing',
  scope: 'what it may do, space-separated',
  exp: 'expires at (Unix seconds; the server allows 1 s of clock skew)',
  iat: 'issued at',
  nbf: 'not valid before',
  iss: 'issuer: the server that signed it',
  aud: 'audience: who is to accept it',
  jti: 'this token’s own id',
};

function Claim({ part, name, value }) {
  const shown = typeof value === 'string' ? value : JSON.stringify(value);
  const time = (name === 'exp' || name === 'iat' || name === 'nbf') && typeof value === 'number' ? ` (${when(value)})` : '';
  return html`<tr data-claim=${name}><td>${part}</td><th scope="row"><code>${name}</code></th>
    <td><code>${shown}</code>${time}</td><td>${MEANING[name] ?? ''}</td></tr>`;
}

/** The token's header and payload, claim by claim, with what each is for. */
function Decoded({ header, payload, signature }) {
  return html`<details class="decoded">
    <summary>the token, decoded</summary>
    <p class="muted">A JWT is three base64url parts joined by dots: header, payload, signature. This browser decoded the
      first two; it does not check the signature: the server does, on every call, with the public key named by <code>kid</code> (published
      at <a href="/.well-known/jwks.json">/.well-known/jwks.json</a>).</p>
    <div class="claims-scroll"><table class="claims" data-part="claims">
      <thead><tr><th scope="col">part</th><th scope="col">name</th><th scope="col">value</th><th scope="col">what it is</th></tr></thead>
      <tbody>
        ${Object.entries(header ?? {}).map(([name, value]) => html`<${Claim} key=${'h.' + name} part="header" name=${name} value=${value} />`)}
        ${Object.entries(payload ?? {}).map(([name, value]) => html`<${Claim} key=${'p.' + name} part="payload" name=${name} value=${value} />`)}
        <tr><td>signature</td><th scope="row">—</th><td>${`${Math.floor((signature.length * 3) / 4)} bytes`}</td>
          <td>ECDSA P-256 over the first two parts: changing one character of them makes it fail</td></tr>
      </tbody>
    </table></div>
  </details>`;
}

/**
 * Which kind of credential the calls carry, and how: an API key as it is, or a JWT from a login,
 * with what its payload claims and how long it has left.
 */
export function CredentialInfo({ value }) {
  const [, redraw] = useState(0);
  useEffect(() => watch((changed) => changed === value && redraw((n) => n + 1)), [value]);
  const info = describe(value);
  const ticking = info.kind === 'jwt' && info.state === 'ready';
  useEffect(() => {
    if (!ticking) return undefined;
    const timer = setInterval(() => redraw((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, [ticking, info.token]);

  // htm drops whitespace holding a line break next to a tag: these lines break between words.
  let line;
  if (info.kind === 'none') {
    line = html`<strong>No credential</strong>: every domain call is refused UNAUTHENTICATED (REST answers 401 with <code>WWW-Authenticate</code>).`;
  } else if (info.kind === 'apiKey') {
    line = html`<strong>API key</strong> <code>${info.key}</code>: an application identity with scopes, no user. Sent as <code>X-API-Key</code> (gRPC
      metadata <code>x-api-key</code>; query <code>api_key=</code> where a header cannot be set: EventSource, browser WebSocket).`;
  } else if (info.state === 'ready') {
    const p = info.payload ?? {};
    const left = info.expires - Date.now();
    const expires = left > 0 ? `expires in ${duration(left)}` : `expired ${duration(-left)} ago; the next call logs in again`;
    line = html`<strong>JWT</strong> for ${p.preferred_username ?? info.username} (sub ${p.sub ?? '?'}, scopes <code class="scopes">${p.scope ?? ''}</code>), signed ${info.header?.alg ?? '?'} with
      key <code>${info.header?.kid ?? '?'}</code>, <span data-part="expires">${expires}</span>. From <code>POST /auth/login</code>; sent as <code>Authorization: Bearer …</code> (gRPC
      metadata <code>authorization</code>; query <code>access_token=</code> for EventSource and browser WebSocket; <code>connection_init</code> for the GraphQL
      subscription). <${Decoded} header=${info.header} payload=${info.payload} signature=${info.signature} />`;
  } else if (info.state === 'failed') {
    line = html`<strong>JWT</strong> for ${info.username}: ${info.error}`;
  } else {
    line = html`<strong>JWT</strong> for ${info.username}: logging in (<code>POST /auth/login</code>)…`;
  }
  return html`<div class="credential-info" data-part="credential-info" data-kind=${info.kind}>${line}</div>`;
}

// The statuses of the error table, which the fail knob takes.
const FAILURES = [
  ['', 'nothing (run the call)'],
  ['400', '400 INVALID_ARGUMENT'],
  ['401', '401 UNAUTHENTICATED'],
  ['403', '403 PERMISSION_DENIED'],
  ['404', '404 NOT_FOUND'],
  ['409', '409 CONFLICT'],
  ['429', '429 RATE_LIMITED'],
  ['500', '500 INTERNAL'],
  ['503', '503 UNAVAILABLE'],
];

export function Controls({ state, dispatch, onRun }) {
  const op = operation(state.operation);
  const values = state.args[op.name];
  const submit = (e) => {
    e.preventDefault();
    onRun();
  };
  // Enter runs from every control, not only from text inputs (a select or a checkbox does not submit).
  const keydown = (e) => {
    const t = e.target;
    if (e.key === 'Enter' && (t.tagName === 'SELECT' || t.type === 'checkbox')) {
      e.preventDefault();
      onRun();
    }
  };
  return html`<form class="panel controls" onSubmit=${submit} onKeyDown=${keydown} aria-label="The call to make">
    <div class="field">
      <label for="operation">Operation</label>
      <select id="operation" data-field="operation" value=${state.operation}
        onChange=${(e) => dispatch({ type: 'operation', value: e.currentTarget.value })}>
        ${groups.map((g) => html`<optgroup label=${g}>
          ${OPERATIONS.filter((o) => o.group === g).map((o) => html`<option value=${o.name}>${o.name}</option>`)}
        </optgroup>`)}
      </select>
      <small class="hint">${op.write ? 'changes data: needs a write scope' : 'reads only'}</small>
    </div>
    ${op.args.map((arg) => html`<${ArgInput} key=${op.name + '.' + arg.name} arg=${arg} value=${values[arg.name]}
      onChange=${(value) => dispatch({ type: 'arg', operation: op.name, name: arg.name, value })} />`)}
    <div class="field">
      <label for="credential">Credential</label>
      <select id="credential" data-field="credential" value=${state.credential}
        onChange=${(e) => dispatch({ type: 'credential', value: e.currentTarget.value })}>
        ${CREDENTIALS.map((c) => html`<option value=${c.value}>${c.label}</option>`)}
      </select>
      <small class="hint">used by the five calls and by the events below</small>
    </div>
    <fieldset class="knobs">
      <legend>Knobs <small class="hint">what the server does to each of the five calls</small></legend>
      <div class="field">
        <label for="knob-delay">Delay (ms)</label>
        <input id="knob-delay" data-knob="delay" type="number" min="0" max="2000" step="50" inputmode="numeric"
          value=${state.knobs.delay} placeholder="0"
          onInput=${(e) => dispatch({ type: 'knob', name: 'delay', value: e.currentTarget.value })} />
        <small class="hint"><code>X-Playground-Delay</code>, up to 2,000</small>
      </div>
      <div class="field">
        <label for="knob-rtt">Round trip (ms)</label>
        <input id="knob-rtt" data-knob="rtt" type="number" min="0" max="500" step="10" inputmode="numeric"
          value=${state.knobs.rtt} placeholder="0"
          onInput=${(e) => dispatch({ type: 'knob', name: 'rtt', value: e.currentTarget.value })} />
        <small class="hint">a network's latency: one for the handshake, one per request</small>
      </div>
      <div class="field">
        <label for="knob-fail">Fail with</label>
        <select id="knob-fail" data-knob="fail" value=${state.knobs.fail}
          onChange=${(e) => dispatch({ type: 'knob', name: 'fail', value: e.currentTarget.value })}>
          ${FAILURES.map(([value, label]) => html`<option value=${value}>${label}</option>`)}
        </select>
        <small class="hint"><code>X-Playground-Fail</code>: see one error in five forms</small>
      </div>
    </fieldset>
    <div class="field run">
      <button type="submit" class="primary" data-action="run" aria-describedby="why">
        ${state.run.state === 'running' ? 'Running…' : 'Run on all five'}
      </button>
      <small class="hint">or press Enter in any field</small>
    </div>
    <${CredentialInfo} value=${state.credential} />
  </form>`;
}
