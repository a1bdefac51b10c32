// The OAuth 2.0 authorization code flow, step by step. The server plays the browser and the app
// (a public client using PKCE) against itself and records every exchange, because a browser hides
// the redirects that carry the code; each step is then shown like a lane.

import { html, useState } from '/web/vendor/standalone.module.js';
import { Code } from '/web/highlight.js';
import { Bar, ms, bytes, httpStatus } from '/web/ui.js';

const USERS = [
  { value: 'alice', password: 'alice-password', label: 'alice (user 1)' },
  { value: 'admin', password: 'admin-password', label: 'admin' },
];

function Step({ step, index, maxMs }) {
  const ok = /^[23]/.test(step.status);
  return html`<li class="oauth-step" data-step=${index + 1}>
    <div class="oauth-step-head">
      <h3><span class="step-number">${index + 1}.</span> ${step.title}</h3>
      <span class=${'badge ' + (ok ? 'ok' : 'fail')} data-part="status">${step.status}</span>
      <div class="metric">
        <span class="metric-name">latency</span>
        <${Bar} segments=${[{ value: step.totalMs, cls: 'wait', title: ms(step.totalMs) }]} max=${maxMs} />
        <span class="metric-value" data-part="latency">${ms(step.totalMs)}</span>
      </div>
      <span class="metric-value" data-part="bytes">${bytes(step.bytesSent)} sent / ${bytes(step.bytesReceived)} received</span>
    </div>
    <p class="explanation">${step.explanation}</p>
    <div class="exchange">
      <div class="pane">
        <h4>Request</h4>
        <${Code} text=${step.request} data-part="request" aria-label=${`step ${index + 1} request`} />
      </div>
      <div class="pane">
        <h4>Response</h4>
        <${Code} text=${step.response} data-part="response" aria-label=${`step ${index + 1} response`} />
      </div>
    </div>
  </li>`;
}

export function OAuthPanel() {
  const [user, setUser] = useState('alice');
  // state: idle | running | done | failed
  const [walk, setWalk] = useState({ state: 'idle', steps: [], message: '' });

  async function run() {
    const chosen = USERS.find((u) => u.value === user);
    setWalk({ state: 'running', steps: [], message: '' });
    try {
      const response = await fetch('/api/v1/playground/oauth-walkthrough', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: chosen.value, password: chosen.password }),
      });
      const answer = await response.json().catch(() => null);
      if (!response.ok || !Array.isArray(answer?.steps)) {
        setWalk({ state: 'failed', steps: [], message: `The walkthrough was refused (${httpStatus(response)})${answer?.detail ? ': ' + answer.detail : ''}` });
        return;
      }
      const total = answer.steps.reduce((sum, s) => sum + s.totalMs, 0);
      setWalk({
        state: answer.error ? 'failed' : 'done',
        steps: answer.steps,
        message: answer.error
          ? `The flow stopped after ${answer.steps.length} steps: ${answer.error}`
          : `${answer.steps.length} HTTP exchanges, ${ms(total)} in all, to get a token and use it once.`,
      });
    } catch (e) {
      setWalk({ state: 'failed', steps: [], message: `The walkthrough did not run: ${e.message}` });
    }
  }

  const maxMs = Math.max(0, ...walk.steps.map((s) => s.totalMs));
  return html`<section class="panel oauth-panel" data-panel="oauth" aria-labelledby="oauth-title">
    <div class="panel-head"><h2 id="oauth-title">OAuth 2.0, step by step</h2></div>
    <p class="lead">The authorization code flow with PKCE, as a single-page app (the public client <code>demo-spa</code>)
      runs it: the app sends the user to the consent page, the user logs in and approves, the browser comes back with
      a one-time code, and the app trades the code and its secret verifier for tokens. A browser hides these
      redirects, so the server plays both sides against its own listener and records each exchange.</p>
    <div class="write-row">
      <div class="field">
        <label for="oauth-user">The user who approves</label>
        <select id="oauth-user" data-field="oauth-user" value=${user} onChange=${(e) => setUser(e.target.value)}>
          ${USERS.map((u) => html`<option value=${u.value}>${u.label}</option>`)}
        </select>
      </div>
      <button type="button" data-action="oauth-walk" disabled=${walk.state === 'running'} onClick=${run}>Walk through the flow</button>
      <p class=${'run-message ' + walk.state} role="status" aria-live="polite">${walk.state === 'running' ? 'Walking through…' : walk.message}</p>
    </div>
    ${walk.steps.length > 0 && html`<ol class="oauth-steps">
      ${walk.steps.map((step, i) => html`<${Step} key=${i} step=${step} index=${i} maxMs=${maxMs} />`)}
    </ol>`}
  </section>`;
}
