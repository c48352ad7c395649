// Lists read online, kept in IndexedDB with the time they were read, so the app shows them offline with
// "何时更新" (issue 8, item 7). Only GETs; writes go through the outbox.
//
// Copies are kept per user (issue 18): on a shared phone one officer's lists are not another's to read. Each
// copy is stored under `u<userId>:<path>` (db.js cacheKey) and logout clears the leaving user's copies
// (clearUserCache, from session.js).
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import { cacheKey, getDb } from './db.js';
import { getSession } from './session.js';

const sessionUserId = () => {
  const session = getSession();
  return session.status === 'in' && session.user ? session.user.id : null;
};

/** cachedGet(path) → {data, updatedAt, fromCache}. Online: fresh data, stored. No answer: the last copy. */
export async function cachedGet(
  path,
  { db: openDb = getDb, get = api, now = () => Date.now(), userId = sessionUserId } = {},
) {
  const user = userId();
  try {
    const data = await get(path);
    const updatedAt = now();
    // Nobody logged in (a public read), or the user logged out meanwhile: nothing is kept.
    if (user != null && userId() === user) await (await openDb()).put('cache', { path: cacheKey(user, path), apiPath: path, userId: user, data, updatedAt });
    return { data, updatedAt, fromCache: false };
  } catch (error) {
    if (error.status !== 0) throw error; // 401/403/404 are answers, not a reason to show stale data
    const saved = user == null ? null : await (await openDb()).get('cache', cacheKey(user, path));
    if (!saved) throw error;
    return { data: saved.data, updatedAt: saved.updatedAt, fromCache: true };
  }
}

/** Delete every copy `userId` read (their logout); other users' copies and every outbox item stay. */
export async function clearUserCache(userId, { db: openDb = getDb } = {}) {
  const db = await openDb();
  const tx = db.transaction('cache', 'readwrite');
  const keys = await tx.store.index('userId').getAllKeys(userId);
  await Promise.all([...keys.map((key) => tx.store.delete(key)), tx.done]);
  return keys.length;
}

/**
 * useCached(path) → {data, updatedAt, fromCache, error, loading, reload}. `path` null waits (e.g. for an id).
 */
export function useCached(path) {
  const [state, setState] = useState({ data: null, updatedAt: null, fromCache: false, error: null, loading: true });
  const load = useCallback(() => {
    if (!path) return;
    let live = true;
    setState((previous) => ({ ...previous, loading: true }));
    cachedGet(path).then(
      (result) => live && setState({ ...result, error: null, loading: false }),
      (error) => live && setState((previous) => ({ ...previous, error, loading: false })),
    );
    return () => {
      live = false;
    };
  }, [path]);
  useEffect(load, [load]);
  return { ...state, reload: load };
}
