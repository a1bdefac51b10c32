// "Copy as": the same call as a terminal command or a Python script. The clipboard API needs a
// secure context and the user's permission; without them the text is shown selected instead, to
// copy with Ctrl+C.

import { html, useState, useRef, useEffect } from '/web/vendor/standalone.module.js';

const FORMS = [
  ['command', 'command'],
  ['python', 'Python'],
];

async function writeClipboard(text) {
  if (!window.isSecureContext || !navigator.clipboard?.writeText) return false;
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

export function CopyAs({ copyAs, protocol }) {
  const [shown, setShown] = useState(null); // { form, copied }
  const area = useRef(null);
  useEffect(() => {
    if (shown && !shown.copied && area.current) {
      area.current.focus();
      area.current.select();
    }
  }, [shown]);
  if (!copyAs) return null;

  const copy = async (form) => {
    const copied = await writeClipboard(copyAs[form]);
    setShown({ form, copied });
  };

  return html`<div class="copy-as">
    <span class="copy-label">Copy as</span>
    ${FORMS.filter(([form]) => copyAs[form]).map(([form, label]) => html`
      <button type="button" class="small" data-action=${'copy-' + form}
        aria-label=${`Copy the ${protocol} call as ${label === 'command' ? 'a command' : 'Python'}`}
        onClick=${() => copy(form)}>${label}</button>`)}
    ${shown && html`<div class="copy-shown">
      <p role="status" class="copy-note">${shown.copied
        ? `Copied the ${shown.form === 'python' ? 'Python' : 'command'} to the clipboard.`
        : 'The clipboard is not available here: the text is selected, press Ctrl+C (⌘C) to copy it.'}
        ${' '}<button type="button" class="link" onClick=${() => setShown(null)}>Hide</button></p>
      <textarea ref=${area} readonly rows=${Math.min(12, copyAs[shown.form].split('\n').length + 1)}
        aria-label=${`${protocol} call as ${shown.form}`} value=${copyAs[shown.form]}></textarea>
    </div>`}
  </div>`;
}
