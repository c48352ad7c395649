import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ackBody,
  ackDueAt,
  ackPath,
  ackStatus,
  bannerState,
  boardView,
  createPoller,
  DEFAULT_ACK_MINUTES,
  formatLeft,
  homeBanners,
  isActive,
  LEVELS,
  levelClass,
  levelName,
  queuedAck,
  rateText,
  sortWarnings,
  telHref,
  timeLeft,
} from '../src/warnings.js';
import { ApiError } from '../src/api.js';
import { fakeClock, freshIndexedDb, makeOutbox, queueOffline } from './helpers.js';

const T0 = Date.parse('2026-07-01T08:00:00+08:00');
const min = 60000;
const at = (ms) => new Date(ms).toISOString();

const warning = (id, level, issuedMs, extra = {}) => ({
  id,
  level,
  title: `预警 ${id}`,
  body: '注意防范',
  status: 'active',
  issued_at: at(issuedMs),
  ack_within_minutes: DEFAULT_ACK_MINUTES[level],
  expires_at: at(issuedMs + 24 * 60 * min),
  acknowledgement: null,
  ...extra,
});

describe('levels', () => {
  it('are named in Chinese, most severe first', () => {
    expect(LEVELS.map((level) => level.name)).toEqual(['红色预警', '橙色预警', '黄色预警', '蓝色预警']);
    expect(levelName('orange')).toBe('橙色预警');
    expect(levelClass('yellow')).toBe('level-yellow');
  });

  it('an unknown level still shows a name and a neutral colour', () => {
    expect(levelName('purple')).toBe('purple');
    expect(levelClass('purple')).toBe('level-unknown');
  });

  it('default windows follow the county plans: red 30, orange 60, yellow 120, blue none', () => {
    expect(DEFAULT_ACK_MINUTES).toEqual({ red: 30, orange: 60, yellow: 120, blue: null });
  });
});

describe('ordering', () => {
  it('most severe first, then newest first', () => {
    const list = [
      warning(1, 'yellow', T0),
      warning(2, 'red', T0 - 60 * min),
      warning(3, 'red', T0),
      warning(4, 'blue', T0 + 10 * min),
      warning(5, 'orange', T0 - 5 * min),
    ];
    expect(sortWarnings(list).map((w) => w.id)).toEqual([3, 2, 5, 1, 4]);
  });

  it('an update counts as the newest issue (it asks for acknowledgement again)', () => {
    const old = warning(1, 'red', T0 - 120 * min, { revised_at: at(T0 + 5 * min), revision: 2 });
    const fresh = warning(2, 'red', T0);
    expect(sortWarnings([fresh, old]).map((w) => w.id)).toEqual([1, 2]);
  });
});

describe('time left to answer', () => {
  it('the server’s ack_due_at wins over the computed window', () => {
    const w = warning(1, 'red', T0, { ack_due_at: at(T0 + 45 * min) });
    expect(ackDueAt(w)).toBe(T0 + 45 * min);
  });

  it('is the window after the issue (or the last update) without ack_due_at', () => {
    expect(ackDueAt(warning(1, 'red', T0))).toBe(T0 + 30 * min);
    expect(ackDueAt(warning(1, 'orange', T0, { ack_within_minutes: 15 }))).toBe(T0 + 15 * min);
    expect(ackDueAt(warning(1, 'red', T0, { revised_at: at(T0 + 60 * min), revision: 2 }))).toBe(T0 + 90 * min);
  });

  it('no window (blue) means nothing counts down', () => {
    expect(ackDueAt(warning(1, 'blue', T0))).toBeNull();
    expect(timeLeft(warning(1, 'blue', T0), T0)).toBeNull();
  });

  it('counts down in words, then says how long it is past', () => {
    const w = warning(1, 'red', T0);
    expect(timeLeft(w, T0 + 90 * 1000)).toEqual({ dueAt: T0 + 30 * min, ms: 28.5 * min, overdue: false });
    expect(formatLeft(timeLeft(w, T0 + 90 * 1000).ms)).toBe('还剩 28 分 30 秒');
    expect(formatLeft(timeLeft(w, T0 + 30 * min - 400).ms)).toBe('还剩 0 分 01 秒');
    expect(timeLeft(w, T0 + 30 * min).overdue).toBe(true);
    expect(formatLeft(0)).toBe('已到时间');
    expect(formatLeft(-7 * min)).toBe('已超过 7 分钟');
    expect(formatLeft(-125 * min)).toBe('已超过 2 小时 5 分');
    expect(formatLeft(80 * min)).toBe('还剩 1 小时 20 分');
  });

  it('a cancelled or expired warning is no longer active', () => {
    expect(isActive(warning(1, 'red', T0), T0)).toBe(true);
    expect(isActive(warning(1, 'red', T0, { status: 'cancelled' }), T0)).toBe(false);
    expect(isActive(warning(1, 'red', T0, { status: 'expired', active: false }), T0)).toBe(false);
    expect(isActive(warning(1, 'red', T0), T0 + 24 * 60 * min)).toBe(false);
    expect(isActive(warning(1, 'red', T0, { expires_at: null }), T0 + 999 * 60 * min)).toBe(true);
  });
});

