// Who the page calls as. An API key is sent as it is; a login (kind 'login') is exchanged for a
// bearer token at POST /auth/login the first time it is used, and again when that token expires.

export const CREDENTIALS = [
  { value: 'none', label: 'none (anonymous)', kind: 'none' },
  { value: 'demo-read-key', label: 'demo-read-key (read scopes)', kind: 'apiKey' },
  { value: 'demo-write-key', label: 'demo-write-key (read + write)', kind: 'apiKey' },
  // Users log in: { value: 'alice', label: 'alice (JWT)', kind: 'login', password: 'alice-password' }
];

const tokens = new Map();

/** The credential as the server takes it: {} (none), { apiKey } or { token }. */
export async function resolve(value) {
  const credential = CREDENTIALS.find((c) => c.value === value);
  if (!credential || credential.kind === 'none') return {};
  if (credential.kind === 'apiKey') return { apiKey: credential.value };
  const cached = tokens.get(value);
  if (cached && cached.expires > Date.now() + 5000) return { token: cached.token };
  const response = await fetch('/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: credential.value, password: credential.password }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok || !body.accessToken) {
    throw new Error(`logging in as ${credential.value} failed: ${response.status} ${body.detail ?? ''}`.trim());
  }
  tokens.set(value, { token: body.accessToken, expires: Date.now() + (body.expiresIn ?? 60) * 1000 });
  return { token: body.accessToken };
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
