/** A message across the screen. tone: info | warn | error | ok. `action` is {label, onClick}. */
export function Banner({ tone = 'info', children, action }) {
  return (
    <div class={`banner banner-${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      <div class="banner-text">{children}</div>
      {action ? (
        <button type="button" class="banner-action" onClick={action.onClick}>
          {action.label}
        </button>
      ) : null}
    </div>
  );
}
