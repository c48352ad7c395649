// The outbox: everything a reporter files is saved on the phone first and leaves it only after the server's 2xx
// for its client_id (PWA.md rules 1-8). Nothing is dropped by itself. Three modules, one interface (this one,
// pwa/README.md `outbox.js`): the state machine as pure functions (outboxState.js: items, owners, order,
// back-off, what a failure makes of an item), the sender (outboxSender.js: the round, its locks, the requests,
// the photos, the timer), and here the store operations the screens call and the outcomes the forms wait for.
//
// Owner:    the user who filed it (issue 18). A report is an official statement in its filer's name: it is sent only
//           while that same user is logged in, never under another login on a shared phone, and other users see
//           only how many of someone else's wait ("李秀英 的 2 条报告在本机等待发送"), never what they say.
//           Nobody logged in: no request at all (a logout used to make the sender loop on 401s).
// Photos are bytes in the `blobs` store, written in the same transaction as their item.
import { api as defaultApi, reachable as defaultReachable } from './api.js';
import { getDb } from './db.js';
import {
  belongsTo,
  fixedItem,
  newItem,
  OUTCOME_WAIT_MS,
  PHOTO_PARENTS,
  queuedReason,
  StorageFullError,
  storageSummary,
  uuid,
} from './outboxState.js';
import { createSender } from './outboxSender.js';

export {
  backoffDelay,
  belongsTo,
  classify,
  CLIENT_ERROR_MESSAGE,
  MAX_BACKOFF_MS,
  othersLine,
  othersWaiting,
  OUTCOME_WAIT_MS,
  PHOTO_TIMEOUT_MS,
  REPORT_TIMEOUT_MS,
  STALE_AFTER_MS,
  StorageFullError,
  uuid,
} from './outboxState.js';

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
  let persistAsked = false;
  const outcomes = createOutcomes(() => queuedReason(sender.getState(), currentUser()));
  const deps = { openDb, api, reachable, now, random, timers, locks, currentUser, refreshCsrf, onUnauthorized, tabId };
  const sender = createSender({ ...deps, emit, listItems, outcomes });

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

  async function enqueue(given) {
    const { kind, photos = [] } = given;
    if (photos.length && !PHOTO_PARENTS[kind]) throw new Error(`photos are not supported for ${kind}`);
    const user = currentUser();
    if (!user) throw new Error('请先登录再保存');
    const item = newItem(given, { user, clientId: uuid(), at: now() });
    await saveNew(item, photos);
    emit();
    askPersist();
    outcomes.expect(item.clientId);
    kick();
    return item.clientId;
  }

  // Item and photos together or not at all (rule 1); nothing awaited here but IndexedDB requests.
  async function saveNew(item, photos) {
    const db = await openDb();
    try {
      const tx = db.transaction(['outbox', 'blobs'], 'readwrite');
      const writes = [];
      try {
        writes.push(tx.objectStore('outbox').add(item));
        photos.forEach((photo, index) => {
          writes.push(tx.objectStore('blobs').put({ id: item.photos[index].blobId, clientId: item.clientId, blob: photo.blob }));
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
    Object.assign(item, fixedItem(item, { body, label }, now()));
    await Promise.all([tx.store.put(item), tx.done]);
    emit();
    outcomes.expect(clientId);
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

  /** Send every waiting item now (立即发送, and the start/online/visible/after-save triggers). */
  function sendNow() {
    return sender.run(true);
  }

  function kick() {
    sendNow().catch((error) => console.error('outbox', error));
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
    return storageSummary(estimate, persisted);
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
      sender.cancelTimer();
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
    awaitOutcome: outcomes.await,
    start,
    getState: sender.getState,
    storageStatus,
  };
}

/**
 * The outcomes the forms wait for (issue 18, item 6): a saved item's first try after its save. Only rounds
 * started after the save count, so a round already under way that listed the items before it does not answer
 * for it. `reason()`: why an item a round did not send waits (outboxState.js `queuedReason`).
 */
function createOutcomes(reason) {
  let rounds = 0; // rounds started so far
  const expected = new Map(); // clientId → the number of rounds started before it was saved
  const outcomes = new Map(); // clientId → {status: 'delivered'|'queued'|'refused', ...}
  const listeners = new Set();

  function expect(clientId) {
    outcomes.delete(clientId);
    expected.set(clientId, rounds);
  }

  function settle(clientId, outcome) {
    if (!expected.has(clientId)) return;
    expected.delete(clientId);
    outcomes.set(clientId, outcome);
    for (const fn of listeners) fn(clientId, outcome);
  }

  function roundStarted() {
    rounds += 1;
    return rounds;
  }

  // A round is over: every item saved before it started and still without an outcome was not sent (no network,
  // nobody logged in, another tab sends): it waits on the phone.
  function roundOver(number) {
    for (const [clientId, before] of [...expected]) {
      if (before < number) settle(clientId, { status: 'queued', reason: reason() });
    }
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
        listeners.delete(listener);
        clearTimeout(timeout);
        resolve(outcome);
      };
      const listener = (id, outcome) => id === clientId && done(outcome);
      const timeout = setTimeout(() => done({ status: 'queued', reason: 'slow' }), timeoutMs);
      listeners.add(listener);
    });
  }

  return { expect, settle, roundStarted, roundOver, await: awaitOutcome };
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
