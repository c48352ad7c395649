// Lists read online, kept in IndexedDB with the time they were read, so the app shows them offline with
// "何时更新" (issue 8, item 7). Only GETs; writes go through the outbox.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import { getDb } from './db.js';

/** cachedGet(path) → {data, updatedAt, fromCache}. Online: fresh data, stored. No answer: the last copy. */
export async function cachedGet(path, { db: openDb = getDb, get = api, now = () => Date.now() } = {}) {
  try {
    const data = await get(path);
    const updatedAt = now();
    const db = await openDb();
    await db.put('cache', { path, data, updatedAt });
    return { data, updatedAt, fromCache: false };
  } catch (error) {
    if (error.status !== 0) throw error; // 401/403/404 are answers, not a reason to show stale data
    const db = await openDb();
    const saved = await db.get('cache', path);
    if (!saved) throw error;
    return { data: saved.data, updatedAt: saved.updatedAt, fromCache: true };
  }
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
