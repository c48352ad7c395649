// The figures of a damage report (灾情指标) and the rules they are held to, checked on the phone before saving.
//
// Nothing here knows an indicator: the list, the names, the units, the groups and the rules with their messages
// come from the server (`GET /indicators`, read and kept for offline use by indicators.js), which publishes the
// same declaration it checks reports with (server/damage/figures.py RULES). So a villager sees the server's words
// whether the phone or the server caught the mistake, and an indicator renamed or a rule reworded on the server
// reaches the phone with no copy here to update. pwa/tests/fixtures/damage_rules.json holds cases both sides run
// (tests/damage/test_rules_fixture.py against the API, Vitest against this, built from indicators.json, which
// tests/damage/test_indicators_api.py keeps equal to what the server serves).

import { formatHundredths, HECTARE, parseAmount } from './area.js';

export const STAGE_NAMES = { initial: '初报', update: '续报', final: '核报' };
// server/damage/models.py STATUS_NAMES
export const STATUS_NAMES = { submitted: '待审核', approved: '已通过', returned: '已退回' };

const named = (rule) => [rule.left, rule.total, ...(rule.right || []), ...(rule.parts || [])].filter(Boolean);

/**
 * What `GET /indicators` served → the vocabulary of one disaster type's reports (`disasterType` null: a type not
 * known, e.g. an event never read: the indicators every type holds):
 * - `indicators` in national order (each `{key, label, unit, group, decimal, hint, area}`), `keys`, `byKey`;
 * - `groups`: `{key, label, keys}` in the order a form shows them, empty ones left out;
 * - `rules`: the figure rules of this type, in the server's order; `required`: keys a report must state (even 0);
 * - `partOf`: key → the total it is a part of (其中… under 紧急转移安置人口), from the sum rules.
 */
export function vocabulary(served, disasterType = null) {
  const indicators = served.indicators
    .filter((i) => !i.only_for || i.only_for === disasterType)
    .map((i) => ({ ...i, area: i.unit === HECTARE }));
  const byKey = Object.fromEntries(indicators.map((i) => [i.key, i]));
  const holds = (key) => key in byKey;
  const rules = served.rules.filter((rule) => {
    if (rule.kind === 'stated') return rule.disaster_type === disasterType && holds(rule.field);
    if (rule.kind === 'decrease') return false;
    return named(rule).every(holds);
  });
  const partOf = {};
  for (const rule of rules) if (rule.kind === 'sum') for (const part of rule.parts) partOf[part] = rule.total;
  return {
    disasterType,
    indicators,
    keys: indicators.map((i) => i.key),
    byKey,
    groups: served.groups
      .map((group) => ({ ...group, keys: indicators.filter((i) => i.group === group.key).map((i) => i.key) }))
      .filter((group) => group.keys.length),
    rules: rules.filter((rule) => rule.kind !== 'stated'),
    required: rules.filter((rule) => rule.kind === 'stated').map((rule) => rule.field),
    stated: Object.fromEntries(rules.filter((r) => r.kind === 'stated').map((r) => [r.field, r.message])),
    decrease: served.rules.find((rule) => rule.kind === 'decrease'),
    partOf,
    values: served.values,
  };
}

/** A published message with its `{placeholders}` filled in. */
export function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
}

/** `受灾人口(人)`: the name the change-note message uses (indicator_name on the server). */
export function indicatorName(vocab, key) {
  const i = vocab.byKey[key];
  return `${i.label}(${i.unit})`;
}

const toAsciiDigits = (text) =>
  text.replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xff10 + 48)).replace(/[－]/g, '-');

/**
 * A whole number as JSON (a number: like the server, "12" is refused) or, with `typed`, the text of a form
 * field (a blank field is 0, as a missing key is in the API): `{value}` or `{error}`, in the server's words.
 */
export function parseWhole(vocab, value, { typed = false } = {}) {
  const { max, messages } = vocab.values.whole;
  if (value === null) return { error: messages.null };
  if (value === undefined) return { value: 0 };
  let number;
  if (typeof value === 'number') {
    number = value;
  } else if (typed && typeof value === 'string') {
    const text = toAsciiDigits(value.trim());
    if (text === '') return { value: 0 };
    if (!/^[+-]?\d+$/.test(text)) return { error: messages.invalid };
    number = Number(text);
  } else {
    return { error: messages.invalid };
  }
  if (!Number.isInteger(number)) return { error: messages.invalid };
  if (number < 0) return { error: messages.negative };
  if (number > max) return { error: messages.too_large };
  return { value: number === 0 ? 0 : number }; // -0 → 0
}

const blank = (value) => value === undefined || (typeof value === 'string' && value.trim() === '');

/**
 * Figures as JSON (or, with `typed`, the texts of a form) → `{figures, errors, unstated}`: `figures` has every
 * key of the type, whole numbers as numbers and amounts as whole hundredths (exact); `errors` maps
 * `figures.<key>` to the server's message for a value that is not a valid figure at all (the server's schema
 * errors, reported before any rule); `unstated` the keys given no value (absent, or a blank field).
 */
