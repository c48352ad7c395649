// The outbox: everything a reporter files is saved on the phone first and leaves it only after the server's 2xx
// for its client_id (PWA.md rules 1-8). One module, one sender, nothing dropped by itself.
//
// An item:  {clientId, kind, url, label, body, ownerId, ownerName, status, createdAt, updatedAt, attempts,
//            nextAttemptAt, lastError, serverId, photos: [{blobId, name, lat, lon, accuracy_m, taken_at, sent}]}
// status:   pending → sending → (deleted after 2xx) | pending again (no answer, 5xx, 401) | needs_attention
//           (409/422/other 4xx, or a bug on the phone: the person fixes it with updateItem or deletes it by hand).
//           There is no "done".
// Owner:    the user who filed it (issue 18). A report is an official statement in its filer's name: it is sent only
//           while that same user is logged in, never under another login on a shared phone, and other users see
//           only how many of someone else's wait ("李秀英 的 2 条报告在本机等待发送"), never what they say.
//           Nobody logged in: no request at all (a logout used to make the sender loop on 401s).
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
// A request that hangs (a signal that comes and goes) counts as no network after this; a photo is bigger.
export const REPORT_TIMEOUT_MS = 30 * 1000;
export const PHOTO_TIMEOUT_MS = 120 * 1000;
export const OUTCOME_WAIT_MS = 5000; // how long a form waits for the first try before saying 已存在手机
export const CLIENT_ERROR_MESSAGE = '手机上的程序出了错，这条没有发出，内容仍保存在手机上。请截图告诉乡镇或技术人员。';

/**
 * Does `item` belong to `user` (the one whose login may send it)? Items saved before owners existed (schema
 * version 3, db.js) have no owner yet: the first reporter who is logged in when the sender can reach the server
 * takes them (`claim` below writes the owner into the item), and from then on they are that person's.
 */
export function belongsTo(item, user) {
  if (!user) return false;
  if (item.ownerId == null) return user.role === undefined || user.role === 'reporter';
  return item.ownerId === user.id;
}

/** Items of other people, as counts by owner: [{ownerId, ownerName, count}] (ownerName null: unclaimed). */
export function othersWaiting(items, user) {
  const byOwner = new Map();
  for (const item of items) {
    if (belongsTo(item, user)) continue;
    const key = item.ownerId ?? null;
    const entry = byOwner.get(key) || { ownerId: key, ownerName: item.ownerName ?? null, count: 0 };
    entry.count += 1;
    byOwner.set(key, entry);
  }
  return [...byOwner.values()];
}

/** "李秀英 的 2 条报告在本机等待发送": all another person may see of someone's items. */
export function othersLine({ ownerName, count }) {
  return ownerName ? `${ownerName} 的 ${count} 条报告在本机等待发送` : `${count} 条升级前保存的报告在本机等待发送`;
}

/**
 * What a failure means for the item (issue 18, item 2):
 * - 'offline': no answer (fetch failed, or timed out) or a gateway's 502/503/504: the server is not reachable
 *   now, the round stops and the whole outbox backs off;
 * - 'login': 401 (or a CSRF token that cannot be renewed): the sender stops until someone logs in;
 * - 'retry': the server answered busy or failed (408, 429, 500 …): this item waits its own back-off;
 * - 'refused': 409, 422, other 4xx, an answer that is not for this item: a person must look;
 * - 'bug': anything that is not an ApiError (a TypeError in our code, a photo blob gone): never "no network",
 *   which would retry for ever; the item needs attention with the code `client_error`.
 */
