import { beforeEach, describe, expect, it } from 'vitest';
import { cachedGet } from '../src/cache.js';
import { openAppDb } from '../src/db.js';
import { fail, freshIndexedDb } from './helpers.js';

beforeEach(freshIndexedDb);

describe('cachedGet', () => {
  it('keeps what was read online and gives it back offline with its time', async () => {
    const db = openAppDb();
    const events = { items: [{ id: 1, name: '6月洪涝' }] };
    const online = await cachedGet('/events?status=active', { db: () => db, get: async () => events, now: () => 1000 });
    expect(online).toEqual({ data: events, updatedAt: 1000, fromCache: false });

    const offline = await cachedGet('/events?status=active', { db: () => db, get: async () => fail(0, 'network'), now: () => 9000 });
    expect(offline).toEqual({ data: events, updatedAt: 1000, fromCache: true });
  });

  it('offline with nothing kept: the network error', async () => {
    const db = openAppDb();
    await expect(cachedGet('/events', { db: () => db, get: async () => fail(0, 'network') })).rejects.toMatchObject({ status: 0 });
  });

  it('an answer such as 401 or 404 is not hidden behind an old copy', async () => {
    const db = openAppDb();
    await cachedGet('/events', { db: () => db, get: async () => ({ items: [] }) });
    await expect(cachedGet('/events', { db: () => db, get: async () => fail(401, 'unauthorized') })).rejects.toMatchObject({ status: 401 });
  });
});
