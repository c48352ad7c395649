// The outbox's sender: one round at a time in this tab and one sender across tabs (rule 5), each item's request
// and then its photos, the failures turned into the item's next state (outboxState.js `afterFailure`), and the
// timer of the next automatic round. outbox.js builds it and owns the store operations and the outcomes.
//
// Photos are bytes in the `blobs` store; they go after the parent's 2xx to /{hazards|damage-reports}/{serverId}/photos,
// serverId being saved before the first photo so a crash between the two never sends the parent twice under
// another id.
import { ApiError } from './api.js';
import {
  afterFailure,
  answerIsFor,
  backoffDelay,
  nextWait,
  ownerName,
  PHOTO_PARENTS,
  PHOTO_TIMEOUT_MS,
  REPORT_TIMEOUT_MS,
  sendOrder,
} from './outboxState.js';

const LOCK_NAME = 'gridreport-outbox';
const LOCK_TTL_MS = 60 * 1000; // the IndexedDB fallback lock of a dead tab expires after this

/**
 * createSender(deps) → {run(force), getState(), cancelTimer()}. `deps`: createOutbox's options (openDb, api,
 * reachable, now, random, timers, locks, currentUser, refreshCsrf, onUnauthorized, tabId) and from the outbox:
 * `emit(broadcast)`, `listItems()` and `outcomes` ({roundStarted() → number, roundOver(number), settle(clientId,
 * outcome)}).
 */
export function createSender(deps) {
  const { openDb, api, reachable, now, random, timers, locks, currentUser, refreshCsrf, onUnauthorized, tabId } = deps;
  const { emit, listItems, outcomes } = deps;
  let running = null; // the promise of the round in progress, so triggers never start a second sender here
  let again = false;
  let failures = 0; // rounds in a row that found the server unreachable
  let retryAt = 0;
  let timer = null;
  const state = { sending: false, unreachable: false, retryAt: 0, loginNeeded: false };

  function run(force) {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          const number = outcomes.roundStarted();
          try {
            await withSenderLock((renewLease) => round(force, renewLease));
          } finally {
            outcomes.roundOver(number);
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
    if (!force) {
      if (state.loginNeeded) return cancelTimer(); // a 401 stops the sender until a login (sendNow)
      if (now() < retryAt) return schedule();
    }
    const items = sendOrder(await listItems(), user, force ? null : now());
    if (!items.length) return schedule();
    setState({ sending: true });
    try {
      if (!(await reachable())) {
        await unreachable();
        return;
      }
      await claim(db, user, items);
      await sendAll(db, user, items, renewLease);
    } finally {
      setState({ sending: false });
    }
    await schedule();
  }

  async function sendAll(db, user, items, renewLease) {
    for (const item of items) {
      // Someone else logged in meanwhile: this item is not theirs to send.
      const still = currentUser();
      if (!still || still.id !== user.id) break;
      const outcome = await sendItem(db, item);
      if (outcome === 'stop') break;
      if (!(await renewLease())) break;
    }
  }

  // Items from before owners existed become the sender's user's now: the first reporter logged in while the server
  // can be reached (see belongsTo and db.js version 3).
  async function claim(db, user, items) {
    const unowned = items.filter((item) => item.ownerId == null);
    for (const listed of unowned) {
      const item = await db.get('outbox', listed.clientId);
      if (!item || item.ownerId != null) continue;
      Object.assign(item, { ownerId: user.id, ownerName: ownerName(user) });
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
      if (item.serverId == null) await sendReport(db, item);
      for (const photo of item.photos) {
        if (!photo.sent) await sendPhoto(db, item, photo);
      }
      await remove(db, item);
      outcomes.settle(item.clientId, { status: 'delivered', at: now(), photosLeft: 0 });
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

  async function sendReport(db, item) {
    const method = item.method || 'POST';
    const created = await timed(REPORT_TIMEOUT_MS, (signal) => api(item.url, { method, json: item.body, signal }));
    reached();
    if (!answerIsFor(item, created)) {
      throw new ApiError({ status: 200, code: 'unexpected_answer', message: '服务器的回答与这条报告对不上，请联系乡镇' });
    }
    item.serverId = created.id;
    const photosLeft = item.photos.filter((photo) => !photo.sent).length;
    if (photosLeft) await save(db, item);
    outcomes.settle(item.clientId, { status: 'delivered', at: now(), photosLeft });
  }

  async function sendPhoto(db, item, photo) {
    const record = await db.get('blobs', photo.blobId);
    const form = photoForm(photo, record);
    const url = `${PHOTO_PARENTS[item.kind]}/${item.serverId}/photos`;
    await timed(PHOTO_TIMEOUT_MS, (signal) => api(url, { method: 'POST', form, signal }));
    reached();
    photo.sent = true;
    const tx = db.transaction(['outbox', 'blobs'], 'readwrite');
    await Promise.all([tx.objectStore('outbox').put(item), tx.objectStore('blobs').delete(photo.blobId), tx.done]);
    emit();
  }

  async function failed(db, item, error) {
    const edge = afterFailure(item, error, { at: now(), random });
    // Not an answer of the server: a fault on the phone. Retrying would only repeat it; a person must look.
    if (edge.kind === 'bug') console.error('outbox', error);
    if (edge.server === 'reached' || edge.server === 'login') reached();
    Object.assign(item, edge.change);
    await save(db, item);
    if (edge.server === 'unreachable') await unreachable();
    if (edge.server === 'login') setState({ loginNeeded: true });
    if (edge.part === 'report') outcomes.settle(item.clientId, edge.outcome);
    if (edge.server === 'login') onUnauthorized(error);
    return edge.next;
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
      wait = nextWait(await listItems(), user, retryAt, now());
      if (wait === null || timer !== null) return;
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

  return { run, getState, cancelTimer };
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

function photoForm(photo, record) {
  const form = new FormData();
  form.append('file', record.blob, photo.name);
  for (const key of ['lat', 'lon', 'accuracy_m', 'taken_at']) {
    if (photo[key] !== null && photo[key] !== undefined) form.append(key, String(photo[key]));
  }
  return form;
}
