import { useEffect, useState } from 'preact/hooks';

/** 离线 in the title bar while the phone has no network (a hint only: the outbox checks /healthz itself). */
export function OfflineBadge() {
  const [online, setOnline] = useState(navigator.onLine);
  useEffect(() => {
    const update = () => setOnline(navigator.onLine);
    addEventListener('online', update);
    addEventListener('offline', update);
    return () => {
      removeEventListener('online', update);
      removeEventListener('offline', update);
    };
  }, []);
  return online ? null : <span class="offline-badge">离线</span>;
}
