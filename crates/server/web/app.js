// The playground page: its whole state lives here, in one reducer; the panels render it and
// send actions back.

import { html, render, useReducer, useEffect, useRef } from '/web/vendor/standalone.module.js';
import { defaultArgs, operation, toArgs } from '/web/operations.js';
import { resolve } from '/web/credentials.js';
import { Controls } from '/web/form.js';
import { Lanes } from '/web/lanes.js';
import { EventsPanel, eventsReducer, initialEvents } from '/web/events.js';
import { listen, DELIVERIES } from '/web/listeners.js';
import { OAuthPanel } from '/web/oauth.js';
import { ms, httpStatus } from '/web/ui.js';

const LARGE_TYPE = 'api-playground.largeType';

function storedLargeType() {
  try {
    return localStorage.getItem(LARGE_TYPE) === '1';
  } catch {
    return false;
  }
}

const initialState = () => ({
  operation: 'getUser',
  args: defaultArgs(),
  credential: 'demo-read-key',
  // The teaching knobs every lane's call carries: delay in ms, and a status to fail with.
  knobs: { delay: '', fail: '', rtt: '' },
  largeType: storedLargeType(),
  // state: idle | running | done | failed; result: the compare answer of the last run
  run: { state: 'idle', result: null, message: '' },
  events: initialEvents(),
});

function reducer(state, action) {
  switch (action.type) {
    case 'operation':
      return { ...state, operation: action.value };
    case 'arg':
      return { ...state, args: { ...state.args, [action.operation]: { ...state.args[action.operation], [action.name]: action.value } } };
    case 'credential':
      return { ...state, credential: action.value };
    case 'knob':
      return { ...state, knobs: { ...state.knobs, [action.name]: action.value } };
    case 'large-type':
      return { ...state, largeType: !state.largeType };
    case 'run-start':
      return { ...state, run: { ...state.run, state: 'running', message: '' } };
    case 'run-done':
      return { ...state, run: { state: 'done', result: action.result, message: action.message } };
    case 'run-failed':
      return { ...state, run: { ...state.run, state: 'failed', message: action.message } };
    default:
      return { ...state, events: eventsReducer(state.events, action) };
  }
}

let lastRun = 0;

/** One POST to the compare endpoint: the server makes the five calls and answers all five captures. */
async function runCompare(state, dispatch) {
  const op = operation(state.operation);
  const { args, error } = toArgs(op, state.args[op.name]);
  if (error) {
    dispatch({ type: 'run-failed', message: error });
    return;
  }
  const knobs = {};
  if (state.knobs.delay !== '') {
    const delay = Number(state.knobs.delay);
    if (!Number.isInteger(delay) || delay < 0 || delay > 2000) {
      dispatch({ type: 'run-failed', message: 'The delay is a whole number of milliseconds from 0 to 2,000.' });
      return;
    }
    knobs.delayMs = delay;
  }
  if (state.knobs.rtt !== '') {
    const rtt = Number(state.knobs.rtt);
    if (!Number.isInteger(rtt) || rtt < 0 || rtt > 500) {
      dispatch({ type: 'run-failed', message: 'The round trip is a whole number of milliseconds from 0 to 500.' });
      return;
    }
    knobs.rttMs = rtt;
  }
  if (state.knobs.fail !== '') knobs.fail = state.knobs.fail;
  const run = ++lastRun;
  dispatch({ type: 'run-start' });
  const failed = (message) => run === lastRun && dispatch({ type: 'run-failed', message });
  try {
    const auth = await resolve(state.credential);
    const started = performance.now();
    const response = await fetch('/api/v1/playground/compare', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ operation: op.name, args, ...auth, ...knobs }),
    });
    const answer = await response.json().catch(() => null);
    if (run !== lastRun) return;
    if (!response.ok || !Array.isArray(answer?.lanes)) {
      const why = response.status === 503 ? 'the server is running as many comparisons as it takes at once; try again in a moment' : answer?.detail;
      failed(`The comparison was refused (${httpStatus(response)})${why ? ': ' + why : ''}`);
      return;
    }
    const message = `Ran ${answer.operation} on all five protocols in ${ms(performance.now() - started)} (round trip from the browser).`;
    dispatch({ type: 'run-done', result: answer, message });
  } catch (e) {
    failed(`The comparison did not run: ${e.message}`);
  }
}

function App() {
  const [state, dispatch] = useReducer(reducer, undefined, initialState);
  const current = useRef(state);
  current.current = state;

  // The first run happens on load, so the page opens on getUser 42 already compared.
  useEffect(() => {
    runCompare(current.current, dispatch);
  }, []);

  // The listeners speak with the chosen credential: a new credential, new connections.
  useEffect(() => {
    let handle = null;
    let cancelled = false;
    dispatch({ type: 'listeners-reset' });
    const credential = state.credential;
    resolve(credential)
      .then(() => {
        if (!cancelled) handle = listen(() => resolve(credential), (lane, what) => dispatch({ type: 'delivery', lane, ...what }));
      })
      .catch((e) => {
        for (const d of DELIVERIES) {
          dispatch({ type: 'delivery', lane: d.id, kind: 'state', status: 'refused', code: 'UNAUTHENTICATED', detail: e.message });
        }
      });
    return () => {
      cancelled = true;
      handle?.stop();
    };
  }, [state.credential]);

  useEffect(() => {
    document.documentElement.classList.toggle('large', state.largeType);
    try {
      localStorage.setItem(LARGE_TYPE, state.largeType ? '1' : '0');
    } catch {
      // Storage disabled: the choice lasts until reload.
    }
  }, [state.largeType]);

  return html`
    <header class="top">
      <div class="brand">
        <h1>api-playground</h1>
        <p>One domain, five protocols, one port: REST, GraphQL, gRPC, WebSocket JSON-RPC and SOAP side by side.</p>
      </div>
      <nav aria-label="More of this server">
        <a href="/docs">REST docs</a>
        <a href="/graphql">GraphiQL</a>
        <a href="/soap?wsdl">WSDL</a>
        <button type="button" class="small" aria-pressed=${state.largeType ? 'true' : 'false'}
          onClick=${() => dispatch({ type: 'large-type' })}>Large type</button>
      </nav>
    </header>
    <main id="main">
      <${Controls} state=${state} dispatch=${dispatch} onRun=${() => runCompare(current.current, dispatch)} />
      <p class="why" id="why">The five calls are made by the server’s own clients over its own listener, because a
        browser cannot see the headers it sends, nor speak native gRPC: what you see below are the real bytes that
        crossed the socket, for each protocol.</p>
      <p class=${'run-message ' + state.run.state} role="status" aria-live="polite">${state.run.state === 'running' ? 'Running on all five…' : state.run.message}</p>
      <${Lanes} run=${state.run} />
      <${EventsPanel} state=${state} dispatch=${dispatch} />
      <${OAuthPanel} />
    </main>
    <footer>
      Served by the binary itself, with no request to any other site. Third-party code: Preact with htm, and
      speed-highlight (<a href="/web/vendor/VENDOR.md">versions</a>, <a href="/web/vendor/LICENSES.md">licences</a>).
    </footer>`;
}

render(html`<${App} />`, document.getElementById('app'));
