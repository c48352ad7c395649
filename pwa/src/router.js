// A tiny history router: paths are the app's screens; the server falls back to index.html for any of them.
import { useEffect, useState } from 'preact/hooks';

const listeners = new Set();

export function navigate(path, { replace = false } = {}) {
  if (path === location.pathname + location.search) return;
  if (replace) history.replaceState(history.state, '', path);
  else history.pushState({ inApp: true }, '', path); // goBack() knows the previous entry is ours
  notify();
  window.scrollTo(0, 0);
}

/** Back to where the person came from inside the app, else to `fallback`. */
export function goBack(fallback = '/') {
  if (history.state && history.state.inApp) history.back();
  else navigate(fallback, { replace: true });
}

function notify() {
  for (const fn of listeners) fn(currentRoute());
}

if (typeof window !== 'undefined') {
  window.addEventListener('popstate', notify);
  document.addEventListener('click', followInAppLink);
}

/**
 * Screens navigate by real links (`<a href="/reports/damage/3">`): a person can open one in a new tab and a screen
 * reader announces a link. A plain click on a link to one of the app's own screens is handled here, without a page
 * load; a click with a modifier key, a middle click, `target`, `download`, another origin and the API's own URLs
 * (exports, photos) are left to the browser.
 */
export function followInAppLink(event) {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target.closest && event.target.closest('a[href]');
  if (!link || link.target || link.hasAttribute('download')) return;
  const url = new URL(link.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/api/') || url.pathname === '/healthz') return;
  event.preventDefault();
  navigate(url.pathname + url.search);
}

function currentRoute() {
  return { path: location.pathname, query: new URLSearchParams(location.search) };
}

/** useRoute() → {path, query}; re-renders on navigate() and the browser's back button. */
export function useRoute() {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    listeners.add(setRoute);
    return () => listeners.delete(setRoute);
  }, []);
  return route;
}

/** match('/events/:id/damage/new', '/events/3/damage/new') → {id: '3'}, or null. */
export function match(pattern, path) {
  const names = [];
  const source = pattern.replace(/:([a-z]+)/gi, (_, name) => {
    names.push(name);
    return '([^/]+)';
  });
  const found = new RegExp(`^${source}/?$`).exec(path);
  if (!found) return null;
  return Object.fromEntries(names.map((name, index) => [name, decodeURIComponent(found[index + 1])]));
}

/** The first route whose pattern matches: routes = [[pattern, Component], ...] → {Component, params}. */
export function resolve(routes, path) {
  for (const [pattern, Component] of routes) {
    const params = match(pattern, path);
    if (params) return { Component, params };
  }
  return null;
}
