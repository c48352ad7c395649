// The desk's rules that decide what a reviewer is told: the items of 现在要办 (each with where it is dealt with), the
// warnings before a sign-off, the figures flagged as changed since a sign-off, and a sign-off's status words.
import { describe, expect, it } from 'vitest';
import { todoItems } from '../src/screens/Dashboard.jsx';
import { gaps } from '../src/screens/desk/SignOff.jsx';
import { changedKeys, signoffStatusName } from '../src/screens/desk/parts.jsx';

const township = { role: 'reviewer', org_unit: { id: 3, level: 'township' } };
const event = { id: 7, name: '山洪' };

describe('现在要办', () => {
  it('links each thing waiting to the screen that deals with it', () => {
    const data = {
      pending_local_events: [{ id: 9, name: '后山滑坡', org_unit: { name: '上坪村' } }],
      events: [
        {
          event,
          reporting: { unreviewed: 2, overdue_missing: 1, late: 0 },
          own_signoff: null,
          signoff_status: 'pending',
          levels: [{ level: 'township', obligation_name: '初报', due_at: '2026-07-01T10:30:00+08:00' }],
          signoffs_to_review: 0,
        },
      ],
      warnings: [],
      hazards: { overdue_rectification: 1 },
    };
    const items = todoItems(data, township).map((item) => [item.href, item.text]);
    expect(items).toEqual([
      ['/desk/local-events', '1 个本地事件待确认：上坪村「后山滑坡」'],
      ['/desk/events/7/signoff', '山洪：乡镇上报'],
      ['/desk/events/7', '山洪：2 份报告待审核'],
      ['/desk/events/7', '山洪：1 个村未报，请催报'],
      ['/desk/hazards?overdue=true', '1 处隐患整改超期'],
    ]);
  });

  it('chases the sign-offs of the level below that are past their deadline', () => {
    const county = { role: 'reviewer', org_unit: { id: 1, level: 'county' } };
    const item = {
      event,
      reporting: {},
      own_signoff: { status: 'submitted' },
      levels: [
        { level: 'village', counts: { late: 3, missing: 1 } },
        { level: 'township', counts: { on_time: 1, late: 1, missing: 1 } },
        { level: 'county', counts: { pending: 1 } },
      ],
    };
    expect(todoItems({ events: [item] }, county)).toEqual([
      { key: 'sl-7', href: '/desk/events/7', tone: 'error', text: '山洪：2 个乡镇上报超时未交' },
    ]);
  });

  it('asks to sign again after a return, and says nothing of a sign-off made on time', () => {
    const returned = { event, reporting: {}, own_signoff: { status: 'returned', review_comment: '数字不全' } };
    expect(todoItems({ events: [returned] }, township)[0]).toMatchObject({
      href: '/desk/events/7/signoff',
      text: '山洪：乡镇上报被退回（数字不全），请重新上报',
    });
    const done = { event, reporting: {}, own_signoff: null, signoff_status: 'on_time' };
    expect(todoItems({ events: [done] }, township)).toEqual([]);
    const viewer = { ...township, role: 'viewer' };
    expect(todoItems({ events: [{ ...done, signoff_status: 'late' }] }, viewer)).toEqual([]);
  });
});

describe('before a sign-off', () => {
  it('names the villages missing, counts the reports unreviewed and the units below not in', () => {
    const rollup = {
      reporting: { missing: 2, unreviewed: 1, missing_units: [{ name: '石门村' }, { name: '下河村' }] },
      children: [
        { org_unit: { name: '石门镇', level: 'township' }, signoff: { status: 'accepted' } },
        { org_unit: { name: '东岭乡', level: 'township' }, signoff: null },
        { org_unit: { name: '西坑乡', level: 'township' }, signoff: { status: 'returned' } },
      ],
    };
    expect(gaps(rollup)).toEqual(['还有 2 个村未报：石门村、下河村', '1 份报告待审核', '2 个乡镇上报还没有交来：东岭乡、西坑乡']);
    expect(gaps({ reporting: { missing: 0, unreviewed: 0 }, children: [] })).toEqual([]);
  });
});

describe('a sign-off', () => {
  it('flags the figures that changed since, decimals compared as written', () => {
    const signed = { affected_population: 17, direct_loss_10k_yuan: '1.50', deaths: 0 };
    const live = { affected_population: 24, direct_loss_10k_yuan: '1.50', deaths: 0 };
    expect(changedKeys(signed, live)).toEqual(['affected_population']);
  });

  it('reads 待县审核 for a township, 待市审核 for a county, then 已接收 or 退回', () => {
    expect(signoffStatusName({ status: 'submitted' }, 'township')).toBe('待县审核');
    expect(signoffStatusName({ status: 'submitted' }, 'county')).toBe('待市审核');
    expect(signoffStatusName({ status: 'accepted' }, 'township')).toBe('已接收');
    expect(signoffStatusName({ status: 'returned' }, 'township')).toBe('退回');
    expect(signoffStatusName(null, 'township')).toBe('未上报');
  });
});
