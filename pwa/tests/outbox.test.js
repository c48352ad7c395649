import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../src/api.js';
import { backoffDelay, MAX_BACKOFF_MS } from '../src/outbox.js';
import { fail, fakeClock, freshIndexedDb, jpeg, makeOutbox, queueOffline } from './helpers.js';

const HAZARD = { category: 'landslide', title: '后山滑坡', risk_level: 'high', address: '三组后山', found_at: '2026-07-01T08:00:00+08:00' };
const PHOTOS = [
  { blob: jpeg('one'), lat: 29.25, lon: 117.86, accuracy_m: 12, taken_at: '2026-07-01T00:00:00Z' },
  { blob: jpeg('two'), lat: 29.26, lon: 117.87, accuracy_m: 8, taken_at: '2026-07-01T00:01:00Z' },
];
const offline = { reachable: async () => false };

beforeEach(freshIndexedDb);
afterEach(() => {
  freshIndexedDb();
});

async function allBlobs(db) {
  return (await db()).getAll('blobs');
}

describe('enqueue', () => {
  it('saves the item and its photos before any request, with the client id in the body', async () => {
    const { outbox, calls, db } = makeOutbox(offline);
    const clientId = await outbox.enqueue({ kind: 'hazard', url: '/hazards', body: HAZARD, photos: PHOTOS, label: '后山滑坡' });
    await outbox.sendNow();

    const [item] = await outbox.listItems();
    expect(item.clientId).toBe(clientId);
    expect(item.body).toEqual({ ...HAZARD, client_id: clientId });
    expect(item.status).toBe('pending');
    expect(item.photos.map((photo) => [photo.lat, photo.lon, photo.accuracy_m, photo.sent])).toEqual([
      [29.25, 117.86, 12, false],
      [29.26, 117.87, 8, false],
    ]);
    const blobs = await allBlobs(db);
    expect(blobs.map((record) => record.clientId)).toEqual([clientId, clientId]);
    expect(await blobs[0].blob.text()).toBe('one');
    expect(calls).toEqual([]); // unreachable: nothing was sent
  });

  it('writes nothing when a photo cannot be stored: item and photos are one transaction', async () => {
    const { outbox, db } = makeOutbox(offline);
    const bad = { blob: { notClonable: () => {} } }; // a function cannot be structured-cloned
    await expect(outbox.enqueue({ kind: 'hazard', url: '/hazards', body: HAZARD, photos: [PHOTOS[0], bad] })).rejects.toThrow();
    expect(await outbox.listItems()).toEqual([]);
    expect(await allBlobs(db)).toEqual([]);
  });

  it('gives every item its own client id, kept across retries', async () => {
    let answer = () => fail(0, 'network');
    const made = makeOutbox({ handler: (call) => answer(call) });
    const { outbox, calls } = made;
    const [first, second] = await queueOffline(made, [
      { kind: 'hazard', url: '/hazards', body: HAZARD },
      { kind: 'hazard', url: '/hazards', body: HAZARD },
    ]);
    expect(first).not.toBe(second);
    await outbox.sendNow();
    answer = () => ({ id: 7 });
    await outbox.sendNow();
    const sentIds = calls.map((call) => call.json.client_id);
    expect(new Set(sentIds)).toEqual(new Set([first, second]));
    // The one tried while the network was down went again with the same id: counts 2 and 1.
    expect([first, second].map((id) => sentIds.filter((sent) => sent === id).length).sort()).toEqual([1, 2]);
  });
});