export function parseFigures(vocab, input = {}, { typed = false } = {}) {
  const figures = {};
  const errors = {};
  const unstated = [];
  for (const { key, decimal } of vocab.indicators) {
    if (blank(input[key]) && (typed || input[key] === undefined)) unstated.push(key);
    const parsed = decimal
      ? parseAmount(input[key], { typed, messages: vocab.values.amount.messages })
      : parseWhole(vocab, input[key], { typed });
    if (parsed.error) {
      errors[`figures.${key}`] = [parsed.error];
      figures[key] = 0;
    } else {
      figures[key] = decimal ? parsed.hundredths : parsed.value;
    }
  }
  return { figures, errors, unstated };
}

/**
 * Parsed figures → the JSON the API takes: whole numbers as numbers, amounts as "12.50". A key the type requires
 * stated (`vocab.required`) and listed in `unstated` is left out, so that the server (and `reportErrors`) asks for
 * it rather than the phone stating 0 on the person's behalf.
 */
export function figuresPayload(vocab, figures, unstated = []) {
  return Object.fromEntries(
    vocab.indicators
      .filter(({ key }) => !(vocab.required.includes(key) && unstated.includes(key)))
      .map(({ key, decimal }) => [key, decimal ? formatHundredths(figures[key] ?? 0) : (figures[key] ?? 0)]),
  );
}

/**
 * The texts of a form → `{figures, errors}`: `figures` the JSON to send, `errors` the fields whose text is not a
 * figure, with the server's message.
 */
export function readForm(vocab, texts) {
  const { figures, errors, unstated } = parseFigures(vocab, texts, { typed: true });
  return { figures: figuresPayload(vocab, figures, unstated), errors };
}

/**
 * Figures from the API (or a payload) → the texts a form shows; zeros left blank so a form starts clean, except
 * where the type requires the figure stated (a 0 there was said, and stays said).
 */
export function figuresToForm(vocab, apiFigures = {}, { blankZeros = true } = {}) {
  const { figures, unstated } = parseFigures(vocab, apiFigures);
  return Object.fromEntries(
    vocab.indicators.map(({ key, decimal }) => {
      const value = figures[key];
      if (unstated.includes(key) && vocab.required.includes(key)) return [key, ''];
      if (blankZeros && value === 0 && !vocab.required.includes(key)) return [key, ''];
      return [key, decimal ? formatHundredths(value) : String(value)];
    }),
  );
}

/** The figures of a 零报告: nothing at all, except a 0 for each figure the type requires stated. */
export function zeroFigures(vocab) {
  return Object.fromEntries(vocab.required.map((key) => [key, 0]));
}

/** 零报告: every figure is zero (any figures, whatever the type: as the server's is_zero). */
export function isZero(figures = {}) {
  return Object.values(figures).every((value) => value === null || Number(value) === 0);
}

const show = (vocab, key, value) => (vocab.byKey[key].decimal ? formatHundredths(value) : String(value));

/** Does one published rule hold for parsed figures; if not, its message filled in. */
function broken(vocab, rule, f) {
  const compared = rule.kind === 'gte' ? rule.right : rule.parts;
  const sum = compared.reduce((total, key) => total + f[key], 0);
  const holds = rule.kind === 'gte' ? f[rule.left] >= sum : f[rule.total] === sum;
  if (holds) return null;
  const values = Object.fromEntries(named(rule).map((key) => [key, show(vocab, key, f[key])]));
  values.sum = show(vocab, compared[0], sum);
  return fill(rule.message, values);
}

/**
 * Every figure rule that parsed figures break, `{"figures.<key>": ["中文原因"]}`, in the server's order and words
 * (the rules as served; server/damage/figures.py rule_errors).
 */
export function ruleErrors(vocab, figures) {
  const errors = {};
  for (const rule of vocab.rules) {
    const message = broken(vocab, rule, figures);
    if (message) (errors[`figures.${rule.field}`] ??= []).push(message);
  }
  return errors;
}

/** The indicator keys whose value went down from `previous` to `figures` (both as received or typed). */
export function decreased(vocab, previous, figures) {
  const before = parseFigures(vocab, previous).figures;
  const after = parseFigures(vocab, figures).figures;
  return vocab.keys.filter((key) => after[key] < before[key]);
}

/** The server's change-note message for these keys. */
export function changeNoteMessage(vocab, keys) {
  const { message, separator } = vocab.decrease;
  return fill(message, { names: keys.map((key) => indicatorName(vocab, key)).join(separator) });
}

/**
 * Everything the server would refuse in a report's figures, with its messages: `{}` when it would accept.
 * `figures` as the JSON sent (readForm's); `previous` the figures of the village's current report (the one the
 * new report replaces), or null for an initial; `changeNote` the explanation typed.
 * Like the server, values that are not figures at all are reported alone, before any rule.
 */
export function reportErrors(vocab, { figures, previous = null, changeNote = '' }) {
  const parsed = parseFigures(vocab, figures);
  if (Object.keys(parsed.errors).length) return parsed.errors;
  const errors = ruleErrors(vocab, parsed.figures);
  for (const key of vocab.required) {
    if (parsed.unstated.includes(key)) errors[`figures.${key}`] = [vocab.stated[key]];
  }
  if (previous) {
    const down = decreased(vocab, previous, figures);
    if (down.length && !changeNote.trim()) errors[vocab.decrease.field] = [changeNoteMessage(vocab, down)];
  }
  return errors;
}
