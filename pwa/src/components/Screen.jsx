import { useEffect } from 'preact/hooks';
import { useFlash } from '../flash.js';
import { goBack } from '../router.js';
import { Banner } from './Banner.jsx';
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
      <main class="screen-body">
        <Flash />
        {children}
      </main>
    </div>
  );
}

// The message carried over from the previous screen ("已保存到手机…"), for a few seconds.
function Flash() {
  const [message, clear] = useFlash();
  useEffect(() => {
    if (!message) return undefined;
    const timer = setTimeout(clear, 8000);
    return () => clearTimeout(timer);
  }, [message]);
  if (!message) return null;
  return (
    <Banner tone={message.tone} action={{ label: '好', onClick: clear }}>
      {message.text}
    </Banner>
  );
}
