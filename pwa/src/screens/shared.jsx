// Small pieces the report screens share (报灾情, 报转移, 我的报告).

/** The event a form is for: name, 演练, 已稳定. */
export function EventLine({ event }) {
  if (!event) return null;
  return (
    <p class="event-line">
      <strong>{event.name}</strong>
      {event.drill ? <span class="chip">演练</span> : null}
      {event.status === 'stable' ? <span class="chip chip-info">已稳定</span> : null}
    </p>
  );
}

/** The errors without one field's messages (the person edited that field: the server's old word is stale). */
export function without(errors, path) {
  if (!(path in errors)) return errors;
  const rest = { ...errors };
  delete rest[path];
  return rest;
}

/** Bring the first message into view, after the render that shows it. */
export function scrollToError() {
  setTimeout(() => document.querySelector('.field-error')?.scrollIntoView({ block: 'center' }), 0);
}
