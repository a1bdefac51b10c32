// The control panel: the operation, one input per argument (named as the JSON-RPC params are),
// the credential, and the button that runs the call on all five protocols at once.

import { html } from '/web/vendor/standalone.module.js';
import { OPERATIONS, operation } from '/web/operations.js';
import { CREDENTIALS } from '/web/credentials.js';

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
    <div class="field run">
      <button type="submit" class="primary" data-action="run" aria-describedby="why">
        ${state.run.state === 'running' ? 'Running…' : 'Run on all five'}
      </button>
      <small class="hint">or press Enter in any field</small>
    </div>
  </form>`;
}
