import { openDB } from 'idb';
import { beforeEach, describe, expect, it } from 'vitest';
import { DB_VERSION, openAppDb, UPGRADES } from '../src/db.js';
import { fakeApi, freshIndexedDb, jpeg, OFFICER_A, OFFICER_B } from './helpers.js';
import { createOutbox } from '../src/outbox.js';

beforeEach(freshIndexedDb);

/** A database exactly as an older app version left it: only the upgrade steps up to `version`. */
async function databaseAt(version, fill) {
  const db = await openDB('gridreport', version, {
    async upgrade(database, oldVersion, newVersion, tx) {
      for (let v = oldVersion + 1; v <= newVersion; v += 1) await UPGRADES[v](database, tx);
    },
  });
  await fill(db);
  db.close();
}

describe('schema upgrades', () => {
  it('version 1 → current keeps every queued item and photo, and the items can still be sent', async () => {
    // Items as version 1 wrote them: no back-off fields, no createdAt index.
    await databaseAt(1, async (db) => {
      const tx = db.transaction(['outbox', 'blobs'], 'readwrite');
      await Promise.all([
        tx.objectStore('outbox').put({
          clientId: 'c1',
          kind: 'hazard',
          url: '/hazards',
          label: '旧版本的隐患',
          body: { client_id: 'c1', title: '旧版本的隐患' },
          status: 'pending',
          createdAt: 5,
          photos: [{ blobId: 'c1/0', name: 'a.jpg', lat: 29.2, lon: 117.8, accuracy_m: 10, taken_at: null, sent: false }],
        }),
        tx.objectStore('outbox').put({
          clientId: 'c2',
          kind: 'damage',
          url: '/events/1/damage-reports',
          body: { client_id: 'c2' },
          status: 'sending',
          createdAt: 9,
        }),
        tx.objectStore('blobs').put({ id: 'c1/0', clientId: 'c1', blob: jpeg('old photo') }),
        tx.done,
      ]);
    });

    const db = await openAppDb();
    expect(db.version).toBe(DB_VERSION);
    expect([...db.objectStoreNames].sort()).toEqual(['blobs', 'cache', 'meta', 'outbox']);
    expect((await db.getAll('outbox')).map((item) => item.ownerId)).toEqual([null, null]);
    const items = await db.getAllFromIndex('outbox', 'createdAt');
    expect(items.map((item) => [item.clientId, item.status, item.attempts, item.serverId, item.photos.length])).toEqual([
      ['c1', 'pending', 0, null, 1],
      ['c2', 'sending', 0, null, 0],
    ]);
    expect(items[0].body.title).toBe('旧版本的隐患');
    expect(await (await db.get('blobs', 'c1/0')).blob.text()).toBe('old photo');

    const { api, calls } = fakeApi((call) => (call.path === '/hazards' ? { id: 8 } : { id: 80 }));
    const outbox = createOutbox({ db: async () => db, api, reachable: async () => true, locks: undefined, currentUser: () => OFFICER_A });
    await outbox.sendNow();
    expect(calls.map((call) => `${call.path} ${call.json ? call.json.client_id : call.form.get('lat')}`)).toEqual([
      '/hazards c1',
      '/hazards/8/photos 29.2',
      '/events/1/damage-reports c2',
    ]);
    expect(await outbox.listItems()).toEqual([]);
  });

  it('version 2 → 3: items saved without an owner are kept and taken by the first login that can send them', async () => {
    await databaseAt(2, async (db) => {
      const tx = db.transaction(['outbox', 'meta', 'cache'], 'readwrite');
      await Promise.all([
        tx.objectStore('outbox').put({
          clientId: 'old',
          kind: 'hazard',
          url: '/hazards',
          label: '升级前的隐患',
          body: { client_id: 'old', title: '升级前的隐患' },
          status: 'pending',
          createdAt: 5,
          updatedAt: 5,
          attempts: 2,
          nextAttemptAt: 0,
          lastError: null,
          serverId: null,
          photos: [],
        }),
        // nobody logged in at the update: the cached reads cannot be said to be anyone's
        tx.objectStore('cache').put({ path: '/events?status=active', data: { items: [] }, updatedAt: 3 }),
        tx.done,
      ]);
    });
    const db = await openAppDb();
    const [kept] = await db.getAll('outbox');
    expect([kept.clientId, kept.status, kept.attempts, kept.ownerId, kept.ownerName]).toEqual(['old', 'pending', 2, null, null]);
    expect(await db.getAll('cache')).toEqual([]);

    // Nobody logged in: it waits, nothing is sent.
    let user = null;
    const { api, calls } = fakeApi((call) => ({ id: 9, client_id: call.json.client_id }));
    const outbox = createOutbox({ db: async () => db, api, reachable: async () => true, locks: undefined, currentUser: () => user });
    await outbox.sendNow();
    expect(calls).toEqual([]);
    // A desk user (reviewer) does not take a village's report.
    user = { id: 30, name: '石门镇应急所', role: 'reviewer' };
    await outbox.sendNow();
    expect(calls).toEqual([]);
    // The first reporter logged in while the server answers takes it: it is written into the item, then sent.
    user = OFFICER_B;
    const seen = [];
    outbox.subscribe(() => outbox.listItems().then((items) => items.length && seen.push(items[0].ownerId)));
    await outbox.sendNow();
    expect(calls.map((call) => call.json.client_id)).toEqual(['old']);
    expect(seen).toContain(OFFICER_B.id);
  });

  it("version 2 → 3: the cached reads of the user logged in at the update become that user's", async () => {
    await databaseAt(2, async (db) => {
      const tx = db.transaction(['meta', 'cache'], 'readwrite');
      await Promise.all([
        tx.objectStore('meta').put({ key: 'session', value: { user: OFFICER_A, csrf: 't' } }),
        tx.objectStore('cache').put({ path: '/events?status=active', data: { items: [1] }, updatedAt: 3 }),
        tx.done,
      ]);
    });
    const db = await openAppDb();
    expect(await db.getAll('cache')).toEqual([
      { path: `u${OFFICER_A.id}:/events?status=active`, apiPath: '/events?status=active', userId: OFFICER_A.id, data: { items: [1] }, updatedAt: 3 },
    ]);
  });

  it('opening the current version twice changes nothing', async () => {
    const db = await openAppDb();
    await db.put('outbox', { clientId: 'x', createdAt: 1, status: 'pending', photos: [] });
    db.close();
    const again = await openAppDb();
    expect(await again.getAll('outbox')).toEqual([{ clientId: 'x', createdAt: 1, status: 'pending', photos: [] }]);
  });

  it('every version up to the current has an upgrade step', () => {
    for (let v = 1; v <= DB_VERSION; v += 1) expect(typeof UPGRADES[v]).toBe('function');
  });
});
