import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshIndexedDb, makeOutbox, queueOffline } from './helpers.js';

// start() listens on the page: `online`, and `visibilitychange` to visible (PWA.md rule 6). Node has neither a
// window nor a document, so both are small event targets here.
let page;
let doc;

beforeEach(() => {
  freshIndexedDb();
  page = new EventTarget();
  doc = Object.assign(new EventTarget(), { visibilityState: 'hidden' });
  globalThis.addEventListener = page.addEventListener.bind(page);
  globalThis.removeEventListener = page.removeEventListener.bind(page);
  globalThis.document = doc;
});

afterEach(() => {
  delete globalThis.addEventListener;
  delete globalThis.removeEventListener;
  delete globalThis.document;
});

const HAZARD = { category: 'landslide', title: '后山滑坡', risk_level: 'high', address: '三组' };

async function until(check) {
  for (let i = 0; i < 100 && !(await check()); i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('start', () => {
  it('sends on start, when the network comes back and when the app is shown again', async () => {
    const made = makeOutbox({ handler: () => ({ id: 1 }) });
    await queueOffline(made, [{ kind: 'hazard', url: '/hazards', body: HAZARD }]);
    const stop = made.outbox.start(); // on start
    await until(async () => (await made.outbox.listItems()).length === 0);
    expect(made.calls.length).toBe(1);

    await queueOffline(made, [{ kind: 'hazard', url: '/hazards', body: HAZARD }]);
    page.dispatchEvent(new Event('online'));
    await until(async () => (await made.outbox.listItems()).length === 0);
    expect(made.calls.length).toBe(2);

    await queueOffline(made, [{ kind: 'hazard', url: '/hazards', body: HAZARD }]);
    doc.dispatchEvent(new Event('visibilitychange')); // still hidden: nothing
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(made.calls.length).toBe(2);
    doc.visibilityState = 'visible';
    doc.dispatchEvent(new Event('visibilitychange'));
    await until(async () => (await made.outbox.listItems()).length === 0);
    expect(made.calls.length).toBe(3);

    stop();
    await queueOffline(made, [{ kind: 'hazard', url: '/hazards', body: HAZARD }]);
    page.dispatchEvent(new Event('online'));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(made.calls.length).toBe(3); // stopped: no longer listening
  });
});
