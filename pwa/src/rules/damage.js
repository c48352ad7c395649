// The figures of a damage report (灾情指标) and every rule of PRODUCT.md, checked on the phone before saving.
//
// The messages are EXACTLY the server's (server/damage/figures.py, server/damage/service.py), keyed by the same
// dotted field paths (`figures.<key>`, `change_note`), so a villager sees the same words whether the phone or
// the server caught the mistake. pwa/tests/fixtures/damage_rules.json holds the shared cases; the Vitest suite
// and tests/damage/test_rules_fixture.py both run them, so the two sides cannot drift apart silently.

import { AMOUNT_MESSAGES, formatHundredths, parseAmount } from './area.js';

// server/damage/indicators.py, in the same order (the order of the change-note message's list).
export const INDICATORS = [
  { key: 'affected_population', label: '受灾人口', unit: '人' },
  { key: 'deaths', label: '因灾死亡人口', unit: '人' },
  { key: 'missing', label: '因灾失踪人口', unit: '人' },
  { key: 'injured', label: '因灾受伤人口', unit: '人' },
  { key: 'relocated', label: '紧急转移安置人口', unit: '人' },
  { key: 'relocated_centralized', label: '其中集中安置', unit: '人' },
  { key: 'relocated_dispersed', label: '其中分散安置', unit: '人' },
  { key: 'needing_aid', label: '需紧急生活救助人口', unit: '人' },
  { key: 'houses_collapsed_households', label: '倒塌房屋', unit: '户' },
  { key: 'houses_collapsed_rooms', label: '倒塌房屋', unit: '间' },
  { key: 'houses_severe_households', label: '严重损坏房屋', unit: '户' },
  { key: 'houses_severe_rooms', label: '严重损坏房屋', unit: '间' },
  { key: 'houses_general_households', label: '一般损坏房屋', unit: '户' },
  { key: 'houses_general_rooms', label: '一般损坏房屋', unit: '间' },
  { key: 'crops_affected_ha', label: '农作物受灾面积', unit: '公顷', decimal: true, area: true },
  { key: 'crops_damaged_ha', label: '农作物成灾面积', unit: '公顷', decimal: true, area: true },
  { key: 'crops_lost_ha', label: '农作物绝收面积', unit: '公顷', decimal: true, area: true },
  { key: 'direct_loss_10k_yuan', label: '直接经济损失', unit: '万元', decimal: true },
];
export const INDICATOR_KEYS = INDICATORS.map((i) => i.key);
export const BY_KEY = Object.fromEntries(INDICATORS.map((i) => [i.key, i]));

// How the form groups them, under plain headings a villager recognises.
export const GROUPS = [
  {
    title: '人员',
    keys: [
      'affected_population',
      'deaths',
      'missing',
      'injured',
      'relocated',
      'relocated_centralized',
      'relocated_dispersed',
      'needing_aid',
    ],
  },
  {
    title: '房屋',
    keys: [
      'houses_collapsed_households',
      'houses_collapsed_rooms',
      'houses_severe_households',
      'houses_severe_rooms',
      'houses_general_households',
      'houses_general_rooms',
    ],
  },
  { title: '农作物', keys: ['crops_affected_ha', 'crops_damaged_ha', 'crops_lost_ha'] },
  { title: '经济损失', keys: ['direct_loss_10k_yuan'] },
];

// Extra words shown under a label (not part of any server message).
export const HINTS = {
  crops_affected_ha: '减产 1 成以上',
  crops_damaged_ha: '减产 3 成以上',
  crops_lost_ha: '减产 8 成以上',
};

export const STAGE_NAMES = { initial: '初报', update: '续报', final: '核报' };
// server/damage/models.py STATUS_NAMES
export const STATUS_NAMES = { submitted: '待审核', approved: '已通过', returned: '已退回' };

// 32-bit Integer columns (server/damage/figures.py MAX_WHOLE).
const MAX_WHOLE = 2_000_000_000;
const WHOLE_MESSAGES = { invalid: '应为整数', null: '不能为空', negative: '不能小于 0', too_large: '数值过大' };
const PEOPLE_AT_MOST_AFFECTED = ['deaths', 'missing', 'injured', 'relocated', 'needing_aid'];
const HOUSE_CLASSES = ['collapsed', 'severe', 'general'];
const CROP_CHAIN = ['crops_affected_ha', 'crops_damaged_ha', 'crops_lost_ha']; // 受灾 ≥ 成灾 ≥ 绝收

/** `受灾人口(人)`: the name the change-note message uses (indicator_name on the server). */
export function indicatorName(key) {
  const i = BY_KEY[key];
  return `${i.label}(${i.unit})`;
}

/**
 * A whole number as JSON (a number: like the server, "12" is refused) or, with `typed`, the text of a form
 * field (a blank field is 0, as a missing key is in the API): `{value}` or `{error}`.
 */
export function parseWhole(value, { typed = false } = {}) {
  if (value === null) return { error: WHOLE_MESSAGES.null };
  if (value === undefined) return { value: 0 };
  let number;
  if (typeof value === 'number') {
    number = value;
  } else if (typed && typeof value === 'string') {
    const text = value.trim().replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xff10 + 48));
    if (text === '') return { value: 0 };
    if (!/^[+-]?\d+$/.test(text)) return { error: WHOLE_MESSAGES.invalid };
    number = Number(text);
  } else {
    return { error: WHOLE_MESSAGES.invalid };
  }
  if (!Number.isInteger(number)) return { error: WHOLE_MESSAGES.invalid };
  if (number < 0) return { error: WHOLE_MESSAGES.negative };
  if (number > MAX_WHOLE) return { error: WHOLE_MESSAGES.too_large };
  return { value: number === 0 ? 0 : number }; // -0 → 0
}

