// The named ledgers (台账) on the phone: the village's rows as the server has them, with what still waits in the
// outbox laid over them, their counts, and where a report's figures disagree with them.
//
// The server refuses a 核报 whose deaths, missing and houses per class (户 and 间) differ from the ledgers
// (server/damage/reconcile.py); it counts a row unless it was returned, and a missing person found alive no
// longer counts. The phone counts the same way, so the form can say so beside the figure before it is sent.

export const LEDGER_KINDS = {
  casualty: 'casualty', // POST /events/:id/casualties
  casualtyChange: 'casualty_change', // PATCH /casualties/:id
  house: 'house', // POST /events/:id/damaged-houses
  houseChange: 'house_change', // PATCH /damaged-houses/:id
};

export const CASUALTY_KIND_NAMES = { dead: '死亡', missing: '失踪' };
export const SEX_NAMES = { male: '男', female: '女' };
export const DAMAGE_NAMES = { collapsed: '倒塌', severe: '严重损坏', general: '一般损坏' };
export const STRUCTURES = ['钢混', '砖混', '砖木', '土木', '石木', '其他'];
export const HOUSE_STATUS_NAMES = {
  pending: '待处置',
  repairing: '维修中',
  repaired: '已维修',
  rebuilding: '重建中',
  rebuilt: '已重建',
};

const CLASSES = ['collapsed', 'severe', 'general'];
/** The report figures a ledger backs, in the server's order (reconcile.RECONCILED). */
export const RECONCILED = [
  'deaths',
  'missing',
  ...CLASSES.flatMap((cls) => [`houses_${cls}_households`, `houses_${cls}_rooms`]),
];

export const casualtiesPath = (eventId) => `/events/${eventId}/casualties?per_page=200`;
export const housesPath = (eventId) => `/events/${eventId}/damaged-houses?per_page=200`;
export const ledgerPath = (eventId) => `/events/${eventId}/ledgers`;

const rowIdOf = (url, prefix) => {
  const found = new RegExp(`^/${prefix}/(\\d+)$`).exec(url || '');
  return found ? Number(found[1]) : null;
};

/**
 * The village's rows for one event: the server's (`casualties`, `houses`: list items as the API answers) with
 * the outbox's changes applied, then the new rows still on the phone. Each row gets `waiting`: null (as the
 * server has it), 'new' (not sent yet), 'change' (a change not sent yet); `attention`: the server refused it;
 * `clientId` of the outbox item when there is one.
 */
export function ledgerRows({ eventId, casualties = [], houses = [], items = [] }) {
  const created = (kind, path) =>
    items
      .filter((item) => item.kind === kind && item.url === `/events/${eventId}/${path}`)
      .map((item) => ({
        ...item.body,
        id: null,
        review_status: 'submitted',
        found_alive: false,
        waiting: 'new',
        attention: item.status === 'needs_attention',
        clientId: item.clientId,
      }));
  const changed = (rows, kind, prefix) =>
    rows.map((row) => {
      const changes = items.filter((item) => item.kind === kind && rowIdOf(item.url, prefix) === row.id);
      if (!changes.length) return { ...row, waiting: null, attention: false, clientId: null };
      const last = changes[changes.length - 1];
      const merged = changes.reduce((acc, item) => ({ ...acc, ...item.body }), row);
      if (merged.kind === 'dead' && !changes.some((item) => 'found_alive' in item.body)) merged.found_alive = false;
      return {
        ...merged,
        id: row.id,
        waiting: 'change',
        attention: changes.some((item) => item.status === 'needs_attention'),
        clientId: last.clientId,
      };
    });
  return {
    casualties: [
      ...changed(casualties, LEDGER_KINDS.casualtyChange, 'casualties'),
      ...created(LEDGER_KINDS.casualty, 'casualties'),
    ],
    houses: [
      ...changed(houses, LEDGER_KINDS.houseChange, 'damaged-houses'),
      ...created(LEDGER_KINDS.house, 'damaged-houses'),
    ],
  };
}

/** Whether a person is in the village's deaths / missing count (the server's counted_casualty). */
export const countedCasualty = (row) => row.review_status !== 'returned' && !row.found_alive;
export const countedHouse = (row) => row.review_status !== 'returned';

/** The counts the ledgers back: {deaths, missing, houses_<class>_households, houses_<class>_rooms}. */
export function ledgerCounts({ casualties = [], houses = [] }) {
  const counts = Object.fromEntries(RECONCILED.map((key) => [key, 0]));
  for (const row of casualties.filter(countedCasualty)) {
    if (row.kind === 'dead') counts.deaths += 1;
    if (row.kind === 'missing') counts.missing += 1;
  }
  for (const row of houses.filter(countedHouse)) {
    if (!CLASSES.includes(row.damage)) continue;
    counts[`houses_${row.damage}_households`] += 1;
    counts[`houses_${row.damage}_rooms`] += Number(row.rooms) || 0;
  }
  return counts;
}

/**
 * The reconciled figures that differ from the ledgers: [{key, filed, listed, ledger, text}], `ledger` being
 * 'casualties' or 'houses', `text` what the form says beside the figure, in the words of `vocab`
 * (rules/damage.js vocabulary()).
 */
export function ledgerMismatches(vocab, figures, counts) {
  const out = [];
  for (const key of RECONCILED) {
    const filed = Number((figures || {})[key]) || 0;
    const listed = counts[key] || 0;
    if (filed === listed) continue;
    const { label, unit } = vocab.byKey[key]; // the served vocabulary's words (GET /indicators)
    const ledger = key === 'deaths' || key === 'missing' ? 'casualties' : 'houses';
    out.push({ key, filed, listed, ledger, text: `${label}填 ${filed} ${unit}，台账登记 ${listed} ${unit}` });
  }
  return out;
}

/**
 * Whether the server refused a report because its figures and the ledgers disagree (a 核报: 422 with
 * `figures.<key>` messages that name the 台账): then the way forward is 去补录台账, not lowering the figures.
 */
export function refusedForLedger(fields) {
  return Object.entries(fields || {}).some(
    ([path, messages]) =>
      RECONCILED.includes(path.replace(/^figures\./, '')) && [].concat(messages).some((m) => String(m).includes('台账')),
  );
}

/** One person's line on a card: "男 54 岁 · 死亡". */
export function casualtyStatus(row) {
  if (row.found_alive) return '已找到（生还）';
  return CASUALTY_KIND_NAMES[row.kind] || row.kind;
}
