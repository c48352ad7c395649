import { describe, expect, it } from 'vitest';
import { age, isoLocal } from '../src/format.js';
import { fixPath } from '../src/kinds.js';
import { match, resolve } from '../src/router.js';

describe('router', () => {
  it('matches the app routes and decodes their parameters', () => {
    expect(match('/events/:id/damage/new', '/events/12/damage/new')).toEqual({ id: '12' });
    expect(match('/reports/:kind/:id', '/reports/damage/7/')).toEqual({ kind: 'damage', id: '7' });
    expect(match('/events/:id/damage/new', '/events/12/evacuation/new')).toBeNull();
    expect(match('/', '/outbox')).toBeNull();
    const routes = [['/', 'Home'], ['/outbox', 'Outbox']];
    expect(resolve(routes, '/outbox')).toEqual({ Component: 'Outbox', params: {} });
    expect(resolve(routes, '/nowhere')).toBeNull();
  });
});

describe('outbox items', () => {
  it('open the screen that fixes them', () => {
    expect(fixPath({ kind: 'hazard', url: '/hazards', clientId: 'a b' })).toBe('/hazards/new?fix=a%20b');
    expect(fixPath({ kind: 'damage', url: '/events/3/damage-reports', clientId: 'c' })).toBe('/events/3/damage/new?fix=c');
    expect(fixPath({ kind: 'evacuation', url: '/events/3/evacuations', clientId: 'c' })).toBe('/events/3/evacuation/new?fix=c');
    expect(fixPath({ kind: 'ack', url: '/warnings/1/ack', clientId: 'c' })).toBe('/warnings/1?fix=c'); // 叫应: the warning's screen
    // 台账 and 报告新灾情 (issue 18): a row still on the phone is fixed on its 登记 screen, a change on its 更正 screen.
    expect(fixPath({ kind: 'casualty', url: '/events/3/casualties', clientId: 'c' })).toBe('/events/3/casualties/new?fix=c');
    expect(fixPath({ kind: 'house', url: '/events/3/damaged-houses', clientId: 'c' })).toBe('/events/3/houses/new?fix=c');
    expect(fixPath({ kind: 'casualty_change', url: '/casualties/5', clientId: 'c' })).toBe('/casualties/5/edit?fix=c');
    expect(fixPath({ kind: 'house_change', url: '/damaged-houses/5', clientId: 'c' })).toBe('/houses/5/edit?fix=c');
    expect(fixPath({ kind: 'local_event', url: '/local-events', clientId: 'c' })).toBe('/local-events/new?fix=c');
    expect(fixPath({ kind: 'unknown', url: '/events/3/other', clientId: 'c' })).toBeNull();
  });
});

describe('times', () => {
  it('say how long an item has waited in plain words', () => {
    const now = Date.UTC(2026, 6, 1, 8);
    expect(age(now - 20_000, now)).toBe('刚刚');
    expect(age(now - 5 * 60_000, now)).toBe('5 分钟前');
    expect(age(now - 3 * 3600_000, now)).toBe('3 小时前');
    expect(age(now - 50 * 3600_000, now)).toBe('2 天前');
  });

  it('are sent with the phone offset, as the API reads them', () => {
    expect(isoLocal(new Date())).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
  });
});

describe('the service worker', () => {
  it('is a script the browser can run, once the build has filled in its version and shell', async () => {
    const { readFileSync } = await import('node:fs');
    const { Script } = await import('node:vm');
    const source = readFileSync(new URL('../sw/sw.js', import.meta.url), 'utf8')
      .replace("'__VERSION__'", '"test"')
      .replace("['__SHELL__']", '["/index.html"]');
    expect(() => new Script(source)).not.toThrow(); // a syntax error left every phone without its offline app
  });
});
