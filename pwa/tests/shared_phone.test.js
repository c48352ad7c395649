// Issue 18: a phone shared by two officers, a sender that stops on 401 and when nobody is logged in, failures told
// apart (no network / the server's answer / a bug on the phone), and the first try's outcome a form shows.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../src/api.js';
import { belongsTo, classify, CLIENT_ERROR_MESSAGE, othersLine, othersWaiting } from '../src/outbox.js';
import { fail, fakeClock, freshIndexedDb, jpeg, makeOutbox, OFFICER_A, OFFICER_B, queueOffline } from './helpers.js';

const HAZARD = { category: 'landslide', title: '后山滑坡', risk_level: 'high', address: '三组后山' };
const EVACUATION = { org_unit_id: 5, evacuated: 12, displaced: 12, allocations: [] };

beforeEach(freshIndexedDb);
afterEach(freshIndexedDb);

/** A's hazard (with a photo) and evacuation, saved while the server could not be reached. */
async function officerAFiles(made) {
  made.session.user = OFFICER_A;
  return queueOffline(made, [
    { kind: 'hazard', url: '/hazards', body: HAZARD, photos: [{ blob: jpeg('slope'), lat: 29.2, lon: 117.8 }], label: '后山滑坡' },
    { kind: 'evacuation', url: '/events/3/evacuations', body: EVACUATION, label: '转移 12 人' },
  ]);
}

describe('items belong to the officer who filed them', () => {
  it('stores the filer with the item; nobody logged in cannot save', async () => {
    const made = makeOutbox({ reachable: async () => false });
    await made.outbox.enqueue({ kind: 'hazard', url: '/hazards', body: HAZARD });
    const [item] = await made.outbox.listItems();
    expect([item.ownerId, item.ownerName]).toEqual([OFFICER_A.id, '李秀英']);
    made.session.user = null;
    await expect(made.outbox.enqueue({ kind: 'hazard', url: '/hazards', body: HAZARD })).rejects.toThrow('请先登录');
  });

  it("never sends A's items under B's login; they go once when A logs in again", async () => {
    const made = makeOutbox({ handler: (call) => (call.path.endsWith('/photos') ? { id: 90 } : { id: 7, client_id: call.json.client_id }) });
    const [hazard, evacuation] = await officerAFiles(made);

    made.session.user = OFFICER_B; // A logged out, B logged in on the same phone, online
    await made.outbox.sendNow();
    expect(made.calls).toEqual([]);
    expect(made.clock.timers).toEqual([]); // nothing of B's to wait for: no timer either
    expect(await made.outbox.getItem(hazard)).toBeUndefined(); // B cannot open A's item by its link

    made.session.user = OFFICER_A;
    await made.outbox.sendNow();
    const sent = made.calls.map((call) => `${call.method} ${call.path} ${call.json ? call.json.client_id : ''}`);
    expect(sent.sort()).toEqual([`POST /events/3/evacuations ${evacuation}`, `POST /hazards ${hazard}`, 'POST /hazards/7/photos ']);
    expect(await made.outbox.listItems()).toEqual([]);
  });

  it("B's own items go under B's login while A's wait", async () => {
    const made = makeOutbox();
    await officerAFiles(made);
    made.session.user = OFFICER_B;
    await queueOffline(made, [{ kind: 'hazard', url: '/hazards', body: { ...HAZARD, title: 'B 的隐患' } }]);
    await made.outbox.sendNow();
    expect(made.calls.map((call) => call.json && call.json.title)).toEqual(['B 的隐患']);
    expect((await made.outbox.listItems()).map((item) => item.ownerName)).toEqual(['李秀英', '李秀英']);
  });

  it('another user sees only whose and how many', async () => {
    const made = makeOutbox();
    await officerAFiles(made);
    const items = await made.outbox.listItems();
    expect(items.filter((item) => belongsTo(item, OFFICER_B))).toEqual([]);
    const others = othersWaiting(items, OFFICER_B);
    expect(others).toEqual([{ ownerId: OFFICER_A.id, ownerName: '李秀英', count: 2 }]);
    expect(othersLine(others[0])).toBe('李秀英 的 2 条报告在本机等待发送');
    expect(othersWaiting(items, OFFICER_A)).toEqual([]);
    expect(othersWaiting(items, null)).toEqual(others); // the login screen
  });

  it("deleteOwnerItems removes one owner's items and their photos, nobody else's", async () => {
    const made = makeOutbox();
    await officerAFiles(made);
    made.session.user = OFFICER_B;
    await queueOffline(made, [{ kind: 'hazard', url: '/hazards', body: HAZARD }]);
    made.session.user = null;
    expect(await made.outbox.deleteOwnerItems(OFFICER_A.id)).toBe(2);
    expect((await made.outbox.listItems()).map((item) => item.ownerId)).toEqual([OFFICER_B.id]);
    expect(await (await made.db()).getAll('blobs')).toEqual([]);
  });
});

