/**
 * A large, full-width action. With `href` it is a real link (`<a>`: a new tab works, a screen reader says 链接;
 * router.js follows the click inside the app); without, a button. `badge` shows a count (e.g. 待发送 3).
 */
export function BigButton({ label, sub, href, onClick, tone = 'primary', badge, disabled, type = 'button', name }) {
  const inside = (
    <>
      <span class="big-button-label">{label}</span>
      {badge ? <span class="badge">{badge}</span> : null}
      {sub ? <span class="big-button-sub">{sub}</span> : null}
    </>
  );
  const look = `big-button big-button-${tone}`;
  if (href && !disabled) {
    return (
      <a class={look} href={href} onClick={onClick}>
        {inside}
      </a>
    );
  }
  return (
    <button type={type} class={look} onClick={onClick} disabled={disabled} name={name}>
      {inside}
    </button>
  );
}
