// The service worker's life seen from the page: register it, and when a new version waits, show
// "有新版本，点此更新" instead of switching on our own (PWA.md rule 8: a person may be typing a report).
import { useEffect, useState } from 'preact/hooks';

let waiting = null;
const listeners = new Set();

function announce(worker) {
  waiting = worker;
  for (const fn of listeners) fn(worker);
}

export function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return; // WeChat and old WebViews: the app works online without it
  let reloading = false;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    // Only after the person asked for the update (below); a first install claims no page.
    if (reloading || !waiting) return;
    reloading = true;
    location.reload();
  });
  navigator.serviceWorker.register('/sw.js').then((registration) => {
    if (registration.waiting && navigator.serviceWorker.controller) announce(registration.waiting);
    registration.addEventListener('updatefound', () => {
      const worker = registration.installing;
      worker.addEventListener('statechange', () => {
        if (worker.state === 'installed' && navigator.serviceWorker.controller) announce(worker);
      });
    });
    // Look for a new version whenever the app comes back to the screen.
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') registration.update().catch(() => {});
    });
  }, (error) => console.warn('service worker', error));
  // Another tab opened a newer IndexedDB version: this old page must reload to go on.
  addEventListener('gridreport:outdated', () => announce(waiting || 'reload'));
}

/** useUpdate() → null, or apply(): the new worker takes over and the page reloads. */
export function useUpdate() {
  const [worker, setWorker] = useState(waiting);
  useEffect(() => {
    listeners.add(setWorker);
    return () => listeners.delete(setWorker);
  }, []);
  if (!worker) return null;
  return () => {
    if (worker === 'reload') location.reload();
    else worker.postMessage({ type: 'SKIP_WAITING' });
  };
}
