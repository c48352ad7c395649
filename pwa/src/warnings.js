// Warnings (预警) and their acknowledgement (叫应), as the phone shows them. Pure logic: no DOM, no IndexedDB, no
// network; the screens (screens/Warning*.jsx, Dashboard.jsx) and Vitest (tests/warnings.test.js) use it.
//
// The server decides what counts (API.md, Warnings): its `ack_due_at` is the deadline when it sends one, the
// status' `overdue` is computed from its clock. The phone only recomputes what changes while a screen is open
// (the countdown, a deadline passing while nobody reloads), from the same fields.

// Most severe first. Colour is never the only sign: every place that colours a warning also writes its name.
export const LEVELS = [
  { value: 'red', name: '红色预警', short: '红色', rank: 4 },
  { value: 'orange', name: '橙色预警', short: '橙色', rank: 3 },
  { value: 'yellow', name: '黄色预警', short: '黄色', rank: 2 },
  { value: 'blue', name: '蓝色预警', short: '蓝色', rank: 1 },
];
const BY_VALUE = Object.fromEntries(LEVELS.map((level) => [level.value, level]));

/** '红色预警'; an unknown level is named as it came, so a new server level still shows something. */
/** The levels as ChoiceGrid options (发布预警, 修改预警): the name, coloured by its level. */
export const LEVEL_OPTIONS = LEVELS.map((level) => ({ value: level.value, label: level.name, tone: level.value }));

export function levelName(level) {
  return BY_VALUE[level] ? BY_VALUE[level].name : String(level || '预警');
}

/** The level's rank: red 4 … blue 1, unknown 0. */
export function levelRank(level) {
  return BY_VALUE[level] ? BY_VALUE[level].rank : 0;
}

/** The CSS class that colours a level (`level-red`); warnings.css pairs each with a text colour that reads. */
export function levelClass(level) {
  return `level-${BY_VALUE[level] ? level : 'unknown'}`;
}

// The acknowledgement windows the county plans use (config.py on the server holds the real ones; these only
// pre-fill the issuing form, which shows them and sends what the person chose).
export const DEFAULT_ACK_MINUTES = { red: 30, orange: 60, yellow: 120, blue: null };

const toMs = (value) => {
  if (value === null || value === undefined || value === '') return null;
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
};

/** When the warning's current revision went out (an update asks for acknowledgement again), in ms. */
export function issuedAt(warning) {
  return toMs(warning.revised_at) ?? toMs(warning.issued_at);
}

/** An update changed the warning since it was first issued (the server's revision counts from 1). */
export function wasRevised(warning) {
  return (warning.revision || 1) > 1;
}

/**
 * The deadline to acknowledge, in ms, or null when the warning asks for none (blue by default). The server's
 * `ack_due_at` wins; without it, the current revision's time plus `ack_within_minutes`.
 */
export function ackDueAt(warning) {
  const given = toMs(warning.ack_due_at);
  if (given !== null) return given;
  const minutes = warning.ack_within_minutes;
  const start = issuedAt(warning);
  if (minutes === null || minutes === undefined || start === null) return null;
  return start + minutes * 60000;
}

/** Most severe first, then newest first (the order a reporter reads them in; API.md says the server agrees). */
export function sortWarnings(warnings) {
  return [...warnings].sort(
    (a, b) => levelRank(b.level) - levelRank(a.level) || (issuedAt(b) ?? 0) - (issuedAt(a) ?? 0) || b.id - a.id,
  );
}

/** Still in force: not cancelled, not past its expiry (the server's status, and the phone's clock since). */
export function isActive(warning, now = Date.now()) {
  if (warning.active === false || (warning.status && warning.status !== 'active')) return false;
  const expires = toMs(warning.expires_at);
  return expires === null || expires > now;
}

/**
 * {dueAt, ms, overdue} for a countdown: ms left (negative once passed), or null when nothing is due.
 */
export function timeLeft(warning, now = Date.now()) {
  const dueAt = ackDueAt(warning);
  if (dueAt === null) return null;
  const ms = dueAt - now;
  return { dueAt, ms, overdue: ms <= 0 };
}

