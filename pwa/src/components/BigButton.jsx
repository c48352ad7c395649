import { navigate } from '../router.js';

/** A large, full-width action. `href` navigates inside the app; `badge` shows a count (e.g. 待发送 3). */
export function BigButton({ label, sub, href, onClick, tone = 'primary', badge, disabled, type = 'button', name }) {
  const click = (event) => {
    if (onClick) onClick(event);
    if (href) navigate(href);
  };
  return (
    <button type={type} class={`big-button big-button-${tone}`} onClick={click} disabled={disabled} name={name}>
      <span class="big-button-label">{label}</span>
      {badge ? <span class="badge">{badge}</span> : null}
      {sub ? <span class="big-button-sub">{sub}</span> : null}
    </button>
  );
}