describe('late and overdue', () => {
  const dueAt = T0 + 30 * min;
  it('an answer inside the window is on time, after it late (it still counts)', () => {
    expect(ackStatus({ acknowledgedAt: at(T0 + 29 * min), dueAt }, T0 + 60 * min)).toBe('on_time');
    expect(ackStatus({ acknowledgedAt: at(T0 + 31 * min), dueAt }, T0 + 60 * min)).toBe('late');
  });

  it('the server’s late flag is believed over the phone’s clock', () => {
    expect(ackStatus({ acknowledgedAt: at(T0 + 10 * min), dueAt, late: true })).toBe('late');
    expect(ackStatus({ acknowledgedAt: at(T0 + 40 * min), dueAt, late: false })).toBe('on_time');
  });

  it('no answer is waiting until the deadline and overdue from it on', () => {
    expect(ackStatus({ acknowledgedAt: null, dueAt }, dueAt - 1)).toBe('waiting');
    expect(ackStatus({ acknowledgedAt: null, dueAt }, dueAt)).toBe('overdue');
    expect(ackStatus({ acknowledgedAt: null, dueAt, overdue: true }, T0)).toBe('overdue');
    expect(ackStatus({ acknowledgedAt: null, dueAt: null })).toBe('open');
  });
});

describe('the reporter’s banner', () => {
  const ackItem = (warningId, status = 'pending') => ({ kind: 'ack', url: `/warnings/${warningId}/ack`, status, clientId: 'c1' });

  it('asks for an answer until the village answered', () => {
    expect(bannerState(warning(7, 'red', T0), [])).toBe('ack_needed');
    expect(bannerState(warning(7, 'red', T0, { acknowledgement: { acknowledged_at: at(T0) } }), [])).toBe('acknowledged');
  });

  it('an answer waiting in the outbox (offline) shows as queued, a refused one as failed', () => {
    expect(queuedAck(7, [ackItem(8), ackItem(7)]).url).toBe('/warnings/7/ack');
    expect(queuedAck(7, [{ kind: 'hazard', url: '/warnings/7/ack' }])).toBeNull();
    expect(bannerState(warning(7, 'red', T0), [ackItem(7)])).toBe('ack_queued');
    expect(bannerState(warning(7, 'red', T0), [ackItem(7, 'needs_attention')])).toBe('ack_failed');
  });

  it('the server’s answer wins over a copy still queued', () => {
    const answered = warning(7, 'red', T0, { acknowledgement: { acknowledged_at: at(T0) } });
    expect(bannerState(answered, [ackItem(7)])).toBe('acknowledged');
  });

  it('a warning without a window is information only', () => {
    expect(bannerState(warning(7, 'blue', T0), [])).toBe('info');
    expect(bannerState(warning(7, 'blue', T0, { requires_ack: true }), [])).toBe('ack_needed');
  });

  it('home shows active warnings, those to answer first, then most severe and newest', () => {
    const warnings = [
      warning(1, 'red', T0, { acknowledgement: { acknowledged_at: at(T0) } }),
      warning(2, 'yellow', T0),
      warning(3, 'orange', T0 - 10 * min),
      warning(4, 'red', T0, { status: 'cancelled' }),
      warning(5, 'blue', T0),
      warning(6, 'orange', T0 - 5 * min),
    ];
    const rows = homeBanners({ warnings, outboxItems: [ackItem(6)], now: T0 + min });
    expect(rows.map((row) => [row.warning.id, row.state])).toEqual([
      [3, 'ack_needed'],
      [2, 'ack_needed'],
      [1, 'acknowledged'],
      [6, 'ack_queued'],
      [5, 'info'],
    ]);
    expect(rows[0].left.ms).toBe(49 * min);
  });
});

