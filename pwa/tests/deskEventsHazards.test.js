// The desk's pure pieces (issue 20 items 4-7): the map's outline, the ledger's order and filters, the steps' checks
// and the words of the event's confirmation.
import { describe, expect, it } from 'vitest';
import { convexHull, outline } from '../src/screens/desk/outline.js';
import { filtersOf, overdueFirst } from '../src/screens/desk/HazardsList.jsx';
import { checkStep, NEXT_STEPS } from '../src/screens/desk/HazardDesk.jsx';
import { stepWords } from '../src/screens/desk/EventManage.jsx';
import { checkEvent } from '../src/screens/desk/EventNew.jsx';
import { checkUser } from '../src/screens/desk/AdminUsers.jsx';

describe('the map outline', () => {
  it('is the convex hull of the points, inner points left out', () => {
    const square = [
      [0, 0],
      [0, 2],
      [2, 2],
      [2, 0],
      [1, 1],
      [0.5, 1.5],
    ];
    const hull = convexHull(square);
    expect(hull).toHaveLength(4);
    expect(hull).not.toContainEqual([1, 1]);
  });

  it('is a box around one or two points, and nothing without points', () => {
    expect(outline([])).toEqual([]);
    const box = outline([[29.25, 117.86]], 0.01);
    expect(box).toHaveLength(4);
    expect(Math.min(...box.map((p) => p[0]))).toBeCloseTo(29.24);
    expect(Math.max(...box.map((p) => p[1]))).toBeCloseTo(117.87);
    expect(outline([[1, 1], [1, 1], [2, 2]])).toHaveLength(4); // a repeated point is one point
  });

  it('keeps every point inside (pushed out from the centre)', () => {
    const points = [
      [0, 0],
      [0, 1],
      [1, 0],
    ];
    const shape = outline(points, 0.1);
    const lats = shape.map((p) => p[0]);
    expect(Math.min(...lats)).toBeLessThan(0);
    expect(Math.max(...lats)).toBeGreaterThan(1);
  });
});

describe('the hazard ledger', () => {
  it('puts overdue rectifications first, earliest deadline first, the rest in the server order', () => {
    const items = [
      { id: 1, overdue: false },
      { id: 2, overdue: true, deadline: '2026-07-10T23:59:59+08:00' },
      { id: 3, overdue: false },
      { id: 4, overdue: true, deadline: '2026-07-05T23:59:59+08:00' },
    ];
    expect(overdueFirst(items).map((h) => h.id)).toEqual([4, 2, 1, 3]);
  });

  it('takes only the known, non-empty filters from the address', () => {
    const query = new URLSearchParams('status=reported&risk_level=&overdue=true&page=3&org_unit_id=7');
    expect(filtersOf(query)).toEqual({ status: 'reported', overdue: 'true', org_unit_id: '7' });
  });
});

describe('a hazard step', () => {
  const empty = { comment: '', measures: '', responsible_person: '', monitor_person: '', deadline: '' };

  it('asks a reason to 驳回 or reopen, and 措施, 责任人, 时限 to start the rectification', () => {
    expect(checkStep('verify', empty)).toEqual({});
    expect(Object.keys(checkStep('reject', empty))).toEqual(['comment']);
    expect(Object.keys(checkStep('reopen', { ...empty, comment: '  ' }))).toEqual(['comment']);
    expect(Object.keys(checkStep('start_rectification', empty)).sort()).toEqual(['deadline', 'measures', 'responsible_person']);
    expect(checkStep('start_rectification', { ...empty, measures: '加固', responsible_person: '张三', deadline: '2026-08-01' })).toEqual({});
  });

  it('offers 核实 and 驳回 on a reported hazard, nothing while the village rectifies', () => {
    expect(NEXT_STEPS.reported).toEqual(['verify', 'reject']);
    expect(NEXT_STEPS.rectifying).toEqual([]);
  });
});

describe('the event', () => {
  it('says what 稳定 and 结束 change for the deadlines', () => {
    const stable = stepWords('stable', 3).lines.join('');
    expect(stable).toContain('不再要求每日续报');
    expect(stable).toContain('3 天内报送核报');
    expect(stepWords('closed').lines.join('')).toContain('不再接收任何报告');
  });

  it('needs 亚灾种 only for a 灾种 that has them', () => {
    const types = [
      { name: '洪涝', subtypes: ['山区洪水'] },
      { name: '干旱', subtypes: [] },
    ];
    const form = { name: '汛期', disaster_type: '洪涝', disaster_subtype: '', org_unit_id: '1', started_at: '2026-07-01T08:00' };
    expect(Object.keys(checkEvent(form, types))).toEqual(['disaster_subtype']);
    expect(checkEvent({ ...form, disaster_type: '干旱' }, types)).toEqual({});
  });
});

describe('a new user', () => {
  it('has a username the server takes and a password of 8 or more', () => {
    const form = { username: 'zhao liu', password: 'short', org_unit_id: '' };
    expect(Object.keys(checkUser(form, { creating: true })).sort()).toEqual(['org_unit_id', 'password', 'username']);
    expect(checkUser({ username: 'zhao.liu', password: 'long-enough', org_unit_id: '3' }, { creating: true })).toEqual({});
  });
});
