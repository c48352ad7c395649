// The outbox: everything a reporter files is saved on the phone first and leaves it only after the server's 2xx
// for its client_id (PWA.md rules 1-8). One module, one sender, nothing dropped by itself.
//
// An item:  {clientId, kind, url, label, body, status, createdAt, updatedAt, attempts, nextAttemptAt,
//            lastError, serverId, photos: [{blobId, name, lat, lon, accuracy_m, taken_at, sent}]}
// status:   pending → sending → (deleted after 2xx) | pending again (no answer, 5xx, 401) | needs_attention
//           (409/422/other 4xx: the person fixes it with updateItem or deletes it by hand). There is no "done".
// Photos are bytes in the `blobs` store, written in the same transaction as their item; they go after the
// parent's 2xx to /{hazards|damage-reports}/{serverId}/photos, serverId being saved before the first photo so a
// crash between the two never sends the parent twice under another id.
import { api as defaultApi, reachable as defaultReachable, ApiError } from './api.js';
import { getDb } from './db.js';

export const MAX_BACKOFF_MS = 5 * 60 * 1000;
const BASE_BACKOFF_MS = 2000;
const LOCK_NAME = 'gridreport-outbox';
const LOCK_TTL_MS = 60 * 1000; // the IndexedDB fallback lock of a dead tab expires after this
const PHOTO_PARENTS = { hazard: '/hazards', damage: '/damage-reports' };
export const STALE_AFTER_MS = 24 * 60 * 60 * 1000; // PWA.md rule 7: warn when an item waited over a day

/**
 * Wait before retry number `attempts` (1, 2, ...): doubling from 2 s, capped at 5 minutes, with "equal jitter"
 * (between half and all of the step) so a village's phones that lost the signal together do not return together.
 */
