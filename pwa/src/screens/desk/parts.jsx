// Pieces the desk screens share (工作台, 灾害过程, 乡镇上报 / 县级上报, 台账): figures, sign-off words, the deadline
// clock, the export links. Loaded only for desk users (screens/desk/index.js is a lazy chunk).
import { API_BASE } from '../../api.js';
import { useIndicators, useIndicatorsOf } from '../../indicators.js';
import { formatLeft } from '../../warnings.js';
import { shortTime, useNow } from '../WarningParts.jsx';
import './desk.css';

/** The figures a duty officer reads first (the columns of every roll-up table, the event cards). */
export const KEY_FIGURES = [
  'affected_population',
  'deaths',
  'missing',
  'relocated',
  'houses_collapsed_households',
  'direct_loss_10k_yuan',
];
// A roll-up figure that comes from the house ledger, not from a report's indicators (server/rollup/schemas.py).
const LEDGER_FIGURES = { transitional_aid: ['需过渡期生活救助人口', '人'] };

/** KEY_FIGURES as `[key, label, unit]`, named as the server's vocabulary names them (GET /indicators). */
export function useKeyFigures() {
  const { vocab } = useIndicators(null);
  return vocab ? KEY_FIGURES.map((key) => [key, vocab.byKey[key].label, vocab.byKey[key].unit]) : [];
}

const LEVEL_RANK = { province: 1, city: 2, county: 3, township: 4, village: 5, grid: 6 };
export const SIGNOFF_NAMES = { township: '乡镇上报', county: '县级上报', city: '市级上报' };
const ABOVE = { township: '县', county: '市', city: '省' };

/** The sign-off a unit of this level makes (乡镇上报, 县级上报), or null for a village. */
export function signoffName(level) {
  return SIGNOFF_NAMES[level] || null;
}

/** A sign-off's status as the desk says it: 待县审核 (a township's, waiting for the county), 已接收, 退回. */
export function signoffStatusName(signoff, level) {
  if (!signoff) return '未上报';
  if (signoff.status === 'submitted') return `待${ABOVE[level] || '上级'}审核`;
  if (signoff.status === 'accepted') return '已接收';
  return '退回';
}

export function signoffTone(signoff) {
  if (!signoff) return 'chip-error';
  return { submitted: 'chip-info', accepted: 'chip-ok', returned: 'chip-error' }[signoff.status] || '';
}

/** Whether `user` may accept or return the sign-offs of `unit` (a reviewer above it). */
export function reviewsSignoffsOf(user, unit) {
  return user.role === 'reviewer' && user.org_unit && LEVEL_RANK[user.org_unit.level] < LEVEL_RANK[unit.level];
}

/** The county (or above) reviewer may see a full ID number (server: ledgers.service.may_reveal). */
export function mayReveal(user) {
  return user.role === 'reviewer' && user.org_unit && LEVEL_RANK[user.org_unit.level] <= LEVEL_RANK.county;
}

export function figureText(figures, key) {
  const value = figures ? figures[key] : undefined;
  return value === undefined || value === null ? '0' : String(value);
}

/** Keys whose signed and live values differ (the figures the county must look at again). */
export function changedKeys(signed = {}, live = {}) {
  return Object.keys({ ...signed, ...live }).filter((key) => figureText(signed, key) !== figureText(live, key));
}

/**
 * Every figure of the event, in the national order, with its name and unit (zeros included: what is frozen), in
 * the words of the served vocabulary of those figures (a 干旱's drinking-water figures included).
 */
export function useAllFigures(figures = {}) {
  const { vocab } = useIndicatorsOf(figures);
  if (!vocab) return [];
  const rows = vocab.indicators.filter((i) => i.key in figures).map((i) => [i.key, i.label, i.unit]);
  for (const [key, [label, unit]] of Object.entries(LEDGER_FIGURES)) if (key in figures) rows.push([key, label, unit]);
  return rows;
}

/** The deadline of one obligation, counting down: "县级上报 初报 还剩 1 小时 52 分（截止 10:00）". */
export function DeadlineClock({ label, dueAt, done }) {
  const now = useNow(1000);
  if (!dueAt) return null;
  const ms = new Date(dueAt).getTime() - now;
  return (
    <p class={`countdown desk-clock ${ms <= 0 && !done ? 'countdown-overdue' : ''}`} role="timer" data-due={dueAt}>
      {label} {done ? '已按时上报' : formatLeft(ms)}（截止 {shortTime(dueAt)}）
    </p>
  );
}

/** A download (XLSX, CSV) of the API: a real link the browser saves under the server's file name. */
export function Download({ href, label, sub }) {
  return (
    <a class="download" href={`${API_BASE}${href}`} download>
      <span class="download-label">{label}</span>
      {sub ? <span class="download-sub">{sub}</span> : null}
    </a>
  );
}

/** An event's exports: 快报表 first (what goes upward), then the roll-up and every report. */
export function Exports({ eventId, unitId }) {
  const at = unitId ? `&org_unit_id=${unitId}` : '';
  const q = unitId ? `?org_unit_id=${unitId}` : '';
  return (
    <section class="card desk-exports" aria-label="导出">
      <h2 class="section-title">导出</h2>
      <div class="download-grid">
        <Download href={`/events/${eventId}/rollup.xlsx?layout=national${at}`} label="快报表" sub="XLSX，国家统计表式" />
        <Download href={`/events/${eventId}/rollup.xlsx${q}`} label="汇总表" sub="XLSX" />
        <Download href={`/events/${eventId}/rollup.csv${q}`} label="汇总表" sub="CSV" />
        <Download href={`/damage-reports.xlsx?event_id=${eventId}${at}`} label="全部灾情报告" sub="XLSX" />
        <Download href={`/damage-reports.csv?event_id=${eventId}${at}`} label="全部灾情报告" sub="CSV" />
      </div>
    </section>
  );
}

/** The rolled-up figures as a list of name → value (a preview, a sign-off): every figure that is not 0, then how
 * many others are 0 (all of them are frozen; a column of zeros only hides the ones that count). */
export function FigureList({ figures }) {
  const rows = useAllFigures(figures);
  const shown = rows.filter(([key]) => Number(figureText(figures, key)) !== 0);
  const zeros = rows.length - shown.length;
  return (
    <>
      <dl class="desk-figures">
        {shown.map(([key, label, unit]) => (
          <div class="desk-figure" key={key} data-key={key}>
            <dt>{label}</dt>
            <dd>
              {figureText(figures, key)} {unit}
            </dd>
          </div>
        ))}
      </dl>
      {zeros ? <p class="muted zero-line">{shown.length ? `其余 ${zeros} 项指标为 0。` : `全部 ${zeros} 项指标为 0。`}</p> : null}
    </>
  );
}

export { shortTime };
