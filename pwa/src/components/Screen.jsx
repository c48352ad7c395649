import { goBack } from '../router.js';
import { OfflineBadge } from './OfflineBadge.jsx';

/** A screen: title bar (with 返回 when `back` is a fallback path), then the content. */
export function Screen({ title, back, actions, children }) {
  return (
    <div class="screen">
      <header class="titlebar">
        {back ? (
          <button type="button" class="titlebar-back" onClick={() => goBack(back)} aria-label="返回">
            ‹ 返回
          </button>
        ) : null}
        <h1 class="titlebar-title">{title}</h1>
        <OfflineBadge />
        {actions}
      </header>
      <main class="screen-body">{children}</main>
    </div>
  );
}