export function backoffDelay(attempts, random = Math.random) {
  const step = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

export class StorageFullError extends Error {
  constructor() {
    super('手机存储空间不足，这条没有保存。请删除一些照片或文件后再试；之前保存的内容都还在。');
    this.name = 'StorageFullError';
  }
}

const defaultTimers = { set: (fn, ms) => setTimeout(fn, ms), clear: (id) => clearTimeout(id) };

/**
 * Build an outbox. The app uses the default instance exported below; tests pass a fake-indexeddb database,
 * a fake api, a clock and timers.
 */
export function createOutbox({
  db: openDb = getDb,
  api = defaultApi,
  reachable = defaultReachable,
  now = () => Date.now(),
  random = Math.random,
  timers = defaultTimers,
  locks = globalThis.navigator && globalThis.navigator.locks,
  storage = globalThis.navigator && globalThis.navigator.storage,
  onUnauthorized = () => {},
  refreshCsrf = async () => false, // GET /auth/me again: a remembered login comes back in a new session/token
  tabId = uuid(),
} = {}) {
  const listeners = new Set();
  let channel = null; // opened by start(): other tabs' changes refresh this tab's counts
  let running = null; // the promise of the round in progress, so triggers never start a second sender here
  let again = false;
  let failures = 0; // rounds in a row that found the server unreachable
  let retryAt = 0;
  let timer = null;
  let persistAsked = false;
  const state = { sending: false, unreachable: false, retryAt: 0, loginNeeded: false };

  function emit(broadcast = true) {
    for (const fn of listeners) {
      try {
        fn();
      } catch (error) {
        console.error(error);
      }
    }
    if (broadcast && channel) channel.postMessage('changed'); // other tabs refresh their counts
  }

  function subscribe(fn) {
    listeners.add(fn);
    return () => listeners.delete(fn);
  }

  async function enqueue({ kind, url, body, photos = [], label = '', method = 'POST', sendFirst = false }) {
    if (photos.length && !PHOTO_PARENTS[kind]) throw new Error(`photos are not supported for ${kind}`);
    const clientId = uuid();
    const at = now();
    const item = {
      clientId,
      kind,
      url,
      label,
      method,
      sendFirst,
      body: withClientId(method, body, clientId),
      status: 'pending',
      createdAt: at,
      updatedAt: at,
      attempts: 0,
      nextAttemptAt: 0,
      lastError: null,
      serverId: null,
      photos: photos.map((photo, index) => ({
        blobId: `${clientId}/${index}`,
        name: photo.name || `photo-${index + 1}.jpg`,
        lat: photo.lat ?? null,
        lon: photo.lon ?? null,
        accuracy_m: photo.accuracy_m ?? null,
        taken_at: photo.taken_at ?? null,
        sent: false,
      })),
    };
    const db = await openDb();
    try {
      // Item and photos together or not at all (rule 1); nothing awaited here but IndexedDB requests.
      const tx = db.transaction(['outbox', 'blobs'], 'readwrite');
      const writes = [];
      try {
        writes.push(tx.objectStore('outbox').add(item));
        photos.forEach((photo, index) => {
          writes.push(tx.objectStore('blobs').put({ id: item.photos[index].blobId, clientId, blob: photo.blob }));
        });
      } catch (error) {
        // A request refused on the spot (a blob that cannot be stored) must not leave the rest behind.
        for (const write of [...writes, tx.done]) write.catch(() => {}); // they reject with AbortError now
        tx.abort();
        throw error;
      }
      await Promise.all([...writes, tx.done]);
    } catch (error) {
      if (error && error.name === 'QuotaExceededError') throw new StorageFullError();
      throw error;
    }
    emit();
    askPersist();
    kick();
    return clientId;
  }

  async function listItems() {
    const db = await openDb();
    const items = await db.getAllFromIndex('outbox', 'createdAt');
    return items;
  }

  async function getItem(clientId) {
    return (await openDb()).get('outbox', clientId);
  }

  /** Fix an item that needs attention (or edit one still waiting): it goes back to pending and is sent again. */
  async function updateItem(clientId, { body, label }) {
    const db = await openDb();
    const tx = db.transaction('outbox', 'readwrite');
    const item = await tx.store.get(clientId);
    if (!item) throw new Error('这条已不在待发送中');
    if (item.status === 'sending') throw new Error('这条正在发送，请稍后再改');
    Object.assign(item, {
      body: body ? withClientId(item.method, body, clientId) : item.body,
      label: label ?? item.label,
      status: 'pending',
      lastError: null,
      attempts: 0,
      nextAttemptAt: 0,
      updatedAt: now(),
    });
    await Promise.all([tx.store.put(item), tx.done]);
    emit();
    kick();
  }

  /** Only ever called from a person's explicit, confirmed choice: the outbox never drops anything by itself. */
  async function deleteItem(clientId) {
    const db = await openDb();
    const tx = db.transaction(['outbox', 'blobs'], 'readwrite');
    const item = await tx.objectStore('outbox').get(clientId);
    if (item && item.status === 'sending') {
      tx.abort();
      throw new Error('这条正在发送，请稍后再删');
    }
    const deletes = [tx.objectStore('outbox').delete(clientId)];
    for (const photo of item ? item.photos : []) deletes.push(tx.objectStore('blobs').delete(photo.blobId));
    await Promise.all([...deletes, tx.done]);
    emit();
  }

  /** Send every waiting item now (立即发送, and the start/online/visible/after-save triggers). */
  function sendNow() {
    return run(true);
  }

  function kick() {
    sendNow().catch((error) => console.error('outbox', error));
  }

  function run(force) {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await withSenderLock((renewLease) => round(force, renewLease));
          force = true;
        } while (again);
      } finally {
        running = null;
      }
    })();
    return running;
  }

  // One sender across tabs (rule 5): Web Locks where they exist, else a lease in IndexedDB.
  async function withSenderLock(fn) {
    if (locks && typeof locks.request === 'function') {
      await locks.request(LOCK_NAME, { ifAvailable: true }, async (lock) => {
        if (lock) await fn();
        else schedule(LOCK_TTL_MS); // another tab sends; look again later in case it is gone by then
      });
      return;
    }
    const db = await openDb();
    if (!(await takeLease(db))) {
      schedule(LOCK_TTL_MS);
      return;
    }
    try {
      await fn(() => takeLease(db));
    } finally {
      await releaseLease(db);
    }
  }

  async function takeLease(db) {
    const tx = db.transaction('meta', 'readwrite');
    const lease = await tx.store.get('sender-lock');
    if (lease && lease.value.owner !== tabId && lease.value.expiresAt > now()) {
      await tx.done;
      return false;
    }
    await Promise.all([tx.store.put({ key: 'sender-lock', value: { owner: tabId, expiresAt: now() + LOCK_TTL_MS } }), tx.done]);
    return true;
  }

  async function releaseLease(db) {
    const tx = db.transaction('meta', 'readwrite');
    const lease = await tx.store.get('sender-lock');
    if (lease && lease.value.owner === tabId) await tx.store.delete('sender-lock');
    await tx.done;
  }

  async function round(force, renewLease = async () => true) {
    const db = await openDb();
    // We hold the sender lock, so nothing is really in flight: a `sending` item is one whose page died mid-send.
    await resetStale(db);
    // Oldest first, except what other items may need on the server before them (sendFirst: a ledger row before
    // the 核报 it backs, when the 核报 refused for the missing row was fixed before the row was sent).
    let items = (await listItems()).filter((item) => item.status === 'pending');
    items.sort((a, b) => Number(!a.sendFirst) - Number(!b.sendFirst));
    if (!force) {
      if (now() < retryAt) return schedule();
      items = items.filter((item) => item.nextAttemptAt <= now());
    }
    if (!items.length) return schedule();
    setState({ sending: true });
    try {
      if (!(await reachable())) {
        await unreachable();
        return;
      }
      for (const item of items) {
        const outcome = await sendItem(db, item);
        if (outcome === 'stop') break;
        if (!(await renewLease())) break;
      }
    } finally {
      setState({ sending: false });
    }
    await schedule();
  }

  function unreachable() {
    failures += 1;
    retryAt = now() + backoffDelay(failures, random);
    setState({ unreachable: true, retryAt });
    return schedule();
  }

  function reached() {
    failures = 0;
    retryAt = 0;
    setState({ unreachable: false, retryAt: 0, loginNeeded: false });
  }

  async function resetStale(db) {
    const tx = db.transaction('outbox', 'readwrite');
    let cursor = await tx.store.openCursor();
    let changed = false;
    while (cursor) {
      if (cursor.value.status === 'sending') {
        await cursor.update({ ...cursor.value, status: 'pending' });
        changed = true;
      }
      cursor = await cursor.continue();
    }
    await tx.done;
    if (changed) emit();
  }

  async function save(db, item) {
    item.updatedAt = now();
    await db.put('outbox', item);
    emit();
  }

  async function sendItem(db, listed, retried = false) {
    // Read it again: the person may have fixed or deleted it since the round listed it.
    const item = await db.get('outbox', listed.clientId);
    if (!item || item.status !== 'pending') return 'next';
    item.status = 'sending';
    await save(db, item);
    try {
      if (item.serverId == null) {
        const method = item.method || 'POST';
        const created = await api(item.url, { method, json: item.body });
        reached();
        // Rule 2: the 2xx must be for this item. A record with another client id (a misbehaving proxy or cache)
        // never deletes it; a person looks. A PATCH answers the changed record, whose client_id is its creator's.
        const otherId = method === 'POST' && created && created.client_id && created.client_id !== item.clientId;
        if (!created || created.id == null || otherId) {
          throw new ApiError({ status: 200, code: 'unexpected_answer', message: '服务器的回答与这条报告对不上，请联系乡镇' });
        }
        item.serverId = created.id;
        if (item.photos.some((photo) => !photo.sent)) await save(db, item);
      }
      for (const photo of item.photos) {
        if (photo.sent) continue;
        const record = await db.get('blobs', photo.blobId);
        await api(`${PHOTO_PARENTS[item.kind]}/${item.serverId}/photos`, { method: 'POST', form: photoForm(photo, record) });
        reached();
        photo.sent = true;
        const tx = db.transaction(['outbox', 'blobs'], 'readwrite');
        await Promise.all([tx.objectStore('outbox').put(item), tx.objectStore('blobs').delete(photo.blobId), tx.done]);
        emit();
      }
      await remove(db, item);
      return 'next';
    } catch (raw) {
      const error = raw instanceof ApiError ? raw : new ApiError({ status: 0, code: 'client', message: String(raw) });
      if (error.status === 403 && error.code === 'csrf_failed' && !retried && (await refreshCsrf())) {
        item.status = 'pending';
        await save(db, item);
        return sendItem(db, item, true);
      }
      return failed(db, item, error);
    }
  }

  async function failed(db, item, error) {
    item.lastError = { ...error.toJSON(), part: item.serverId == null ? 'report' : 'photo', at: now() };
    if (error.status === 0) {
      item.status = 'pending';
      item.attempts += 1;
      await save(db, item);
      await unreachable();
      return 'stop';
    }
    reached();
    if (error.status === 401 || error.code === 'csrf_failed') {
      // Not logged in (or the session changed): keep the item, ask for login, send after it (rule 3).
      item.status = 'pending';
      await save(db, item);
      setState({ loginNeeded: true });
      onUnauthorized(error);
      return 'stop';
    }
    if (error.retryable) {
      item.status = 'pending';
      item.attempts += 1;
      item.nextAttemptAt = now() + backoffDelay(item.attempts, random);
      await save(db, item);
      return 'next';
    }
    // 409, 422 and any other 4xx: the server will never accept it as it is; a person must look (rule 3).
    item.status = 'needs_attention';
    await save(db, item);
    return 'next';
  }

  async function remove(db, item) {
    const tx = db.transaction(['outbox', 'blobs'], 'readwrite');
    const deletes = [tx.objectStore('outbox').delete(item.clientId)];
    for (const photo of item.photos) deletes.push(tx.objectStore('blobs').delete(photo.blobId));
    await Promise.all([...deletes, tx.done]);
    emit();
  }

  // Next automatic round: when the server may be back, or the earliest item back-off ends.
  async function schedule(delay) {
    if (timer !== null) timers.clear(timer);
    timer = null;
    let wait = delay;
    if (wait === undefined) {
      const waiting = (await listItems()).filter((item) => item.status === 'pending');
      if (!waiting.length || timer !== null) return;
      const times = waiting.map((item) => Math.max(item.nextAttemptAt, retryAt));
      wait = Math.max(0, Math.min(...times) - now());
    }
    timer = timers.set(() => {
      timer = null;
      return run(false).catch((error) => console.error('outbox', error));
    }, wait);
  }

  function setState(change) {
    Object.assign(state, change);
    emit(false);
  }

  function getState() {
    return { ...state };
  }

  // Ask once, after the first save, that the browser keep our storage (rule 7); Safari and some Android
  // browsers otherwise evict idle origins.
  function askPersist() {
    if (persistAsked || !storage || typeof storage.persist !== 'function') return;
    persistAsked = true;
    storage.persist().catch(() => {});
  }

  /** {persisted, usage, quota, low}: low when under 50 MB or 10% is left. */
  async function storageStatus() {
    if (!storage || typeof storage.estimate !== 'function') return null;
    const [estimate, persisted] = await Promise.all([
      storage.estimate().catch(() => null),
      typeof storage.persisted === 'function' ? storage.persisted().catch(() => false) : false,
    ]);
    if (!estimate || !estimate.quota) return { persisted, usage: null, quota: null, low: false };
    const free = estimate.quota - estimate.usage;
    return { persisted, usage: estimate.usage, quota: estimate.quota, low: free < 50 * 1024 * 1024 || free / estimate.quota < 0.1 };
  }

  /** Start sending: now, when the network returns, and whenever the app comes back to the screen (rule 6). */
  function start() {
    if (typeof BroadcastChannel === 'function' && !channel) {
      channel = new BroadcastChannel('gridreport-outbox');
      channel.onmessage = () => emit(false);
    }
    const onVisible = () => {
      if (document.visibilityState === 'visible') kick();
    };
    globalThis.addEventListener('online', kick);
    if (globalThis.document) document.addEventListener('visibilitychange', onVisible);
    kick();
    return () => {
      globalThis.removeEventListener('online', kick);
      if (globalThis.document) document.removeEventListener('visibilitychange', onVisible);
      if (timer !== null) timers.clear(timer);
      if (channel) channel.close();
      channel = null;
    };
  }

  return { enqueue, listItems, getItem, subscribe, sendNow, updateItem, deleteItem, start, getState, storageStatus };
}

