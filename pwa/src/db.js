// IndexedDB through idb. The schema is versioned; each upgrade step moves data forward and NEVER deletes a store
// or an item that holds a person's report (PWA.md rule 8: an app update must not strand the queue).
import { openDB } from 'idb';

export const DB_NAME = 'gridreport';
export const DB_VERSION = 3;

// Stores:
//   outbox  keyPath clientId   one item per report waiting to reach the server, with its owner (see outbox.js)
//   blobs   keyPath id         photo bytes of outbox items, written in the same transaction as the item
//   cache   keyPath path       GET responses read online, kept with their time for offline use (cache.js); the
//                              key is `u<userId>:<api path>` since version 3, so each user reads only their own
//                              copies; index `userId` (logout clears the leaving user's copies)
//   meta    keyPath key        small records: the signed-in user for offline start, the fallback sender lock
//
// upgrade steps, indexed by the version they produce. Step n runs when an older database (< n) is opened.
export const UPGRADES = {
  // Version 1: the first layout, an outbox and its photo blobs.
  1(db) {
    db.createObjectStore('outbox', { keyPath: 'clientId' });
    db.createObjectStore('blobs', { keyPath: 'id' });
  },
  // Version 2: offline copies of lists, meta records, an index to list the outbox oldest first, and the item
  // fields the back-off needs. Items written by version 1 keep everything they had.
  async 2(db, tx) {
    db.createObjectStore('cache', { keyPath: 'path' });
    db.createObjectStore('meta', { keyPath: 'key' });
    const outbox = tx.objectStore('outbox');
    outbox.createIndex('createdAt', 'createdAt');
    let cursor = await outbox.openCursor();
    while (cursor) {
      const item = cursor.value;
      await cursor.update({
        attempts: 0,
        nextAttemptAt: 0,
        lastError: null,
        serverId: null,
        photos: [],
        ...item,
        createdAt: item.createdAt ?? Date.now(),
        updatedAt: item.updatedAt ?? item.createdAt ?? Date.now(),
      });
      cursor = await cursor.continue();
    }
  },
  // Version 3 (issue 18): items and cached reads belong to a user. Every queued item is kept as it is.
  //
  // Who filed an item saved by version 2 is not recorded anywhere; what is known is the last user logged in
  // (meta `session`), under whose login version 2 would have sent it at the next chance. The rule:
  // - an item gets `ownerId: null` here; the FIRST reporter logged in while the server can be reached takes it
  //   (outbox.js `belongsTo` and `claim`: the owner is written into the item before its first POST) and from then
  //   on it goes only under that person's login. Usually that is the same officer, who opens the updated app.
  // - cached reads were not kept per user: those of the user still logged in (meta `session`) are moved under
  //   that user's key; without a logged-in user they are dropped (copies of server lists, not anyone's report:
  //   they are read again at the next login).
  async 3(db, tx) {
    const outbox = tx.objectStore('outbox');
    let cursor = await outbox.openCursor();
    while (cursor) {
      const item = cursor.value;
      if (!('ownerId' in item)) await cursor.update({ ...item, ownerId: null, ownerName: null });
      cursor = await cursor.continue();
    }
    const session = await tx.objectStore('meta').get('session');
    const userId = session && session.value && session.value.user ? session.value.user.id : null;
    const cache = tx.objectStore('cache');
    cache.createIndex('userId', 'userId');
    const records = await cache.getAll();
    await cache.clear();
    if (userId == null) return;
    for (const record of records) {
      await cache.put({ ...record, path: cacheKey(userId, record.path), apiPath: record.path, userId });
    }
  },
};

/** The cache store's key of `path` read by user `userId`. */
export function cacheKey(userId, path) {
  return `u${userId}:${path}`;
}

/** Open (and upgrade) the app's database. `name`/`version` exist for tests of migrations. */
export function openAppDb({ name = DB_NAME, version = DB_VERSION, onBlocked, onClosedForUpgrade } = {}) {
  return openDB(name, version, {
    async upgrade(db, oldVersion, newVersion, tx) {
      for (let v = oldVersion + 1; v <= newVersion; v += 1) await UPGRADES[v](db, tx);
    },
    // Another tab still runs the old version: it closes its connection when told (below), then we proceed.
    blocked: onBlocked,
    blocking(currentVersion, blockedVersion, event) {
      event.target.close();
      if (onClosedForUpgrade) onClosedForUpgrade();
    },
  });
}

let shared = null;

/** The page's one connection, opened on first use (nothing runs at import time). */
export function getDb() {
  if (!shared) {
    // A newer version opened in another tab: this page's connection closes; it must reload to go on (the
    // update banner says so), and the next getDb() of this old code would meet a VersionError.
    const onClosedForUpgrade = () => {
      shared = null;
      if (typeof dispatchEvent === 'function') dispatchEvent(new Event('gridreport:outdated'));
    };
    shared = openAppDb({ onClosedForUpgrade }).catch((error) => {
      shared = null; // let the next call try again rather than caching a failure
      throw error;
    });
  }
  return shared;
}

export async function getMeta(key, db) {
  const record = await (db || (await getDb())).get('meta', key);
  return record ? record.value : undefined;
}

export async function setMeta(key, value, db) {
  await (db || (await getDb())).put('meta', { key, value });
}

export async function deleteMeta(key, db) {
  await (db || (await getDb())).delete('meta', key);
}