describe('the acknowledgement body', () => {
  it('sends only what was typed, as whole numbers', () => {
    expect(ackBody({})).toEqual({});
    expect(ackBody({ households: '12', persons: ' 40 ', note: '' })).toEqual({ households_notified: 12, persons_notified: 40 });
    expect(ackBody({ households: '0', persons: '', note: ' 已敲锣 ' })).toEqual({ households_notified: 0, note: '已敲锣' });
  });
});

describe('the acknowledgement board', () => {
  const unit = (code, name, extra = {}) => ({
    org_unit: { id: Number(code), code, name },
    acknowledged_at: null,
    by: null,
    overdue: false,
    ...extra,
  });
  const dueAt = T0 + 30 * min;

  it('silent villages first (they need a call), then waiting, late, on time; by code inside each', () => {
    const status = {
      targets: 5,
      acknowledged: 2,
      overdue: 2,
      rate: 0.4,
      units: [
        unit('105', '五村', { acknowledged_at: at(T0 + 5 * min) }),
        unit('104', '四村', { acknowledged_at: at(T0 + 35 * min), late: true }),
        unit('103', '三村', { overdue: true }),
        unit('102', '二村'),
        unit('101', '一村', { overdue: true }),
      ],
    };
    const view = boardView(status, { dueAt, now: T0 + 31 * min });
    expect(view.units.map((u) => [u.org_unit.name, u.state])).toEqual([
      ['一村', 'overdue'],
      ['二村', 'overdue'], // the deadline passed on the phone since the server answered
      ['三村', 'overdue'],
      ['四村', 'late'],
      ['五村', 'on_time'],
    ]);
    expect(view.counts).toEqual({ targets: 5, acknowledged: 2, late: 1, overdue: 2, rate: 0.4 });
  });

  it('the Done-when numbers: 12 targets, 10 answered (1 late), 2 overdue', () => {
    const units = [];
    for (let i = 1; i <= 9; i++) units.push(unit(`2${String(i).padStart(2, '0')}`, `村${i}`, { acknowledged_at: at(T0 + i * min) }));
    units.push(unit('210', '村10', { acknowledged_at: at(T0 + 40 * min), late: true }));
    units.push(unit('211', '村11', { overdue: true }), unit('212', '村12', { overdue: true }));
    const view = boardView({ targets: 12, acknowledged: 10, overdue: 2, rate: 10 / 12, units }, { dueAt, now: T0 + 60 * min });
    expect(view.counts.late).toBe(1);
    expect(view.units.filter((u) => u.state === 'overdue').map((u) => u.org_unit.name)).toEqual(['村11', '村12']);
    expect(rateText(view.counts)).toEqual({ count: '10 / 12', percent: '83%' });
  });

  it('rates read without a target too', () => {
    expect(rateText({ acknowledged: 0, targets: 0, rate: null })).toEqual({ count: '0 / 0', percent: '—' });
    expect(rateText({ acknowledged: 1, targets: 4, rate: null }).percent).toBe('25%');
    expect(rateText({ acknowledged: 1, targets: 4, rate: '0.25' }).percent).toBe('25%');
  });

  it('phone numbers become tel: links', () => {
    expect(telHref('138 0013 8000')).toBe('tel:13800138000');
    expect(telHref('(0793) 7351-234')).toBe('tel:07937351234');
    expect(telHref('+86 138-0013-8000')).toBe('tel:+8613800138000');
    expect(telHref('')).toBeNull();
    expect(telHref(null)).toBeNull();
  });
});