describe('nobody logged in, or a 401: no request at all', () => {
  it('sends nothing, not even /healthz, and sets no timer while nobody is logged in', async () => {
    let probes = 0;
    const made = makeOutbox({
      reachable: async () => {
        probes += 1;
        return made.net.up;
      },
    });
    await officerAFiles(made); // the server unreachable meanwhile; now it is back
    probes = 0;
    made.clock.timers = [];
    made.session.user = null; // A logged out
    for (let i = 0; i < 5; i += 1) await made.outbox.sendNow(); // online event, visibility, 立即发送 …
    expect([made.calls.length, probes, made.clock.timers.length]).toEqual([0, 0, 0]);
  });

  it('a 401 stops the sender: no retry timer, no request until a login sends again', async () => {
    let loggedIn = false;
    const made = makeOutbox({
      handler: () => (loggedIn ? { id: 1 } : fail(401, 'unauthorized', '请先登录')),
      onUnauthorized: () => {
        made.session.user = null; // what session.js does: the login screen
      },
    });
    await officerAFiles(made);
    made.clock.timers = [];
    await made.outbox.sendNow();
    expect(made.calls.length).toBe(1);
    expect(made.clock.timers).toEqual([]); // no loop of 401s (it used to be ~35 a second)
    expect(made.outbox.getState().loginNeeded).toBe(true);

    // Even a user still known to the page (a 401 whose session stayed "in") gets no automatic retry.
    made.session.user = OFFICER_A;
    await made.outbox.enqueue({ kind: 'hazard', url: '/hazards', body: HAZARD });
    await made.outbox.sendNow();
    expect(made.calls.length).toBe(2); // the save's own try (forced), answered 401 again
    expect(made.clock.timers).toEqual([]);

    // A login (forced round) with the sender still offline: the back-off timer runs again (loginNeeded is over).
    made.session.user = OFFICER_A;
    made.net.up = false;
    await made.outbox.sendNow();
    expect(made.outbox.getState().loginNeeded).toBe(false);
    expect(made.clock.pendingDelay()).toBeGreaterThan(0);
    made.net.up = true;

    loggedIn = true; // A logs in: Login.jsx calls sendNow()
    made.session.user = OFFICER_A;
    await made.outbox.sendNow();
    expect(await made.outbox.listItems()).toEqual([]);
    expect(made.outbox.getState().loginNeeded).toBe(false);
  });
});

describe('what a failure means', () => {
  it('classifies: no answer, timeout and 502/503/504 are no network; other answers and bugs are not', () => {
    const e = (status, code = 'x') => new ApiError({ status, code, message: '' });
    expect(classify(e(0, 'network'))).toBe('offline');
    expect(classify(e(0, 'timeout'))).toBe('offline');
    expect([502, 503, 504].map((status) => classify(e(status)))).toEqual(['offline', 'offline', 'offline']);
    expect(classify(e(401))).toBe('login');
    expect(classify(e(403, 'csrf_failed'))).toBe('login');
    expect([500, 408, 429].map((status) => classify(e(status)))).toEqual(['retry', 'retry', 'retry']);
    expect([400, 403, 404, 409, 422].map((status) => classify(e(status)))).toEqual(Array(5).fill('refused'));
    expect(classify(new TypeError('x is undefined'))).toBe('bug');
    expect(classify(new DOMException('could not clone', 'DataCloneError'))).toBe('bug');
  });

  it.each([502, 503, 504])('%i: the server is unreachable, the round stops and the outbox backs off', async (status) => {
    const clock = fakeClock();
    const made = makeOutbox({ clock, handler: () => fail(status) });
    await officerAFiles(made);
    clock.timers = [];
    await made.outbox.sendNow();
    expect(made.calls.length).toBe(1); // the second item is not tried into a dead gateway
    expect(made.outbox.getState().unreachable).toBe(true);
    expect((await made.outbox.listItems()).map((item) => item.status)).toEqual(['pending', 'pending']);
    expect(clock.pendingDelay()).toBeGreaterThan(0);
  });

  it('a bug on the phone (not an ApiError) needs attention with client_error, never an endless retry', async () => {
    const made = makeOutbox({
      handler: () => {
        throw new TypeError("Cannot read properties of undefined (reading 'id')");
      },
    });
    await queueOffline(made, [{ kind: 'hazard', url: '/hazards', body: HAZARD }]);
    made.clock.timers = [];
    await made.outbox.sendNow();
    const [item] = await made.outbox.listItems();
    expect(item.status).toBe('needs_attention');
    expect(item.lastError).toMatchObject({ code: 'client_error', status: null, message: CLIENT_ERROR_MESSAGE, part: 'report' });
    expect(item.lastError.detail).toContain('reading');
    expect(made.clock.timers).toEqual([]);
    await made.outbox.sendNow();
    expect(made.calls.length).toBe(1);
  });

  it('a photo whose bytes are gone is a bug on the phone too', async () => {
    const made = makeOutbox({ handler: () => ({ id: 4 }) });
    await officerAFiles(made);
    const db = await made.db();
    for (const blob of await db.getAll('blobs')) await db.delete('blobs', blob.id);
    await made.outbox.sendNow();
    const [hazard] = await made.outbox.listItems();
    expect([hazard.status, hazard.lastError.code, hazard.lastError.part, hazard.serverId]).toEqual(['needs_attention', 'client_error', 'photo', 4]);
  });
});

