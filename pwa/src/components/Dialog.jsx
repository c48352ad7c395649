// The app's own confirmation dialog (issue 18, item 8). window.confirm is blocked by some in-app browsers (it
// then answers false without showing anything, so 零报告 or 删除 would silently do nothing) and cannot be styled or
// read out well. One dialog at a time for the whole app: `ask(...)` from anywhere, `DialogHost` rendered once
// (main.jsx).
//
// Accessible: role="dialog" with aria-modal, its title and text named by aria-labelledby/-describedby; focus
// moves into it (to 取消 when the action is destructive, else to the confirming button), Tab stays inside,
// Escape cancels, and focus returns where it was.
import { useEffect, useRef, useState } from 'preact/hooks';
import './dialog.css';

let current = null; // {title, message, confirmLabel, cancelLabel, tone, resolve}
const listeners = new Set();

function show(next) {
  current = next;
  for (const fn of listeners) fn(current);
}

/**
 * ask({title, message, confirmLabel = '确定', cancelLabel = '取消', tone = 'primary' | 'danger'}) → Promise<boolean>:
 * true when the person confirmed. A second ask while one is open cancels the first.
 */
export function ask({ title, message = '', confirmLabel = '确定', cancelLabel = '取消', tone = 'primary' }) {
  if (current) current.resolve(false);
  return new Promise((resolve) => {
    show({ title, message, confirmLabel, cancelLabel, tone, resolve });
  });
}

function answer(value) {
  if (!current) return;
  const { resolve } = current;
  show(null);
  resolve(value);
}

export function DialogHost() {
  const [dialog, setDialog] = useState(current);
  const box = useRef(null);
  useEffect(() => {
    listeners.add(setDialog);
    return () => listeners.delete(setDialog);
  }, []);
  useEffect(() => {
    if (!dialog || !box.current) return undefined;
    const before = document.activeElement;
    const buttons = box.current.querySelectorAll('button');
    const first = dialog.tone === 'danger' ? buttons[0] : buttons[buttons.length - 1];
    if (first) first.focus();
    return () => {
      if (before && typeof before.focus === 'function' && document.contains(before)) before.focus();
    };
  }, [dialog]);
  if (!dialog) return null;

  const onKeyDown = (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      answer(false);
    } else if (event.key === 'Tab') {
      const buttons = [...box.current.querySelectorAll('button')];
      const at = buttons.indexOf(document.activeElement);
      const next = (at + (event.shiftKey ? -1 : 1) + buttons.length) % buttons.length;
      event.preventDefault();
      buttons[next].focus();
    }
  };
  return (
    <div class="dialog-backdrop" onClick={(event) => event.target === event.currentTarget && answer(false)}>
      <div
        class="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="dialog-title"
        aria-describedby={dialog.message ? 'dialog-text' : undefined}
        ref={box}
        onKeyDown={onKeyDown}
      >
        <h2 class="dialog-title" id="dialog-title">
          {dialog.title}
        </h2>
        {dialog.message ? (
          <div class="dialog-text" id="dialog-text">
            {dialog.message}
          </div>
        ) : null}
        <div class="dialog-buttons">
          <button type="button" class="big-button big-button-secondary" onClick={() => answer(false)}>
            {dialog.cancelLabel}
          </button>
          <button
            type="button"
            class={`big-button big-button-${dialog.tone === 'danger' ? 'danger' : 'primary'}`}
            onClick={() => answer(true)}
          >
            {dialog.confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}
