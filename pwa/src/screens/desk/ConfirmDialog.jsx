// The app's own confirmation (not window.confirm): a modal <dialog> that says what the step changes, with 取消 and
// the step's own word. Escape or 取消 closes it; the page behind is inert while it is open.
import { useEffect, useRef } from 'preact/hooks';

let serial = 0;

export function ConfirmDialog({ open, title, children, confirmLabel, onConfirm, onCancel, busy = false, tone = 'primary' }) {
  const ref = useRef(null);
  const id = useRef(`confirm-${++serial}`);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  const cancel = (event) => {
    event.preventDefault(); // Escape: we close it ourselves, so the state stays in step
    if (!busy) onCancel();
  };
  return (
    <dialog ref={ref} class="desk-dialog" aria-labelledby={id.current} onCancel={cancel}>
      {open ? (
        <>
          <h2 id={id.current}>{title}</h2>
          <div class="desk-dialog-body">{children}</div>
          <div class="button-row">
            <button type="button" class="big-button big-button-secondary" onClick={cancel} disabled={busy}>
              取消
            </button>
            <button type="button" class={`big-button big-button-${tone}`} onClick={onConfirm} disabled={busy}>
              {busy ? '正在提交…' : confirmLabel}
            </button>
          </div>
        </>
      ) : null}
    </dialog>
  );
}