const pad = (n) => String(n).padStart(2, '0');

/**
 * The countdown as words: "还剩 28 分 05 秒", "还剩 1 小时 20 分", "已超过 5 分钟" (a countdown that only changes
 * colour says nothing to a colour-blind officer in the sun).
 */
export function formatLeft(ms) {
  if (ms <= 0) {
    const minutes = Math.floor(-ms / 60000);
    if (minutes < 1) return '已到时间';
    if (minutes < 60) return `已超过 ${minutes} 分钟`;
    return `已超过 ${Math.floor(minutes / 60)} 小时 ${minutes % 60} 分`;
  }
  const seconds = Math.ceil(ms / 1000);
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (hours) return `还剩 ${hours} 小时 ${minutes} 分`;
  return `还剩 ${minutes} 分 ${pad(seconds % 60)} 秒`;
}

/**
 * One acknowledgement against a deadline: 'on_time' | 'late' (answered after the window: it counts, marked late)
 * | 'overdue' (window passed, no answer) | 'waiting' (window still open) | 'open' (no window, no answer yet).
 */
export function ackStatus({ acknowledgedAt, dueAt, late, overdue }, now = Date.now()) {
  const at = toMs(acknowledgedAt);
  if (at !== null) {
    if (late !== undefined && late !== null) return late ? 'late' : 'on_time';
    return dueAt !== null && dueAt !== undefined && at > dueAt ? 'late' : 'on_time';
  }
  if (dueAt === null || dueAt === undefined) return overdue ? 'overdue' : 'open';
  return overdue || now >= dueAt ? 'overdue' : 'waiting';
}

export const ACK_STATUS_NAMES = {
  on_time: '已叫应',
  late: '已叫应（迟）',
  overdue: '未叫应（已超时）',
  waiting: '待叫应',
  open: '待叫应',
};

/** The outbox item that acknowledges this warning from this phone, if any (kind 'ack'). */
export function queuedAck(warningId, outboxItems = []) {
  const url = ackPath(warningId);
  return outboxItems.find((item) => item.kind === 'ack' && item.url === url) || null;
}

/** The API path an acknowledgement is POSTed to (the outbox item's url). */
export function ackPath(warningId) {
  return `/warnings/${warningId}/ack`;
}

/**
 * What the reporter's banner shows for one warning:
 *   'ack_needed'   no answer yet from the village: the full banner with 收到 (one tap)
 *   'ack_queued'   answered on this phone, waiting in the outbox (offline): "已叫应，待发送"
 *   'ack_failed'   the server refused the queued answer: go to 待发送
 *   'acknowledged' the village answered (this phone or the other officer's)
 *   'info'         a warning that asks for no acknowledgement
 */
export function bannerState(warning, outboxItems = []) {
  const queued = queuedAck(warning.id, outboxItems);
  const own = ownAck(warning);
  if (own) return 'acknowledged';
  if (queued) return queued.status === 'needs_attention' ? 'ack_failed' : 'ack_queued';
  if (!requiresAck(warning)) return 'info';
  return 'ack_needed';
}

/** The village's acknowledgement as the server sent it with the warning (null: none yet for this version). */
export function ownAck(warning) {
  return warning.acknowledgement || null;
}

/** A warning asks for acknowledgement unless its window is explicitly none (blue by default). */
export function requiresAck(warning) {
  if (warning.requires_ack !== undefined) return Boolean(warning.requires_ack);
  return warning.ack_within_minutes !== null && warning.ack_within_minutes !== undefined;
}

/**
 * The reporter's home banners: active warnings targeting the village, most severe and newest first, each with
 * its state and countdown. Those still to answer come first whatever their level: they need the thumb now.
 */
export function homeBanners({ warnings = [], outboxItems = [], now = Date.now() }) {
  const rows = sortWarnings(warnings.filter((warning) => isActive(warning, now))).map((warning) => ({
    warning,
    state: bannerState(warning, outboxItems),
    left: timeLeft(warning, now),
  }));
  const urgent = (row) => (row.state === 'ack_needed' || row.state === 'ack_failed' ? 0 : 1);
  // Array.prototype.sort is stable: within each group the severity/newest order above stays.
  return rows.sort((a, b) => urgent(a) - urgent(b));
}