export function classify(error) {
  if (!(error instanceof ApiError)) return 'bug';
  if (error.status === 0 || [502, 503, 504].includes(error.status)) return 'offline';
  if (error.status === 401 || error.code === 'csrf_failed') return 'login';
  if (error.retryable) return 'retry';
  return 'refused';
}

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
  currentUser = () => null, // who is logged in now ({id, name, role}), or null: only their items are sent
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
  // Outcomes for the forms (awaitOutcome): a saved item's first try after its save.
  let rounds = 0; // rounds started so far
  const expected = new Map(); // clientId → the number of rounds started before it was saved
  const outcomes = new Map(); // clientId → {status: 'delivered'|'queued'|'refused', ...}
  const outcomeListeners = new Set();

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
    const user = currentUser();
    if (!user) throw new Error('请先登录再保存');
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
      ownerId: user.id,
      ownerName: user.name || user.username || null,
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
    expectOutcome(clientId);
    kick();
    return clientId;
  }

  async function listItems() {
    const db = await openDb();
    const items = await db.getAllFromIndex('outbox', 'createdAt');
    return items;
  }

  /** One item, only for its owner: another person's report is never shown, not even by its link. */
  async function getItem(clientId) {
    const item = await (await openDb()).get('outbox', clientId);
    return item && belongsTo(item, currentUser()) ? item : undefined;
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
    expectOutcome(clientId);
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

  /** Delete every item of one owner (the login screen's 删除, after its confirmation). */
  async function deleteOwnerItems(ownerId) {
    const items = (await listItems()).filter((item) => (item.ownerId ?? null) === ownerId);
    for (const item of items) await deleteItem(item.clientId);
    return items.length;
  }

  // The form that saved `clientId` waits for its first try (issue 18, item 6): only rounds started after the save
  // count, so a round already under way that listed the items before it does not answer for it.
  function expectOutcome(clientId) {
    outcomes.delete(clientId);
    expected.set(clientId, rounds);
  }

  function settle(clientId, outcome) {
    if (!expected.has(clientId)) return;
    expected.delete(clientId);
    outcomes.set(clientId, outcome);
    for (const fn of outcomeListeners) fn(clientId, outcome);
  }

  // A round is over: every item saved before it started and still without an outcome was not sent (no network,
  // nobody logged in, another tab sends): it waits on the phone.
  function settleRound(number) {
    for (const [clientId, before] of [...expected]) {
      if (before < number) settle(clientId, { status: 'queued', reason: queuedReason() });
    }
  }

  function queuedReason() {
    if (state.loginNeeded || !currentUser()) return 'login';
    return state.unreachable ? 'offline' : 'waiting';
  }

  /**
   * awaitOutcome(clientId, {timeoutMs}) → {status: 'delivered', at, photosLeft} | {status: 'queued', reason} |
   * {status: 'refused', error}: what the first try after the save (enqueue or updateItem) gave. Without an answer
   * within `timeoutMs` the item is still on the phone and will go by itself: 'queued'.
   */
  function awaitOutcome(clientId, { timeoutMs = OUTCOME_WAIT_MS } = {}) {
    if (outcomes.has(clientId)) return Promise.resolve(outcomes.get(clientId));
    return new Promise((resolve) => {
      const done = (outcome) => {
        outcomeListeners.delete(listener);
        clearTimeout(timeout);
        resolve(outcome);
      };
      const listener = (id, outcome) => id === clientId && done(outcome);
      const timeout = setTimeout(() => done({ status: 'queued', reason: 'slow' }), timeoutMs);
      outcomeListeners.add(listener);
    });
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
          rounds += 1;
          const number = rounds;
          try {
            await withSenderLock((renewLease) => round(force, renewLease));
          } finally {
            settleRound(number);
          }
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
    const user = currentUser();
    // Nobody logged in (a logout, an expired session): not one request, not even /healthz, and no timer; the
    // next login's sendNow() starts again.
    if (!user) return cancelTimer();
    // A forced round (a login's sendNow, 立即发送, a save, online, visible) with someone logged in tries again after a
    // 401; a new 401 stops it again. Timers never do.
    if (force && state.loginNeeded) setState({ loginNeeded: false });
    // Oldest first, except what other items may need on the server before them (sendFirst: a ledger row before
    // the 核报 it backs, when the 核报 refused for the missing row was fixed before the row was sent).
    let items = (await listItems()).filter((item) => item.status === 'pending' && belongsTo(item, user));
    items.sort((a, b) => Number(!a.sendFirst) - Number(!b.sendFirst));
    if (!force) {
      if (state.loginNeeded) return cancelTimer(); // a 401 stops the sender until a login (sendNow)
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
      await claim(db, user, items);
      for (const item of items) {
        // Someone else logged in meanwhile: this item is not theirs to send.
        const still = currentUser();
        if (!still || still.id !== user.id) break;
        const outcome = await sendItem(db, item);
        if (outcome === 'stop') break;
        if (!(await renewLease())) break;
      }
    } finally {
      setState({ sending: false });
    }
    await schedule();
  }

  // Items from before owners existed become the sender's user's now: the first reporter logged in while the server
  // can be reached (see belongsTo and db.js version 3).
  async function claim(db, user, items) {
    const unowned = items.filter((item) => item.ownerId == null);
    for (const listed of unowned) {
      const item = await db.get('outbox', listed.clientId);
      if (!item || item.ownerId != null) continue;
      Object.assign(item, { ownerId: user.id, ownerName: user.name || user.username || null });
      Object.assign(listed, { ownerId: item.ownerId, ownerName: item.ownerName });
      await save(db, item);
    }
  }

  function cancelTimer() {
    if (timer !== null) timers.clear(timer);
    timer = null;
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
        const created = await timed(REPORT_TIMEOUT_MS, (signal) => api(item.url, { method, json: item.body, signal }));
        reached();
        // Rule 2: the 2xx must be for this item. A record with another client id (a misbehaving proxy or cache)
        // never deletes it; a person looks. A PATCH answers the changed record, whose client_id is its creator's.
        const otherId = method === 'POST' && created && created.client_id && created.client_id !== item.clientId;
        if (!created || created.id == null || otherId) {
          throw new ApiError({ status: 200, code: 'unexpected_answer', message: '服务器的回答与这条报告对不上，请联系乡镇' });
        }
        item.serverId = created.id;
        const photosLeft = item.photos.filter((photo) => !photo.sent).length;
        if (photosLeft) await save(db, item);
        settle(item.clientId, { status: 'delivered', at: now(), photosLeft });
      }
      for (const photo of item.photos) {
        if (photo.sent) continue;
        const record = await db.get('blobs', photo.blobId);
        const form = photoForm(photo, record);
        await timed(PHOTO_TIMEOUT_MS, (signal) =>
          api(`${PHOTO_PARENTS[item.kind]}/${item.serverId}/photos`, { method: 'POST', form, signal }),
        );
        reached();
        photo.sent = true;
        const tx = db.transaction(['outbox', 'blobs'], 'readwrite');
        await Promise.all([tx.objectStore('outbox').put(item), tx.objectStore('blobs').delete(photo.blobId), tx.done]);
        emit();
      }
      await remove(db, item);
      settle(item.clientId, { status: 'delivered', at: now(), photosLeft: 0 });
      return 'next';
    } catch (error) {
      if (error instanceof ApiError && error.status === 403 && error.code === 'csrf_failed' && !retried && (await refreshCsrf())) {
        item.status = 'pending';
        await save(db, item);
        return sendItem(db, item, true);
      }
      return failed(db, item, error);
    }
  }

  async function failed(db, item, error) {
    const kind = classify(error);
    const part = item.serverId == null ? 'report' : 'photo';
    if (kind === 'bug') {
      // Not an answer of the server: a fault on the phone. Retrying would only repeat it; a person must look.
      console.error('outbox', error);
      const detail = String((error && error.message) || error);
      item.lastError = { status: null, code: 'client_error', message: CLIENT_ERROR_MESSAGE, fields: {}, detail, part, at: now() };
    } else {
      item.lastError = { ...error.toJSON(), part, at: now() };
    }
    const settleAs = (outcome) => {
      if (part === 'report') settle(item.clientId, outcome);
    };
    if (kind === 'offline') {
      item.status = 'pending';
      item.attempts += 1;
      await save(db, item);
      await unreachable();
      settleAs({ status: 'queued', reason: 'offline' });
      return 'stop';
    }
    if (kind === 'login') {
      // Not logged in (or the session changed): keep the item, stop sending until a login (rule 3).
      reached();
      item.status = 'pending';
      await save(db, item);
      setState({ loginNeeded: true });
      settleAs({ status: 'queued', reason: 'login' });
      onUnauthorized(error);
      return 'stop';
    }
    if (kind === 'retry') {
      reached();
      item.status = 'pending';
      item.attempts += 1;
      item.nextAttemptAt = now() + backoffDelay(item.attempts, random);
      await save(db, item);
      settleAs({ status: 'queued', reason: 'busy' });
      return 'next';
    }
    // 409, 422 and any other 4xx, or a bug: the server will never accept it as it is; a person must look (rule 3).
    if (kind === 'refused') reached();
    item.status = 'needs_attention';
    await save(db, item);
    settleAs({ status: 'refused', error: item.lastError });
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
    cancelTimer();
    const user = currentUser();
    if (!user || state.loginNeeded) return; // nothing goes before a login
    let wait = delay;
    if (wait === undefined) {
      const waiting = (await listItems()).filter((item) => item.status === 'pending' && belongsTo(item, user));
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

  return {
    enqueue,
    listItems,
    getItem,
    subscribe,
    sendNow,
    updateItem,
    deleteItem,
    deleteOwnerItems,
    awaitOutcome,
    start,
    getState,
    storageStatus,
  };
}

/** Run `request(signal)`, aborted after `ms` (api.js turns the abort into ApiError {status: 0, code: 'timeout'}). */
async function timed(ms, request) {
  if (typeof AbortController !== 'function') return request(undefined);
  const controller = new AbortController();
  const id = setTimeout(() => controller.abort(), ms);
  try {
    return await request(controller.signal);
  } finally {
    clearTimeout(id);
  }
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
  currentUser: () => hooks.currentUser(),
});
const hooks = { onUnauthorized: () => {}, refreshCsrf: async () => false, currentUser: () => null };

/** configure({onUnauthorized, refreshCsrf, currentUser}): what a 401 and a stale CSRF token do, who is logged in. */
export function configure(given) {
  Object.assign(hooks, given);
}

export const {
  enqueue,
  listItems,
  getItem,
  subscribe,
  sendNow,
  updateItem,
  deleteItem,
  deleteOwnerItems,
  awaitOutcome,
  start,
  getState,
  storageStatus,
} = outbox;