describe('the outcome a form shows', () => {
  it('delivered: the 2xx arrived, with its time', async () => {
    const made = makeOutbox({ handler: (call) => ({ id: 5, client_id: call.json.client_id }) });
    const clientId = await made.outbox.enqueue({ kind: 'hazard', url: '/hazards', body: HAZARD });
    expect(await made.outbox.awaitOutcome(clientId)).toEqual({ status: 'delivered', at: made.clock.time, photosLeft: 0 });
  });

  it('queued: no network', async () => {
    const made = makeOutbox({ reachable: async () => false });
    const clientId = await made.outbox.enqueue({ kind: 'hazard', url: '/hazards', body: HAZARD });
    expect(await made.outbox.awaitOutcome(clientId)).toEqual({ status: 'queued', reason: 'offline' });
  });

  it('queued: a request that fails (no answer)', async () => {
    const made = makeOutbox({ handler: () => fail(0, 'network') });
    const clientId = await made.outbox.enqueue({ kind: 'hazard', url: '/hazards', body: HAZARD });
    expect(await made.outbox.awaitOutcome(clientId)).toEqual({ status: 'queued', reason: 'offline' });
  });

  it('refused: the server said 422, with its words on the fields', async () => {
    const fields = { title: ['名称应为 1-200 个字'] };
    const made = makeOutbox({ handler: () => fail(422, 'validation_error', '填写有误', fields) });
    const clientId = await made.outbox.enqueue({ kind: 'hazard', url: '/hazards', body: HAZARD });
    const outcome = await made.outbox.awaitOutcome(clientId);
    expect(outcome.status).toBe('refused');
    expect(outcome.error).toMatchObject({ status: 422, message: '填写有误', fields });
  });

  it('a fixed item: the outcome of its resend, not of its first try', async () => {
    let reject = true;
    const made = makeOutbox({ handler: () => (reject ? fail(409, 'stage_order', '已有初报') : { id: 3 }) });
    const clientId = await made.outbox.enqueue({ kind: 'hazard', url: '/hazards', body: HAZARD });
    expect((await made.outbox.awaitOutcome(clientId)).status).toBe('refused');
    reject = false;
    await made.outbox.updateItem(clientId, { body: HAZARD });
    expect((await made.outbox.awaitOutcome(clientId)).status).toBe('delivered');
  });

  it('queued: a round already under way that listed the items before the save does not answer for it', async () => {
    let release;
    const gate = new Promise((resolve) => {
      release = resolve;
    });
    const made = makeOutbox({ handler: async () => (await gate, { id: 1 }) });
    await made.outbox.enqueue({ kind: 'hazard', url: '/hazards', body: HAZARD }); // its round waits on the gate
    const second = await made.outbox.enqueue({ kind: 'hazard', url: '/hazards', body: { ...HAZARD, title: '二' } });
    const outcome = made.outbox.awaitOutcome(second, { timeoutMs: 2000 });
    release();
    expect(await outcome).toMatchObject({ status: 'delivered' });
  });

  it('no answer within the wait: queued (it is safe on the phone and goes by itself)', async () => {
    const made = makeOutbox({ handler: () => new Promise(() => {}) }); // a request that hangs
    const clientId = await made.outbox.enqueue({ kind: 'hazard', url: '/hazards', body: HAZARD });
    expect(await made.outbox.awaitOutcome(clientId, { timeoutMs: 20 })).toEqual({ status: 'queued', reason: 'slow' });
  });
});
