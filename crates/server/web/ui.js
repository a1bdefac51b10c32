// Small pieces shared by the panels: bars scaled to the largest value, and number formats.

import { html } from '/web/vendor/standalone.module.js';

/**
 * A horizontal bar of stacked segments ({ value, cls, title }), as wide as their sum is of `max`.
 * It is a picture of the number printed beside it, so it is hidden from screen readers.
 */
export function Bar({ segments, max }) {
  const scale = max > 0 ? 100 / max : 0;
  return html`<div class="bar" aria-hidden="true">${segments.map((s) => html`
    <span class=${'seg ' + s.cls} style=${`width:${Math.max(0, s.value * scale).toFixed(3)}%`} title=${s.title}></span>`)}
  </div>`;
}

export const ms = (value) => (value == null || Number.isNaN(value) ? '' : `${value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : Math.round(value)} ms`);

export const bytes = (value) => `${Number(value ?? 0).toLocaleString('en')} B`;

const REASONS = {
  200: 'OK', 201: 'Created', 204: 'No Content', 304: 'Not Modified', 400: 'Bad Request', 401: 'Unauthorized',
  403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 412: 'Precondition Failed', 429: 'Too Many Requests',
  500: 'Internal Server Error', 503: 'Service Unavailable',
};

/** "403 Forbidden": HTTP/2 answers carry no reason phrase, so it is looked up. */
export const httpStatus = (response) => `${response.status} ${response.statusText || REASONS[response.status] || ''}`.trim();

/** The canonical code for an HTTP status, when the body did not say. */
export function codeForHttp(status) {
  return {
    400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 409: 'CONFLICT',
    412: 'CONFLICT', 429: 'RATE_LIMITED', 500: 'INTERNAL', 503: 'UNAVAILABLE',
  }[status] ?? (status < 400 ? 'OK' : 'INTERNAL');
}
