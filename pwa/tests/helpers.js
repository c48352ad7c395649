// Test doubles for the outbox: a fresh fake IndexedDB per test, a scripted API, a clock and timers we move by hand.
import { IDBFactory } from 'fake-indexeddb';
import { ApiError } from '../src/api.js';
import { openAppDb } from '../src/db.js';
import { createOutbox } from '../src/outbox.js';

export function freshIndexedDb() {
  globalThis.indexedDB = new IDBFactory();
}

/** A fake api(path, options): answers from `handler(call)` (a value, or an ApiError thrown); records every call. */
export function fakeApi(handler) {
  const calls = [];
  const api = async (path, options = {}) => {
    const call = { path, method: options.method || 'GET', json: options.json, form: options.form };
    calls.push(call);
    return handler(call, calls);
  };
  return { api, calls };
}

export const fail = (status, code = 'error', message = '出错了', fields = {}) => {
  throw new ApiError({ status, code, message, fields });
};

export function fakeClock(start = 1_000_000) {
  const clock = { time: start, now: () => clock.time, timers: [], nextId: 1 };
  clock.set = (fn, ms) => {
    const id = clock.nextId++;
    clock.timers.push({ id, fn, at: clock.time + ms, ms });
    return id;
  };
  clock.clear = (id) => {
    clock.timers = clock.timers.filter((timer) => timer.id !== id);
  };
  /** The delay of the one timer pending (the outbox keeps at most one). */
  clock.pendingDelay = () => (clock.timers.length ? clock.timers[clock.timers.length - 1].ms : null);
  /** Move time to the next timer and run it; returns what it started (the outbox round). */
  clock.fireNext = () => {
    const timer = clock.timers.shift();
    clock.time = Math.max(clock.time, timer.at);
    return timer.fn();
  };
  return clock;
}

// Two village officers sharing one phone (issue 18).
export const OFFICER_A = { id: 11, name: '李秀英', username: 'li', role: 'reporter', org_unit: { id: 5 } };
export const OFFICER_B = { id: 12, name: '王建国', username: 'wang', role: 'reporter', org_unit: { id: 5 } };

/**
 * An outbox over its own database with sensible fakes; override any option. `session.user` is who is logged in
 * (OFFICER_A unless changed; null = nobody).
 */
export function makeOutbox({ handler = () => ({ id: 1 }), clock = fakeClock(), dbName = 'gridreport', ...options } = {}) {
  const session = { user: OFFICER_A };
  // The server answers /healthz while net.up; tests queue items "offline" (each save triggers a send) and
  // then count what one round sends.
  const net = { up: true };
  const { api, calls } = fakeApi(handler);
  let connection = null;
  const db = () => (connection ||= openAppDb({ name: dbName }));
  const outbox = createOutbox({
    db,
    api,
    reachable: async () => net.up,
    now: clock.now,
    random: () => 0.5,
    timers: { set: clock.set, clear: clock.clear },
    locks: undefined,
    storage: undefined,
    currentUser: () => session.user,
    ...options,
  });
  return { outbox, calls, clock, db, net, session };
}

export const jpeg = (text = 'photo') => new Blob([text], { type: 'image/jpeg' });

/** Queue items without sending them (the server unreachable meanwhile), then bring the server back. */
export async function queueOffline(made, items) {
  made.net.up = false;
  const ids = [];
  for (const item of items) ids.push(await made.outbox.enqueue(item));
  await made.outbox.sendNow();
  made.net.up = true;
  return ids;
}