/** Households / persons typed as text ('' = not given) → the acknowledgement's body (omitting what is empty). */
export function ackBody({ households = '', persons = '', note = '' } = {}) {
  const body = {};
  const whole = (text) => {
    const digits = String(text).replace(/[^0-9]/g, '');
    return digits ? parseInt(digits, 10) : null;
  };
  if (whole(households) !== null) body.households_notified = whole(households);
  if (whole(persons) !== null) body.persons_notified = whole(persons);
  if (note.trim()) body.note = note.trim();
  return body;
}

/**
 * The acknowledgement board from GET /warnings/{id}/status: per village answered, late, silent. Each unit gets
 * `state` (ackStatus) and the groups come silent first (they need a phone call), then waiting, late, on time,
 * each by unit code. `counts` are the server's numbers (targets, acknowledged, late, overdue, rate).
 */
export function boardView(status, { dueAt = null, now = Date.now() } = {}) {
  const units = (status.units || []).map((unit) => ({
    ...unit,
    state: ackStatus({ acknowledgedAt: unit.acknowledged_at, dueAt, late: unit.late, overdue: unit.overdue }, now),
  }));
  const order = { overdue: 0, waiting: 1, open: 1, late: 2, on_time: 3 };
  const code = (unit) => (unit.org_unit && (unit.org_unit.code || unit.org_unit.name)) || '';
  units.sort((a, b) => order[a.state] - order[b.state] || code(a).localeCompare(code(b)));
  const late = units.filter((unit) => unit.state === 'late').length;
  const counts = {
    targets: status.targets ?? units.length,
    acknowledged: status.acknowledged ?? units.filter((unit) => unit.state === 'on_time' || unit.state === 'late').length,
    late: status.late ?? late,
    overdue: status.overdue ?? units.filter((unit) => unit.state === 'overdue').length,
    rate: status.rate ?? null,
  };
  return { units, counts };
}

/** "10 / 12" and "83%" (the rate as the server gave it: a fraction 0..1, or null before any target). */
export function rateText({ acknowledged, targets, rate }) {
  const share = rate === null || rate === undefined ? (targets ? acknowledged / targets : null) : Number(rate);
  const percent = share === null || !Number.isFinite(share) ? '—' : `${Math.round(share * 100)}%`;
  return { count: `${acknowledged} / ${targets}`, percent };
}

/** tel: link of a phone number (digits, + and - kept; spaces, brackets dropped), or null. */
export function telHref(phone) {
  const cleaned = String(phone || '').replace(/[^0-9+]/g, '');
  return cleaned.length >= 3 ? `tel:${cleaned}` : null;
}

/**
 * Poll `load` every `intervalMs` while the document is visible, never while hidden (a board left open in a
 * pocket must not drain the battery or the township's data plan), and at once on becoming visible again.
 * Returns stop(). `doc` and `timers` are injected for tests.
 */
export function createPoller({ load, intervalMs = 15000, doc = globalThis.document, timers = defaultTimers }) {
  let timer = null;
  let stopped = false;
  const visible = () => !doc || doc.visibilityState !== 'hidden';
  const clear = () => {
    if (timer !== null) timers.clear(timer);
    timer = null;
  };
  const tick = async () => {
    timer = null;
    if (stopped || !visible()) return;
    try {
      await load();
    } catch {
      // the screen shows its own error; the next tick tries again
    }
    if (!stopped && visible() && timer === null) timer = timers.set(tick, intervalMs);
  };
  const onVisibility = () => {
    clear();
    if (visible()) tick();
  };
  if (doc) doc.addEventListener('visibilitychange', onVisibility);
  if (visible()) timer = timers.set(tick, intervalMs);
  return function stop() {
    stopped = true;
    clear();
    if (doc) doc.removeEventListener('visibilitychange', onVisibility);
  };
}

const defaultTimers = { set: (fn, ms) => setTimeout(fn, ms), clear: (id) => clearTimeout(id) };
