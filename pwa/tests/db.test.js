import { openDB } from 'idb';
import { beforeEach, describe, expect, it } from 'vitest';
import { DB_VERSION, openAppDb, UPGRADES } from '../src/db.js';
import { fakeApi, freshIndexedDb, jpeg } from './helpers.js';
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
    const items = await db.getAllFromIndex('outbox', 'createdAt');
    expect(items.map((item) => [item.clientId, item.status, item.attempts, item.serverId, item.photos.length])).toEqual([
      ['c1', 'pending', 0, null, 1],
      ['c2', 'sending', 0, null, 0],
    ]);
    expect(items[0].body.title).toBe('旧版本的隐患');
    expect(await (await db.get('blobs', 'c1/0')).blob.text()).toBe('old photo');

    const { api, calls } = fakeApi((call) => (call.path === '/hazards' ? { id: 8 } : { id: 80 }));
    const outbox = createOutbox({ db: async () => db, api, reachable: async () => true, locks: undefined });
    await outbox.sendNow();
    expect(calls.map((call) => `${call.path} ${call.json ? call.json.client_id : call.form.get('lat')}`)).toEqual([
      '/hazards c1',
      '/hazards/8/photos 29.2',
      '/events/1/damage-reports c2',
    ]);
    expect(await outbox.listItems()).toEqual([]);
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
