import { describe, expect, it } from 'vitest';
import {
  chooseStage,
  noChangePayload,
  openReturns,
  quickReports,
  startingFigures,
  zeroPayload,
} from '../../src/rules/stage.js';

const report = (id, stage, status = 'submitted', extra = {}) => ({
  id,
  stage,
  status,
  current: false,
  submitted_at: `2026-07-01T0${id}:00:00+08:00`,
  figures: { affected_population: id * 10 },
  ...extra,
});

describe('the stage chosen for the person', () => {
  it('初报 first', () => {
    expect(chooseStage({ reports: [], eventStatus: 'active' })).toEqual({
      stage: 'initial',
      allowed: ['initial'],
      previous: null,
      reason: '',
    });
  });

  it('续报 after the 初报, starting from the current report', () => {
    const reports = [report(2, 'update', 'submitted', { current: true }), report(1, 'initial', 'approved')];
    const choice = chooseStage({ reports, eventStatus: 'active' });
    expect(choice.stage).toBe('update');
    expect(choice.previous.id).toBe(2);
  });

  it('核报 when the event is stable (a 续报 still possible)', () => {
    const choice = chooseStage({
      reports: [report(1, 'initial', 'approved', { current: true })],
      eventStatus: 'stable',
    });
    expect(choice.stage).toBe('final');
    expect(choice.allowed).toEqual(['final', 'update']);
  });

  it('nothing after the 核报', () => {
    const reports = [report(2, 'final', 'submitted', { current: true }), report(1, 'initial')];
    expect(chooseStage({ reports, eventStatus: 'stable' })).toMatchObject({
      stage: null,
      reason: '该村已报送核报，本次灾害过程不能再报送',
    });
  });

  it('nothing once the event is closed', () => {
    expect(chooseStage({ reports: [], eventStatus: 'closed' })).toMatchObject({
      stage: null,
      reason: '灾害过程已结束，不能再报送灾情',
    });
  });

  it('no 初报 once the event is stable, and says whom to call', () => {
    const choice = chooseStage({ reports: [], eventStatus: 'stable' });
    expect(choice.stage).toBeNull();
    expect(choice.reason).toContain('乡镇');
  });

  it('a returned 初报 does not count: the 初报 is due again', () => {
    expect(chooseStage({ reports: [report(1, 'initial', 'returned')], eventStatus: 'active' }).stage).toBe('initial');
  });

  it('a returned 续报 does not count: the update starts from the report made current again', () => {
    const reports = [report(2, 'update', 'returned'), report(1, 'initial', 'approved', { current: true })];
    const choice = chooseStage({ reports, eventStatus: 'active' });
    expect(choice.stage).toBe('update');
    expect(choice.previous.id).toBe(1);
  });

  it('a returned 核报 does not end the event for the village', () => {
    const reports = [report(2, 'final', 'returned'), report(1, 'initial', 'submitted', { current: true })];
    expect(chooseStage({ reports, eventStatus: 'stable' }).stage).toBe('final');
  });

  it('a 初报 waiting in the outbox counts: the next one is a 续报 from its figures', () => {
    const queued = { stage: 'initial', figures: { injured: 2 }, queued: true };
    const choice = chooseStage({ reports: [], eventStatus: 'active' });
    expect(choice.stage).toBe('initial');
    const after = chooseStage({ reports: [queued], eventStatus: 'active' });
    expect(after.stage).toBe('update');
    expect(after.previous).toBe(queued);
  });

  it('the newest queued item is the previous one, newer than anything on the server', () => {
    const reports = [report(1, 'initial', 'submitted', { current: true })];
    const first = { stage: 'update', figures: { injured: 2 }, queued: true };
    const second = { stage: 'update', figures: { injured: 3 }, queued: true };
    expect(chooseStage({ reports: [...reports, first, second], eventStatus: 'active' }).previous).toBe(second);
  });

  it('without a current flag, the newest non-returned report is the previous one', () => {
    const reports = [report(1, 'initial'), report(3, 'update', 'returned'), report(2, 'update')];
    expect(chooseStage({ reports, eventStatus: 'active' }).previous.id).toBe(2);
  });
});

describe('starting figures and one-tap reports', () => {
  const previous = { figures: { affected_population: 12, crops_affected_ha: '1.50' } };
  const zeroPrevious = { figures: { affected_population: 0, crops_affected_ha: '0.00' } };

  it('an initial starts empty, an update from the previous figures (a copy)', () => {
    expect(startingFigures({ stage: 'initial', previous })).toEqual({});
    const start = startingFigures({ stage: 'update', previous });
    expect(start).toEqual(previous.figures);
    expect(start).not.toBe(previous.figures);
    expect(startingFigures({ stage: 'final', previous })).toEqual(previous.figures);
  });

  it('零报告 first time or after a zero report; 本日无新增 for a 续报 after real figures', () => {
    expect(quickReports({ stage: 'initial', previous: null })).toEqual({ zero: true, noChange: false });
    expect(quickReports({ stage: 'update', previous })).toEqual({ zero: false, noChange: true });
    expect(quickReports({ stage: 'update', previous: zeroPrevious })).toEqual({ zero: true, noChange: false });
    expect(quickReports({ stage: 'final', previous })).toEqual({ zero: false, noChange: false });
    expect(quickReports({ stage: null, previous: null })).toEqual({ zero: false, noChange: false });
  });

  it('本日无新增 repeats the previous figures as a 续报', () => {
    expect(noChangePayload(previous)).toEqual({
      stage: 'update',
      figures: previous.figures,
      note: '本日无新增',
      change_note: '',
    });
  });

  it('零报告 sends no figures (all zero) at the chosen stage', () => {
    expect(zeroPayload('initial')).toMatchObject({ stage: 'initial', figures: {} });
  });
});

describe('returned reports waiting for the person', () => {
  const returned = { id: 1, event_id: 3, status: 'returned', submitted_at: '2026-07-01T08:00:00+08:00' };
  it('a returned report asks until a newer one of its event is filed', () => {
    expect(openReturns([returned])).toEqual([returned]);
    const newer = { id: 2, event_id: 3, status: 'submitted', submitted_at: '2026-07-01T09:00:00+08:00' };
    expect(openReturns([newer, returned])).toEqual([]);
    const otherEvent = { ...newer, event_id: 4 };
    expect(openReturns([otherEvent, returned])).toEqual([returned]);
  });
  it('a corrected report waiting on the phone counts', () => {
    expect(openReturns([returned], new Set([3]))).toEqual([]);
  });
});
