// Which report a village files next (初报 → 续报 → 核报), and the figures it starts from.
//
// The server's stage order (server/damage/service.py _check_stage) decides; this chooses the stage for the
// person so nobody has to know the words 初报/续报/核报 to file the right one, and says why when nothing can
// be filed. Returned reports do not count (a returned 初报 means the 初报 is due again), and reports still
// waiting in the phone's outbox count as filed: an officer who filed the 初报 offline files a 续报 next.

import { isZero, STAGE_NAMES } from './damage.js';

/**
 * `reports`: the village's damage reports for the event as the API returns them (any order), plus the items
 * queued in the outbox as `{stage, figures, queued: true}` (oldest first; they were saved after every report
 * the server has). `eventStatus`: active | stable | closed (a `pending` local event counts as active).
 *
 * Returns `{stage, allowed, previous, reason}`:
 * - `stage`: the stage to file ('initial' | 'update' | 'final'), or null when nothing can be filed (`reason`);
 * - `allowed`: the stages the person may pick (a 续报 stays possible once the event is stable);
 * - `previous`: the report the new one replaces (its figures are where an update starts), or null.
 */
export function chooseStage({ reports = [], eventStatus }) {
  const filed = reports.filter((r) => r.queued || r.status !== 'returned');
  const stages = new Set(filed.map((r) => r.stage));
  const previous = latest(filed);
  const none = (reason) => ({ stage: null, allowed: [], previous, reason });

  if (eventStatus === 'closed') return none('灾害过程已结束，不能再报送灾情');
  if (stages.has('final')) return none('该村已报送核报，本次灾害过程不能再报送');
  if (!stages.has('initial')) {
    if (eventStatus === 'stable') return none('灾害过程已进入稳定阶段，本村未报送初报，请联系乡镇应急所');
    return { stage: 'initial', allowed: ['initial'], previous: null, reason: '' };
  }
  if (eventStatus === 'stable') return { stage: 'final', allowed: ['final', 'update'], previous, reason: '' };
  return { stage: 'update', allowed: ['update'], previous, reason: '' };
}

/**
 * The report a new one replaces: the newest queued item if any, else the server's current report (or, when
 * the list carries no `current` flag, the newest non-returned one by submission time).
 */
function latest(filed) {
  const queued = filed.filter((r) => r.queued);
  if (queued.length) return queued[queued.length - 1];
  const current = filed.find((r) => r.current);
  if (current) return current;
  return [...filed].sort((a, b) => (a.submitted_at < b.submitted_at ? 1 : -1))[0] ?? null;
}

/** The figures a new report's form starts from: nothing for an initial, the previous figures for the rest. */
export function startingFigures({ stage, previous }) {
  if (stage === 'initial' || !previous) return {};
  return { ...previous.figures };
}

/**
 * The one-tap reports the screen offers:
 * - 零报告 (no damage) when there is nothing to replace or the previous report was a zero report too: after
 *   real damage, all zeros would need a change note, so it is not a one-tap choice there;
 * - 本日无新增 (a 续报 repeating the previous figures) when a 续报 is due and there are figures to repeat.
 */
export function quickReports({ stage, previous }) {
  const previousZero = !previous || isZero(previous.figures);
  return {
    zero: stage !== null && previousZero,
    noChange: stage === 'update' && !!previous && !previousZero,
  };
}

/** The JSON for 本日无新增: the previous figures again, as a 续报. */
export function noChangePayload(previous) {
  return { stage: 'update', figures: { ...previous.figures }, note: '本日无新增', change_note: '' };
}

/** The JSON for 零报告 at the chosen stage; `figures`: the 0s the disaster type requires stated (damage.js). */
export function zeroPayload(stage, figures = {}) {
  return { stage, figures: { ...figures }, note: '零报告：本村无灾情', change_note: '' };
}

export function stageName(stage) {
  return STAGE_NAMES[stage] ?? '';
}

/**
 * Returned reports that still wait for the person: nothing newer was filed for that event since, neither on the
 * server (`reports`, the village's damage reports) nor on the phone (`queuedEventIds`: events with a damage
 * report in the outbox). A corrected one stays in the lists but stops asking for attention.
 */
export function openReturns(reports, queuedEventIds = new Set()) {
  return reports.filter(
    (r) =>
      r.status === 'returned' &&
      !queuedEventIds.has(r.event_id) &&
      !reports.some(
        (other) => other.event_id === r.event_id && other.id !== r.id && other.submitted_at > r.submitted_at,
      ),
  );
}