/**
 * The body as sent: a POST creates a record and carries the item's client_id (the server's idempotency key); a
 * PATCH changes an existing record (idempotent by itself: the same values set again) and carries none.
 */
function withClientId(method = 'POST', body, clientId) {
  return method === 'POST' ? { ...body, client_id: clientId } : { ...body };
}

/** A v4 UUID; crypto.randomUUID only exists in secure contexts, so build one from getRandomValues otherwise. */
export function uuid() {
  const crypto = globalThis.crypto;
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function photoForm(photo, record) {
  const form = new FormData();
  form.append('file', record.blob, photo.name);
  for (const key of ['lat', 'lon', 'accuracy_m', 'taken_at']) {
    if (photo[key] !== null && photo[key] !== undefined) form.append(key, String(photo[key]));
  }
  return form;
}

/** The app's outbox (tests build their own with createOutbox); main.jsx connects it to the session. */
export const outbox = createOutbox({
  onUnauthorized: (error) => hooks.onUnauthorized(error),
  refreshCsrf: () => hooks.refreshCsrf(),
});
const hooks = { onUnauthorized: () => {}, refreshCsrf: async () => false };

/** configure({onUnauthorized, refreshCsrf}): what a 401 and a stale CSRF token do in the app. */
export function configure(given) {
  Object.assign(hooks, given);
}

export const { enqueue, listItems, getItem, subscribe, sendNow, updateItem, deleteItem, start, getState, storageStatus } = outbox;