describe('sending', () => {
  it('sends the parent, then each photo to the returned id with its position fields, then deletes everything', async () => {
    const { outbox, calls, db } = makeOutbox({ handler: (call) => (call.path === '/hazards' ? { id: 41 } : { id: 100 }) });
    await outbox.enqueue({ kind: 'hazard', url: '/hazards', body: HAZARD, photos: PHOTOS });
    await outbox.sendNow();

    expect(calls.map((call) => `${call.method} ${call.path}`)).toEqual([
      'POST /hazards',
      'POST /hazards/41/photos',
      'POST /hazards/41/photos',
    ]);
    const form = calls[1].form;
    expect(await form.get('file').text()).toBe('one');
    expect([form.get('lat'), form.get('lon'), form.get('accuracy_m'), form.get('taken_at')]).toEqual([
      '29.25',
      '117.86',
      '12',
      '2026-07-01T00:00:00Z',
    ]);
    expect(await outbox.listItems()).toEqual([]);
    expect(await allBlobs(db)).toEqual([]);
  });

  it('sends damage report photos to /damage-reports/{id}/photos', async () => {
    const { outbox, calls } = makeOutbox({ handler: () => ({ id: 5 }) });
    await outbox.enqueue({ kind: 'damage', url: '/events/3/damage-reports', body: { stage: 'initial' }, photos: [PHOTOS[0]] });
    await outbox.sendNow();
    expect(calls.map((call) => call.path)).toEqual(['/events/3/damage-reports', '/damage-reports/5/photos']);
  });

  it('never sends the parent again once its 2xx came: a lost photo resumes with the saved id', async () => {
    let photoAnswers = 0;
    const made = makeOutbox({
      handler: (call) => {
        if (call.path === '/hazards') return { id: 41 };
        photoAnswers += 1;
        return photoAnswers === 2 ? fail(0, 'network') : { id: 100 + photoAnswers };
      },
    });
    const { outbox, calls } = made;
    await queueOffline(made, [{ kind: 'hazard', url: '/hazards', body: HAZARD, photos: PHOTOS }]);
    await outbox.sendNow();
    const [waiting] = await outbox.listItems();
    expect(waiting.serverId).toBe(41);
    expect(waiting.photos.map((photo) => photo.sent)).toEqual([true, false]);
    expect(waiting.status).toBe('pending');

    await outbox.sendNow();
    expect(calls.map((call) => call.path)).toEqual(['/hazards', '/hazards/41/photos', '/hazards/41/photos', '/hazards/41/photos']);
    expect(await outbox.listItems()).toEqual([]);
  });

  it('puts an item left `sending` by a page that died back to pending and sends it once', async () => {
    const first = makeOutbox(offline);
    const clientId = await first.outbox.enqueue({ kind: 'hazard', url: '/hazards', body: HAZARD });
    await first.outbox.sendNow(); // (finds no server)
    const db = await first.db();
    await db.put('outbox', { ...(await db.get('outbox', clientId)), status: 'sending' }); // the crash

    const { outbox, calls } = makeOutbox({ db: first.db, handler: () => ({ id: 9 }) });
    expect((await outbox.listItems())[0].status).toBe('sending');
    await outbox.sendNow();
    expect(calls.map((call) => call.json.client_id)).toEqual([clientId]);
    expect(await outbox.listItems()).toEqual([]);
  });

  it('checks the server is reachable before sending', async () => {
    const { outbox, calls } = makeOutbox(offline);
    await outbox.enqueue({ kind: 'hazard', url: '/hazards', body: HAZARD });
    await outbox.sendNow();
    expect(calls).toEqual([]);
    expect(outbox.getState().unreachable).toBe(true);
  });
});

