// The graphql-ws reference client (graphql-transport-ws) against /graphql/ws: connect with
// connectionParams, subscribe to USER_CREATED, create a user over REST, and expect that user's
// event. Usage: node subscribe.mjs http://127.0.0.1:PORT  (exit 0 on success, 1 with a message).
import { createClient } from 'graphql-ws';
import WebSocket from 'ws'; // Node 20 has no global WebSocket.

const base = process.argv[2];
if (!base || !/^https?:\/\//.test(base)) {
  console.error('usage: node subscribe.mjs http://HOST:PORT');
  process.exit(2);
}
const READ_KEY = 'demo-read-key';
const WRITE_KEY = 'demo-write-key';
const TIMEOUT_MS = 10_000;

let client;
let createdId;

async function cleanUp() {
  if (createdId !== undefined) {
    const id = createdId;
    createdId = undefined;
    await fetch(`${base}/api/v1/users/${id}`, { method: 'DELETE', headers: { 'X-API-Key': WRITE_KEY } }).catch(() => {});
  }
  await client?.dispose();
}

let failed = false;

async function fail(message) {
  if (failed) return;
  failed = true;
  console.error(`graphql-ws interop: ${message}`);
  try {
    await Promise.race([cleanUp(), new Promise((resolve) => setTimeout(resolve, 1000))]);
  } catch {
    // Failing already: a failed clean-up changes nothing.
  } finally {
    process.exit(1);
  }
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

process.on('unhandledRejection', (reason) => fail(`unhandled: ${reason?.message ?? reason?.type ?? reason}`));
const timer = setTimeout(() => fail(`timed out after ${TIMEOUT_MS / 1000} s`), TIMEOUT_MS);

async function main() {
  let acknowledged;
  const connected = new Promise((resolve) => (acknowledged = resolve));
  let ponged;
  const pong = new Promise((resolve) => (ponged = resolve));

  client = createClient({
    url: base.replace(/^http/, 'ws') + '/graphql/ws',
    webSocketImpl: WebSocket,
    connectionParams: { 'X-API-Key': READ_KEY },
    retryAttempts: 0,
    lazy: false, // one socket for the whole run, open from the start
    onNonLazyError: (error) => fail(`connection failed: ${error?.message ?? error?.code ?? error}`),
    keepAlive: 200, // the client pings every 200 ms; the server must pong
    on: {
      connected: (_socket, payload) => acknowledged(payload),
      pong: (received) => received && ponged(),
      closed: (event) => {
        if (event?.code !== undefined && event.code !== 1000) fail(`socket closed: ${event.code} ${event.reason}`);
      },
      error: (error) => fail(`socket error: ${error?.message ?? error}`),
    },
  });

  // A query over the socket first: it proves the key in connectionParams works.
  const query = await client.iterate({ query: '{ user(id: 42) { name } }' }).next();
  check(query.value?.data?.user?.name, `query: ${JSON.stringify(query.value)}`);
  await connected;
  await pong;

  const email = `graphql-ws-${Date.now()}-${process.pid}@example.com`;
  const events = client.iterate({
    query: 'subscription { events(types: [USER_CREATED]) { seq gap type occurredAt data } }',
  });
  // The subscribe message goes out on the iterator's first step; give the server a moment to
  // register it before the write.
  const first = (async () => {
    for await (const result of events) {
      check(!result.errors, `subscription errors: ${JSON.stringify(result.errors)}`);
      const event = result.data.events;
      if (event.data?.email === email) return event;
    }
    throw new Error('the subscription completed before the event');
  })();
  await new Promise((resolve) => setTimeout(resolve, 500));

  const response = await fetch(`${base}/api/v1/users`, {
    method: 'POST',
    headers: { 'X-API-Key': WRITE_KEY, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'Graphql Ws', email }),
  });
  const created = await response.json();
  check(response.status === 201, `POST /api/v1/users: ${response.status} ${JSON.stringify(created)}`);
  createdId = created.id;

  const event = await first;
  check(event.type === 'USER_CREATED' && event.gap === false, `event: ${JSON.stringify(event)}`);
  check(/^\d+$/.test(event.seq) && event.occurredAt, `event seq/occurredAt: ${JSON.stringify(event)}`);
  const same = (a, b) => Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((k) => a[k] === b[k]);
  check(event.data && same(event.data, created), `event data ${JSON.stringify(event.data)} is not the created user ${JSON.stringify(created)}`);

  await events.return(); // sends complete for the subscription
  await cleanUp();
  clearTimeout(timer);
  console.log(`graphql-ws interop: ok (event seq ${event.seq} for user ${created.id})`);
  process.exit(0);
}

main().catch((error) => fail(error?.stack ?? String(error)));
