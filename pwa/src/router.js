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

if (typeof window !== 'undefined') window.addEventListener('popstate', notify);

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