describe('polling the board', () => {
  function fakeDocument(state = 'visible') {
    const listeners = new Set();
    return {
      visibilityState: state,
      addEventListener: (name, fn) => listeners.add(fn),
      removeEventListener: (name, fn) => listeners.delete(fn),
      set(next) {
        this.visibilityState = next;
        for (const fn of [...listeners]) fn();
      },
      listeners,
    };
  }

  it('reads every 15 s while visible', async () => {
    const clock = fakeClock();
    const doc = fakeDocument();
    let loads = 0;
    createPoller({ load: async () => loads++, doc, timers: clock });
    expect(clock.pendingDelay()).toBe(15000);
    await clock.fireNext();
    await clock.fireNext();
    expect(loads).toBe(2);
    expect(clock.timers).toHaveLength(1);
  });

  it('never while hidden, and at once when visible again', async () => {
    const clock = fakeClock();
    const doc = fakeDocument();
    let loads = 0;
    createPoller({ load: async () => loads++, doc, timers: clock });
    doc.set('hidden');
    expect(clock.timers).toHaveLength(0);
    doc.set('visible');
    await Promise.resolve();
    expect(loads).toBe(1);
    expect(clock.timers).toHaveLength(1);
  });

  it('a page opened hidden does not poll until shown', () => {
    const clock = fakeClock();
    const doc = fakeDocument('hidden');
    createPoller({ load: async () => {}, doc, timers: clock });
    expect(clock.timers).toHaveLength(0);
  });

  it('a failed read does not stop the polling', async () => {
    const clock = fakeClock();
    const doc = fakeDocument();
    let loads = 0;
    createPoller({
      load: async () => {
        loads++;
        throw new Error('no network');
      },
      doc,
      timers: clock,
    });
    await clock.fireNext();
    expect(loads).toBe(1);
    expect(clock.timers).toHaveLength(1);
  });

  it('stop() ends the timer and the listener', () => {
    const clock = fakeClock();
    const doc = fakeDocument();
    const stop = createPoller({ load: async () => {}, doc, timers: clock });
    stop();
    expect(clock.timers).toHaveLength(0);
    expect(doc.listeners.size).toBe(0);
  });
});

describe('an acknowledgement made offline (outbox kind ack)', () => {
  beforeEach(freshIndexedDb);
  afterEach(freshIndexedDb);

  // POST /warnings/{id}/ack answers the village's answer (WarningAckOut): its id and this item's client_id.
  const ackAnswer = (call) => ({ id: 90, client_id: call.json.client_id, warning_id: 7, late: false });

  it('waits on the phone, then reaches the server once with its client_id, and leaves the outbox', async () => {
    const made = makeOutbox({ handler: ackAnswer });
    const body = ackBody({ households: '12', persons: '40' });
    const [clientId] = await queueOffline(made, [{ kind: 'ack', url: ackPath(7), body, label: '红色预警：山洪' }]);
    const [waiting] = await made.outbox.listItems();
    expect(bannerState(warning(7, 'red', T0), [waiting])).toBe('ack_queued');
    expect(made.calls).toHaveLength(0);

    await made.outbox.sendNow();
    expect(made.calls).toEqual([
      { path: '/warnings/7/ack', method: 'POST', json: { households_notified: 12, persons_notified: 40, client_id: clientId }, form: undefined },
    ]);
    expect(await made.outbox.listItems()).toEqual([]);
    await made.outbox.sendNow();
    expect(made.calls).toHaveLength(1);
  });

  it('a refusal (the warning was cancelled: 409) keeps it for a person to look at', async () => {
    const made = makeOutbox({
      handler: () => {
        throw new ApiError({ status: 409, code: 'invalid_transition', message: '该预警已撤销，无需叫应' });
      },
    });
    await queueOffline(made, [{ kind: 'ack', url: ackPath(7), body: {} }]);
    await made.outbox.sendNow();
    const [kept] = await made.outbox.listItems();
    expect(kept.status).toBe('needs_attention');
    expect(kept.lastError.message).toBe('该预警已撤销，无需叫应');
    expect(bannerState(warning(7, 'red', T0), [kept])).toBe('ack_failed');
  });
});
