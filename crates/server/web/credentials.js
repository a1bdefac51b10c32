// Who the page calls as. An API key is sent as it is; a login (kind 'login') is exchanged for a
// bearer token (a JWT) at POST /auth/login the first time it is used, and again shortly before
// that token expires. The page reads the token's payload itself, to show what it claims.

export const CREDENTIALS = [
  { value: 'none', label: 'none (anonymous)', kind: 'none' },
  { value: 'demo-read-key', label: 'demo-read-key (API key, read scopes)', kind: 'apiKey' },
  { value: 'demo-write-key', label: 'demo-write-key (API key, read + write)', kind: 'apiKey' },
  { value: 'alice', label: 'alice (JWT, user 1)', kind: 'login', password: 'alice-password' },
  { value: 'admin', label: 'admin (JWT, every scope)', kind: 'login', password: 'admin-password' },
];

export const credential = (value) => CREDENTIALS.find((c) => c.value === value);

// value → { token, expires (ms, this browser's clock), lifetime (ms) }; logins in flight by value.
const tokens = new Map();
const logins = new Map();
const watchers = new Set();

/** Calls `fn(value)` whenever a login for `value` starts, succeeds or fails; answers the unsubscribe. */
export function watch(fn) {
  watchers.add(fn);
  return () => watchers.delete(fn);
}

const tell = (value) => watchers.forEach((fn) => fn(value));

// A token is used until shortly before it expires: a tenth of its lifetime, at most 30 s, so a
// call made with it does not arrive after its expiry.
const fresh = (cached) => cached && Date.now() < cached.expires - Math.min(30_000, cached.lifetime / 10);

async function login(c) {
  const response = await fetch('/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: c.value, password: c.password }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok || !body.accessToken) {
    throw new Error(`logging in as ${c.value} failed: ${response.status}${body.detail ? ' ' + body.detail : ''}`);
  }
  const lifetime = Number(body.expiresIn ?? 60) * 1000;
  return { token: body.accessToken, expires: Date.now() + lifetime, lifetime };
}

/** The credential as the server takes it: {} (none), { apiKey } or { token }. */
export async function resolve(value) {
  const c = credential(value);
  if (!c || c.kind === 'none') return {};
  if (c.kind === 'apiKey') return { apiKey: c.value };
  const cached = tokens.get(value);
  if (fresh(cached)) return { token: cached.token };
  // Everything that asks while a login is under way waits for that one login.
  let pending = logins.get(value);
  if (!pending) {
    pending = login(c).then(
      (got) => {
        tokens.set(value, got);
        logins.delete(value);
        tell(value);
        return got;
      },
      (error) => {
        tokens.set(value, { error: error.message });
        logins.delete(value);
        tell(value);
        throw error;
      },
    );
    logins.set(value, pending);
    tell(value);
  }
  return { token: (await pending).token };
}

/** HTTP headers carrying a resolved credential. */
export function headers(auth) {
  if (auth.apiKey) return { 'X-API-Key': auth.apiKey };
  if (auth.token) return { Authorization: `Bearer ${auth.token}` };
  return {};
}

/** The credential as a query string, for the clients that cannot send headers (EventSource, WebSocket). */
export function query(auth) {
  if (auth.apiKey) return `api_key=${encodeURIComponent(auth.apiKey)}`;
  if (auth.token) return `access_token=${encodeURIComponent(auth.token)}`;
  return '';
}

/** One part of a JWT (base64url, no padding) as the JSON it encodes, or null. */
function part(text) {
  try {
    const base64 = text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '=');
    const bytes = Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}

/**
 * A JWT's header and payload, read without checking the signature (only the server can: the
 * browser has no reason to trust what it decodes here, it only shows it).
 */
export function decode(token) {
  const [header, payload, signature] = String(token).split('.');
  return { header: part(header ?? ''), payload: part(payload ?? ''), signature: signature ?? '' };
}

/**
 * What the page knows about a credential now, for showing:
 *   { kind: 'none' } | { kind: 'apiKey', key } |
 *   { kind: 'jwt', username, state: 'idle' | 'logging-in' | 'ready' | 'failed', token, header, payload, expires, error }
 */
export function describe(value) {
  const c = credential(value);
  if (!c || c.kind === 'none') return { kind: 'none' };
  if (c.kind === 'apiKey') return { kind: 'apiKey', key: c.value };
  const cached = tokens.get(value);
  const base = { kind: 'jwt', username: c.value };
  if (logins.has(value)) return { ...base, state: 'logging-in' };
  if (!cached) return { ...base, state: 'idle' };
  if (cached.error) return { ...base, state: 'failed', error: cached.error };
  const { header, payload, signature } = decode(cached.token);
  return { ...base, state: 'ready', token: cached.token, header, payload, signature, expires: cached.expires };
}
