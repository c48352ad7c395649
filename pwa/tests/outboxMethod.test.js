// enqueue's optional `method` (issue 18, item 4): a change to a ledger row is a PATCH queued like any POST.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshIndexedDb, makeOutbox, queueOffline } from './helpers.js';

beforeEach(freshIndexedDb);
afterEach(freshIndexedDb);

describe('enqueue with a method', () => {
  it('sends a PATCH without a client_id and takes the changed record (its creator client_id) as delivered', async () => {
    const made = makeOutbox({ handler: (call) => ({ id: 5, client_id: 'the-create-s-own-id', ...call.json }) });
    await queueOffline(made, [
      { kind: 'casualty_change', url: '/casualties/5', method: 'PATCH', body: { found_alive: true }, label: '王大山 已找到' },
    ]);
    const [item] = await made.outbox.listItems();
    expect(item.method).toBe('PATCH');
    expect(item.body).toEqual({ found_alive: true });
    await made.outbox.sendNow();
    expect(made.calls.filter((c) => c.path !== '/healthz')).toEqual([
      { path: '/casualties/5', method: 'PATCH', json: { found_alive: true }, form: undefined },
    ]);
    expect(await made.outbox.listItems()).toEqual([]);
  });

  it('keeps POST as the default, with the client_id, and a fix of a PATCH item stays without one', async () => {
    const made = makeOutbox({ handler: () => ({ id: 9 }) });
    const [created, changed] = await queueOffline(made, [
      { kind: 'casualty', url: '/events/3/casualties', body: { name: '王大山' } },
      { kind: 'casualty_change', url: '/casualties/5', method: 'PATCH', body: { kind: 'dead' } },
    ]);
    expect((await made.outbox.getItem(created)).body).toEqual({ name: '王大山', client_id: created });
    await made.outbox.updateItem(changed, { body: { kind: 'dead', note: '已确认' } });
    expect((await made.outbox.getItem(changed)).body).toEqual({ kind: 'dead', note: '已确认' });
    await made.outbox.sendNow();
    const sent = made.calls.filter((c) => c.path !== '/healthz').map((c) => [c.method, c.path]);
    expect(sent.sort()).toEqual([
      ['PATCH', '/casualties/5'],
      ['POST', '/events/3/casualties'],
    ]);
    expect(await made.outbox.listItems()).toEqual([]);
  });

  it('sends what others need first: ledger rows saved after a refused 核报 was fixed go before it', async () => {
    const made = makeOutbox({ handler: (call) => ({ id: 1, ...call.json }) });
    made.net.up = false;
    const report = await made.outbox.enqueue({ kind: 'damage', url: '/events/3/damage-reports', body: { stage: 'final' } });
    made.clock.time += 1000;
    await made.outbox.enqueue({ kind: 'house', url: '/events/3/damaged-houses', body: { head_name: '张德福' }, sendFirst: true });
    made.clock.time += 1000;
    await made.outbox.enqueue({ kind: 'hazard', url: '/hazards', body: { title: '后山' } });
    await made.outbox.sendNow();
    made.net.up = true;
    await made.outbox.updateItem(report, { body: { stage: 'final', note: '台账已补录' } });
    await made.outbox.sendNow();
    const sent = made.calls.filter((c) => c.path !== '/healthz').map((c) => c.path);
    expect(sent).toEqual(['/events/3/damaged-houses', '/events/3/damage-reports', '/hazards']);
  });
});