describe('answers that are not 2xx', () => {
  it.each([
    [422, 'validation_error', { title: ['名称应为 1-200 个字'] }],
    [409, 'client_id_reused', {}],
    [409, 'stage_order', {}],
    [403, 'forbidden', {}],
    [400, 'bad_request', {}],
  ])('%i %s: needs attention with the server message, kept, not retried by itself', async (status, code, fields) => {
    const made = makeOutbox({ handler: () => fail(status, code, '服务器的话', fields) });
    const { outbox, calls, clock } = made;
    await queueOffline(made, [{ kind: 'hazard', url: '/hazards', body: HAZARD, photos: [PHOTOS[0]] }]);
    clock.timers = []; // the unreachable round's retry timer
    await outbox.sendNow();
    const [item] = await outbox.listItems();
    expect(item.status).toBe('needs_attention');
    expect(item.lastError).toMatchObject({ status, code, message: '服务器的话', fields, part: 'report' });
    expect(clock.timers).toEqual([]); // nothing scheduled for it
    await outbox.sendNow();
    expect(calls.length).toBe(1);
    expect((await outbox.listItems()).length).toBe(1);
  });

  it('a fixed item goes back to pending and is sent with the same client id', async () => {
    let reject = true;
    const { outbox, calls } = makeOutbox({ handler: () => (reject ? fail(422, 'validation_error', '填写有误', { title: ['x'] }) : { id: 3 }) });
    const clientId = await outbox.enqueue({ kind: 'hazard', url: '/hazards', body: HAZARD });
    await outbox.sendNow();
    reject = false;
    await outbox.updateItem(clientId, { body: { ...HAZARD, title: '后山滑坡（改）' } });
    await outbox.sendNow();
    expect(calls.map((call) => [call.json.client_id, call.json.title])).toEqual([
      [clientId, '后山滑坡'],
      [clientId, '后山滑坡（改）'],
    ]);
    expect(await outbox.listItems()).toEqual([]);
  });

  it('401: keeps the item pending, asks for login, stops the round; sends after login', async () => {
    let loggedIn = false;
    const unauthorized = [];
    const made = makeOutbox({
      handler: () => (loggedIn ? { id: 1 } : fail(401, 'unauthorized', '请先登录')),
      onUnauthorized: (error) => unauthorized.push(error.status),
    });
    const { outbox, calls } = made;
    await queueOffline(made, [
      { kind: 'hazard', url: '/hazards', body: HAZARD },
      { kind: 'hazard', url: '/hazards', body: { ...HAZARD, title: '第二条' } },
    ]);
    await outbox.sendNow();
    expect(unauthorized).toEqual([401]);
    expect(calls.length).toBe(1); // the second item was not tried with a dead session
    expect((await outbox.listItems()).map((item) => item.status)).toEqual(['pending', 'pending']);
    expect(outbox.getState().loginNeeded).toBe(true);

    loggedIn = true;
    await outbox.sendNow();
    expect(await outbox.listItems()).toEqual([]);
  });

  it('403 csrf_failed: refreshes the token and resends once', async () => {
    let token = 'old';
    const { outbox, calls } = makeOutbox({
      handler: () => (token === 'old' ? fail(403, 'csrf_failed', 'CSRF') : { id: 1 }),
      refreshCsrf: async () => {
        token = 'new';
        return true;
      },
    });
    await outbox.enqueue({ kind: 'hazard', url: '/hazards', body: HAZARD });
    await outbox.sendNow();
    expect(calls.length).toBe(2);
    expect(await outbox.listItems()).toEqual([]);
  });

  it.each([500, 408, 429])('%i: stays pending with a back-off and the next item still goes', async (status) => {
    const clock = fakeClock();
    const made = makeOutbox({ clock, handler: (call) => (call.json.title === HAZARD.title ? fail(status) : { id: 2 }) });
    const { outbox } = made;
    await queueOffline(made, [
      { kind: 'hazard', url: '/hazards', body: HAZARD },
      { kind: 'hazard', url: '/hazards', body: { ...HAZARD, title: '第二条' } },
    ]);
    await outbox.sendNow();
    const items = await outbox.listItems();
    expect(items.map((item) => [item.body.title, item.status, item.attempts])).toEqual([[HAZARD.title, 'pending', 1]]);
    expect(items[0].nextAttemptAt).toBe(clock.time + backoffDelay(1, () => 0.5));
    expect(clock.pendingDelay()).toBe(backoffDelay(1, () => 0.5));
  });

  it('no answer: stays pending, the round stops, and an automatic retry is scheduled', async () => {
    const made = makeOutbox({ handler: () => fail(0, 'network', '网络不通') });
    const { outbox, calls, clock } = made;
    await queueOffline(made, [
      { kind: 'hazard', url: '/hazards', body: HAZARD },
      { kind: 'hazard', url: '/hazards', body: HAZARD },
    ]);
    clock.timers = [];
    await outbox.sendNow();
    expect(calls.length).toBe(1);
    expect((await outbox.listItems()).map((item) => item.status)).toEqual(['pending', 'pending']);
    expect(clock.pendingDelay()).toBeGreaterThan(0);
  });
});

describe('back-off', () => {
  it('doubles from 2 s with jitter between half and all of the step, capped at 5 minutes', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, () => 1))).toEqual([2000, 4000, 8000, 16000]);
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, () => 0))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffDelay(30, () => 1)).toBe(MAX_BACKOFF_MS);
    expect(backoffDelay(1000, () => 0.999)).toBeLessThanOrEqual(MAX_BACKOFF_MS);
  });

  it('retries by itself on the schedule while the server is unreachable, then sends once it answers', async () => {
    const clock = fakeClock();
    const made = makeOutbox({ clock, handler: () => ({ id: 1 }) });
    const { outbox, calls, net } = made;
    net.up = false;
    await outbox.enqueue({ kind: 'hazard', url: '/hazards', body: HAZARD }); // its send finds no server
    await outbox.sendNow(); // 立即发送 neither
    const delays = [];
    clock.timers = [];
    await outbox.sendNow();
    delays.push(clock.pendingDelay());
    for (let i = 0; i < 10; i += 1) {
      await clock.fireNext();
      delays.push(clock.pendingDelay());
    }
    // random 0.5 → three quarters of each step; this is the third unreachable round in a row
    expect(delays.slice(0, 4)).toEqual([6000, 12000, 24000, 48000]);
    expect(Math.max(...delays)).toBe(backoffDelay(99, () => 0.5));
    expect(Math.max(...delays)).toBeLessThanOrEqual(MAX_BACKOFF_MS);
    expect(calls).toEqual([]);

    net.up = true;
    await clock.fireNext();
    expect(calls.length).toBe(1);
    expect(await outbox.listItems()).toEqual([]);
    expect(clock.timers).toEqual([]);
  });

  it('an automatic retry waits for the back-off; 立即发送 does not', async () => {
    const clock = fakeClock();
    let answer = () => fail(500, 'internal_error');
    const made = makeOutbox({ clock, handler: () => answer() });
    const { outbox, calls } = made;
    await queueOffline(made, [{ kind: 'hazard', url: '/hazards', body: HAZARD }]);
    await outbox.sendNow();
    expect(calls.length).toBe(1);
    expect(clock.pendingDelay()).toBe(backoffDelay(1, () => 0.5)); // the automatic retry waits for the back-off
    await clock.fireNext();
    expect(calls.length).toBe(2);
    expect(clock.pendingDelay()).toBe(backoffDelay(2, () => 0.5));
    answer = () => ({ id: 1 });
    await outbox.sendNow(); // a person pressed 立即发送 before the back-off ended
    expect(calls.length).toBe(3);
    expect(await outbox.listItems()).toEqual([]);
  });
});

