import { beforeEach, describe, expect, it } from 'vitest';
import { cachedGet, clearUserCache } from '../src/cache.js';
import { openAppDb } from '../src/db.js';
import { fail, freshIndexedDb } from './helpers.js';

beforeEach(freshIndexedDb);

describe('cachedGet', () => {
  it('keeps what was read online and gives it back offline with its time', async () => {
    const db = openAppDb();
    const events = { items: [{ id: 1, name: '6月洪涝' }] };
    const online = await cachedGet('/events?status=active', { db: () => db, get: async () => events, now: () => 1000, userId: () => 1 });
    expect(online).toEqual({ data: events, updatedAt: 1000, fromCache: false });

    const offline = await cachedGet('/events?status=active', { db: () => db, get: async () => fail(0, 'network'), now: () => 9000, userId: () => 1 });
    expect(offline).toEqual({ data: events, updatedAt: 1000, fromCache: true });
  });

  it('offline with nothing kept: the network error', async () => {
    const db = openAppDb();
    await expect(cachedGet('/events', { db: () => db, get: async () => fail(0, 'network') })).rejects.toMatchObject({ status: 0 });
  });

  it("keeps each user's copies apart; logout clears only the leaving user's", async () => {
    const db = openAppDb();
    const read = (user, get) => cachedGet('/events', { db: () => db, get, userId: () => user });
    await read(1, async () => ({ items: ['A 的列表'] }));
    await read(2, async () => ({ items: ['B 的列表'] }));
    const offline = async () => fail(0, 'network');
    expect((await read(2, offline)).data).toEqual({ items: ['B 的列表'] });
    expect((await read(1, offline)).data).toEqual({ items: ['A 的列表'] });
    expect(await clearUserCache(1, { db: () => db })).toBe(1);
    await expect(read(1, offline)).rejects.toMatchObject({ status: 0 }); // A's copy is gone
    expect((await read(2, offline)).data).toEqual({ items: ['B 的列表'] });
    await expect(read(3, offline)).rejects.toMatchObject({ status: 0 }); // a third user never sees either
  });

  it('nobody logged in: nothing is kept', async () => {
    const db = openAppDb();
    await cachedGet('/events', { db: () => db, get: async () => ({ items: [] }), userId: () => null });
    expect(await (await db).getAll('cache')).toEqual([]);
  });

  it('an answer such as 401 or 404 is not hidden behind an old copy', async () => {
    const db = openAppDb();
    await cachedGet('/events', { db: () => db, get: async () => ({ items: [] }), userId: () => 1 });
    await expect(cachedGet('/events', { db: () => db, get: async () => fail(401, 'unauthorized'), userId: () => 1 })).rejects.toMatchObject({ status: 401 });
  });
});