/**
 * Figures as JSON (or, with `typed`, the texts of a form) → `{figures, errors}`: `figures` has every key, whole
 * numbers as numbers and amounts as whole hundredths (exact); `errors` maps `figures.<key>` to the server's
 * message for a value that is not a valid figure at all (the server's schema errors, reported before any rule).
 */
export function parseFigures(input = {}, { typed = false } = {}) {
  const figures = {};
  const errors = {};
  for (const { key, decimal } of INDICATORS) {
    const parsed = decimal ? parseAmount(input[key], { typed }) : parseWhole(input[key], { typed });
    if (parsed.error) {
      errors[`figures.${key}`] = [parsed.error];
      figures[key] = 0;
    } else {
      figures[key] = decimal ? parsed.hundredths : parsed.value;
    }
  }
  return { figures, errors };
}

/** Parsed figures → the JSON the API takes: whole numbers as numbers, amounts as "12.50". */
export function figuresPayload(figures) {
  return Object.fromEntries(
    INDICATORS.map(({ key, decimal }) => [key, decimal ? formatHundredths(figures[key] ?? 0) : (figures[key] ?? 0)]),
  );
}

/**
 * The texts of a form → `{figures, errors}`: `figures` the JSON to send (every key), `errors` the fields
 * whose text is not a figure, with the server's message.
 */
export function readForm(texts) {
  const { figures, errors } = parseFigures(texts, { typed: true });
  return { figures: figuresPayload(figures), errors };
}

/** Figures from the API (or a payload) → the texts a form shows; zeros left blank so a form starts clean. */
export function figuresToForm(apiFigures = {}, { blankZeros = true } = {}) {
  const { figures } = parseFigures(apiFigures);
  return Object.fromEntries(
    INDICATORS.map(({ key, decimal }) => {
      const value = figures[key];
      if (blankZeros && value === 0) return [key, ''];
      return [key, decimal ? formatHundredths(value) : String(value)];
    }),
  );
}

/** 零报告: every figure is zero. */
export function isZero(input) {
  const { figures } = parseFigures(input);
  return INDICATOR_KEYS.every((key) => figures[key] === 0);
}

const show = (key, value) => (BY_KEY[key].decimal ? formatHundredths(value) : String(value));

/**
 * Every rule of PRODUCT.md that parsed figures break, `{"figures.<key>": ["中文原因"]}`, in the server's order
 * and words (server/damage/figures.py rule_errors).
 */
export function ruleErrors(figures) {
  const f = figures;
  const errors = {};
  const add = (key, message) => (errors[`figures.${key}`] ??= []).push(message);

  for (const key of PEOPLE_AT_MOST_AFFECTED) {
    if (f[key] > f.affected_population) {
      add(key, `${BY_KEY[key].label}不能大于受灾人口（${f[key]} > ${f.affected_population}）`);
    }
  }
  const parts = f.relocated_centralized + f.relocated_dispersed;
  if (f.relocated !== parts) {
    add(
      'relocated',
      `紧急转移安置人口应等于集中安置与分散安置之和` +
        `（${f.relocated_centralized} + ${f.relocated_dispersed} = ${parts}，填报为 ${f.relocated}）`,
    );
  }
  for (let i = 0; i + 1 < CROP_CHAIN.length; i++) {
    const [higher, lower] = [CROP_CHAIN[i], CROP_CHAIN[i + 1]];
    if (f[lower] > f[higher]) {
      add(
        lower,
        `${BY_KEY[lower].label}不能大于${BY_KEY[higher].label}` +
          `（${show(lower, f[lower])} > ${show(higher, f[higher])} 公顷）`,
      );
    }
  }
  for (const cls of HOUSE_CLASSES) {
    const households = f[`houses_${cls}_households`];
    const rooms = f[`houses_${cls}_rooms`];
    if (rooms < households) {
      add(
        `houses_${cls}_rooms`,
        `${BY_KEY[`houses_${cls}_rooms`].label}间数不能少于户数（${rooms} 间 < ${households} 户）`,
      );
    }
  }
  return errors;
}

/** The indicator keys whose value went down from `previous` to `figures` (both as received or typed). */
export function decreased(previous, figures) {
  const before = parseFigures(previous).figures;
  const after = parseFigures(figures).figures;
  return INDICATOR_KEYS.filter((key) => after[key] < before[key]);
}

/** The server's change-note message for these keys (server/damage/service.py _check_figures). */
export function changeNoteMessage(keys) {
  return `以下指标比上次报告减少，请填写变动说明：${keys.map(indicatorName).join('、')}`;
}

/**
 * Everything the server would refuse in a report's figures, with its messages: `{}` when it would accept.
 * `figures` as typed or as the JSON sent; `previous` the figures of the village's current report (the one the
 * new report replaces), or null for an initial; `changeNote` the explanation typed.
 * Like the server, values that are not figures at all are reported alone, before any rule.
 */
export function reportErrors({ figures, previous = null, changeNote = '' }) {
  const parsed = parseFigures(figures);
  if (Object.keys(parsed.errors).length) return parsed.errors;
  const errors = ruleErrors(parsed.figures);
  if (previous) {
    const down = decreased(previous, figures);
    if (down.length && !changeNote.trim()) errors.change_note = [changeNoteMessage(down)];
  }
  return errors;
}

export { AMOUNT_MESSAGES };
