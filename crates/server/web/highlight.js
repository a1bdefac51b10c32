// Highlighted wire text: the exchange is cut into blocks at blank lines, each block is given the
// language it looks like (an HTTP head, JSON, XML, or the frame listings of HTTP/2, gRPC and
// WebSocket) and tokenized by speed-highlight into spans. The text itself is never changed.

import { html } from '/web/vendor/standalone.module.js';
import { tokenizeWith } from '/web/vendor/speed-highlight/tokenize.js';
import http from '/web/vendor/speed-highlight/languages/http.js';
import json from '/web/vendor/speed-highlight/languages/json.js';
import xml from '/web/vendor/speed-highlight/languages/xml.js';

// HTTP/2 frames, gRPC messages in hex with their decoded fields, WebSocket frames.
const wire = [
  { type: 'kwd', match: /\b(HEADERS|DATA|SETTINGS|WINDOW_UPDATE|PING|PONG|GOAWAY|RST_STREAM|PRIORITY|CONTINUATION|PUSH_PROMISE|PRI|FIN|(text|binary|close|ping|pong|continuation) frame|connection preface)\b/g },
  { type: 'section', match: /\b(HTTP\/[\d.]+|h2c?|END_STREAM|END_HEADERS|ACK)\b/g },
  { type: 'var', match: /(^|\s)(:?[a-z][\w-]*)(?=: )/gm },
  { type: 'oper', match: /[→←>]|=>|<=/g },
  { type: 'str', match: /"([^"\\\n]|\\.)*"/g },
  { match: /[{[][^\n]*[}\]]\s*$/gm, sub: 'json' },
  { match: /<[^\n]*>\s*$/gm, sub: 'xml' },
  { type: 'cmnt', match: /\b([0-9a-f]{2} ){3,}[0-9a-f]{2}\b/g },
  { type: 'num', match: /\b\d+(\.\d+)?\b/g },
];

const languages = { http, json, xml, html: xml, wire };

function languageOf(block) {
  const start = block.trimStart();
  if (/^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS|HTTP\/1\.[01] \d)/.test(start)) return http;
  if (/^[{[]/.test(start)) return json;
  if (/^</.test(start)) return xml;
  return wire;
}

/** [text, tokenType | undefined] pairs covering `text` exactly. */
export function tokens(text) {
  const out = [];
  const push = (str, type) => {
    if (str) out.push([str, type]);
  };
  // Blank lines (CRLF or LF) end a block; they are kept as their own plain token.
  const parts = text.split(/(\r?\n[ \t]*\r?\n)/);
  for (const [i, part] of parts.entries()) {
    if (i % 2 === 1) push(part);
    else if (part) tokenizeWith(part, languageOf(part), push, { languages });
  }
  return out;
}

/** A <pre> of highlighted text; extra attributes (data-part, aria-label) are passed on. */
export function Code({ text, ...rest }) {
  if (!text) return html`<pre class="code empty" ...${rest}>—</pre>`;
  return html`<pre class="code" tabindex="0" ...${rest}>${tokens(text).map(([str, type]) =>
    type ? html`<span class=${'shj-syn-' + type}>${str}</span>` : str)}</pre>`;
}