describe('one sender', () => {
  it('two tabs sending at once send each item once (IndexedDB lease without Web Locks)', async () => {
    const shared = makeOutbox(offline);
    for (const title of ['一', '二', '三']) await shared.outbox.enqueue({ kind: 'hazard', url: '/hazards', body: { ...HAZARD, title } });
    const slowly = async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { id: 1 };
    };
    const tabA = makeOutbox({ db: shared.db, handler: slowly });
    const tabB = makeOutbox({ db: shared.db, handler: slowly });
    await Promise.all([tabA.outbox.sendNow(), tabB.outbox.sendNow(), tabA.outbox.sendNow()]);
    // The tab that lost the lease looks again later (its timer); run that too.
    for (const tab of [tabA, tabB]) while (tab.clock.timers.length) await tab.clock.fireNext();
    const sent = [...tabA.calls, ...tabB.calls].map((call) => call.json.title).sort();
    expect(sent).toEqual(['一', '三', '二']);
    expect(await shared.outbox.listItems()).toEqual([]);
  });

  it('uses navigator.locks when present and does not send while another tab holds it', async () => {
    const held = new Set();
    const locks = {
      async request(name, options, fn) {
        if (held.has(name)) return fn(null);
        held.add(name);
        try {
          return await fn({ name });
        } finally {
          held.delete(name);
        }
      },
    };
    const made = makeOutbox({ locks, handler: () => ({ id: 1 }) });
    const { outbox, calls } = made;
    await queueOffline(made, [{ kind: 'hazard', url: '/hazards', body: HAZARD }]);
    await outbox.sendNow(); // sent under the lock
    expect(calls.length).toBe(1);
    held.add('gridreport-outbox'); // another tab now sends
    await queueOffline(made, [{ kind: 'hazard', url: '/hazards', body: HAZARD }]);
    await outbox.sendNow();
    expect(calls.length).toBe(1);
    expect((await outbox.listItems()).length).toBe(1);
  });
});

describe('by hand', () => {
  it('deleteItem removes the item and its photos', async () => {
    const { outbox, db } = makeOutbox(offline);
    const clientId = await outbox.enqueue({ kind: 'hazard', url: '/hazards', body: HAZARD, photos: PHOTOS });
    await outbox.deleteItem(clientId);
    expect(await outbox.listItems()).toEqual([]);
    expect(await allBlobs(db)).toEqual([]);
  });

  it('subscribe is told of every change', async () => {
    const { outbox } = makeOutbox({ handler: () => ({ id: 1 }) });
    let changes = 0;
    const stop = outbox.subscribe(() => {
      changes += 1;
    });
    await outbox.enqueue({ kind: 'hazard', url: '/hazards', body: HAZARD });
    await outbox.sendNow();
    expect(changes).toBeGreaterThanOrEqual(3); // saved, sending, deleted
    stop();
    const before = changes;
    await outbox.enqueue({ kind: 'hazard', url: '/hazards', body: HAZARD });
    expect(changes).toBe(before);
  });
});

describe('a 2xx for something else', () => {
  it('never deletes the item: a record with another client id needs attention', async () => {
    const made = makeOutbox({ handler: () => ({ id: 9, client_id: 'someone-else' }) });
    await queueOffline(made, [{ kind: 'hazard', url: '/hazards', body: HAZARD }]);
    await made.outbox.sendNow();
    const [item] = await made.outbox.listItems();
    expect(item.status).toBe('needs_attention');
    expect(item.lastError.code).toBe('unexpected_answer');
  });

  it('the same client id back (200 for a resend) deletes it', async () => {
    const made = makeOutbox({ handler: (call) => ({ id: 9, client_id: call.json.client_id }) });
    await queueOffline(made, [{ kind: 'hazard', url: '/hazards', body: HAZARD }]);
    await made.outbox.sendNow();
    expect(await made.outbox.listItems()).toEqual([]);
  });
});
