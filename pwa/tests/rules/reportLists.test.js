import { describe, expect, it } from 'vitest';
import { keepListsFresh, listsChangedBy } from '../../src/reportLists.js';

const damage = { clientId: 'a', kind: 'damage', url: '/events/3/damage-reports' };
const evacuation = { clientId: 'b', kind: 'evacuation', url: '/events/3/evacuations' };

describe('lists read again once the outbox delivered a report', () => {
  it('knows which lists each kind changes', () => {
    expect(listsChangedBy(damage)).toEqual(['/damage-reports?event_id=3&per_page=200', '/damage-reports?per_page=100']);
    expect(listsChangedBy(evacuation)).toContain('/events/3/evacuations?current=true&per_page=1');
    expect(listsChangedBy({ kind: 'hazard', url: '/hazards' })).toEqual(['/hazards?per_page=100']);
    expect(listsChangedBy({ kind: 'ack', url: '/warnings/1/ack' })).toEqual([]);
  });

  it('reads the lists of items that left the outbox, and only those', async () => {
    let items = [damage, evacuation];
    let notify;
    const read = [];
    keepListsFresh({
      list: async () => items,
      watch: (fn) => {
        notify = fn;
        return () => {};
      },
      read: async (path) => read.push(path),
      signedIn: () => true,
    });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(read).toEqual([]); // the first look only learns what is queued

    items = [evacuation]; // the damage report was delivered
    notify();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(read).toEqual(['/damage-reports?event_id=3&per_page=200', '/damage-reports?per_page=100']);
  });

  it('a failed read never breaks the watching', async () => {
    let items = [damage];
    let notify;
    const read = [];
    keepListsFresh({
      list: async () => items,
      watch: (fn) => {
        notify = fn;
        return () => {};
      },
      read: async (path) => {
        read.push(path);
        throw Object.assign(new Error('offline'), { status: 0 });
      },
      signedIn: () => true,
    });
    await new Promise((resolve) => setTimeout(resolve, 0));
    items = [];
    notify();
    await new Promise((resolve) => setTimeout(resolve, 0));
    items = [evacuation];
    notify();
    await new Promise((resolve) => setTimeout(resolve, 0));
    items = [];
    notify();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(read).toContain('/events/3/evacuations?current=true&per_page=1');
  });

  it('nobody logged in (items deleted on the login screen): nothing is read', async () => {
    let items = [damage];
    let notify;
    const read = [];
    keepListsFresh({
      list: async () => items,
      watch: (fn) => {
        notify = fn;
        return () => {};
      },
      read: async (path) => read.push(path),
      signedIn: () => false,
    });
    await new Promise((resolve) => setTimeout(resolve, 0));
    items = [];
    notify();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(read).toEqual([]);
  });
});
