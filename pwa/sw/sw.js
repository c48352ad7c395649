// The service worker: opens the app without a network (cache-first shell) and nothing else. It never touches
// /api/* or /healthz (the outbox owns writes and the page sends them), and it never takes over by itself while a
// page runs: the page shows "有新版本，点此更新" and asks (PWA.md rule 8).
const VERSION = '__VERSION__'; // filled in by the build (vite.config.js) from the content of the shell
const SHELL = ['__SHELL__'];
const CACHE = `gridreport-shell-${VERSION}`;
const PREFIX = 'gridreport-shell-';
const KEEP_PREVIOUS = 1; // an old page still open may load a lazy chunk of its own version (sw-precache#351)

self.addEventListener('install', (event) => {
  event.waitUntil(
    // Hashed files never change: the copy the page has just loaded from the HTTP cache will do (a first visit
    // downloads the app once, not twice). The rest (index.html, the manifest, icons) is fetched afresh.
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL.map((path) => new Request(path, { cache: hashed(path) ? 'default' : 'reload' })))),
  );
  // No skipWaiting() here: items may be queued and a form half typed in an open page.
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const names = (await caches.keys()).filter((name) => name.startsWith(PREFIX) && name !== CACHE);
      // caches.keys() lists in creation order: keep the newest previous version(s), delete the rest.
      const old = names.slice(0, Math.max(0, names.length - KEEP_PREVIOUS));
      await Promise.all(old.map((name) => caches.delete(name)));
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'SKIP_WAITING') self.skipWaiting(); // the person agreed to update
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname === '/healthz') return; // always the network
  if (request.mode === 'navigate') {
    // Every screen of the app is the same shell; the router picks the screen.
    event.respondWith(fromCache('/index.html').then((cached) => cached || fetch(request)));
    return;
  }
  event.respondWith(fromCache(request).then((cached) => cached || fetchAndKeep(request, url)));
});

function hashed(path) {
  return path.startsWith('/assets/');
}

/** A lazy chunk (a desk screen) is kept the first time it loads, so it opens offline afterwards too. */
async function fetchAndKeep(request, url) {
  const response = await fetch(request);
  if (response.ok && hashed(url.pathname)) {
    const copy = response.clone();
    caches.open(CACHE).then((cache) => cache.put(request, copy));
  }
  return response;
}

async function fromCache(request) {
  const current = await caches.open(CACHE);
  return (await current.match(request)) || caches.match(request); // then an older version's copy
}
