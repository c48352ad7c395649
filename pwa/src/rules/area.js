// Areas and money as exact decimals with two places (公顷, 万元), and 亩 ↔ 公顷 (15 亩 = 1 公顷).
//
// Why not floats: 0.1 + 0.2 !== 0.3, and a villager who types 7.5 亩 must see 0.50 公顷, not 0.49999…
// Every amount is held as a whole number of hundredths (12.50 → 1250). The largest amount the server stores,
// 999999999999.99, is 99 999 999 999 999 hundredths: well inside Number.MAX_SAFE_INTEGER, so plain integers
// are exact. Parsing goes through BigInt so that no typed digit is ever rounded on the way in.

// The server's Numeric(14, 2) holds 12 digits before the point (server/damage/figures.py MAX_DECIMAL).
export const MAX_HUNDREDTHS = 99_999_999_999_999;
export const MU_PER_HA = 15;
export const HECTARE = '公顷'; // the unit an area indicator is published in: its field offers 亩 too

// The server's messages for a bad amount (server/damage/figures.py Amount.default_error_messages).
export const AMOUNT_MESSAGES = {
  invalid: '应为数字',
  null: '不能为空',
  places: '最多保留两位小数',
  negative: '不能小于 0',
  too_large: '数值过大',
};

// Phones in Chinese input mode type full-width digits and points (１２．５); a villager should not have to
// switch keyboards for that.
function toAscii(text) {
  return text
    .replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xff10 + 48))
    .replace(/[．。]/g, '.')
    .replace(/[－]/g, '-')
    .replace(/[＋]/g, '+');
}

// The server's _AMOUNT_TEXT (server/damage/figures.py): what a JSON string may hold. Python's Decimal() alone would
// also take "1_000", ".5" or "１２"; the server refuses those as 应为数字 and so does this.
const AMOUNT_TEXT = /^([+-]?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/;

/**
 * What a person typed → the plain text the server reads: full-width digits and points made ASCII, ".5" → "0.5",
 * "5." → "5". Only for typed text: JSON values are read as strictly as the server reads them.
 */
export function tidyTyped(text) {
  return toAscii(String(text).trim())
    .replace(/^([+-]?)\./, '$10.')
    .replace(/\.$/, '');
}

/**
 * Parse an amount the way the server does: a JSON number or a string, ≥ 0, at most two places.
 * Returns `{hundredths}` or `{error}` (the server's Chinese message; `messages`: the server's own, as GET /indicators
 * publishes them). With `typed` (a form field): the text is tidied first and a blank field is 0 (nothing to report,
 * as a missing key is in the API).
 */
export function parseAmount(value, { typed = false, messages = AMOUNT_MESSAGES } = {}) {
  if (value === null) return { error: messages.null };
  if (value === undefined) return { hundredths: 0 };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { error: messages.invalid };
    // String(8.2) is "8.2", the shortest repr, as Python's str(float) the server applies.
    value = String(value);
  }
  if (typeof value !== 'string') return { error: messages.invalid };
  const text = typed ? tidyTyped(value) : value.trim();
  if (typed && text === '') return { hundredths: 0 };
  const match = AMOUNT_TEXT.exec(text);
  if (!match) return { error: messages.invalid };
  const [, sign, whole, fraction = '', exponentText = '0'] = match;
  const mantissa = BigInt(whole + fraction);
  const exponent = Number(exponentText);
  if (sign === '-' && mantissa !== 0n) return { error: messages.negative };
  if (mantissa === 0n) return { hundredths: 0 };
  // value = mantissa × 10^(exponent − fraction.length); in hundredths: × 10^(shift).
  const shift = exponent - fraction.length + 2;
  const digits = mantissa.toString().length;
  if (digits + shift > 15) return { error: messages.too_large }; // far beyond the maximum, before BigInt work
  let hundredths;
  if (shift >= 0) {
    hundredths = mantissa * 10n ** BigInt(shift);
  } else {
    const divisor = 10n ** BigInt(-shift);
    // The server checks the maximum before the places: 999999999999.999 is 数值过大, not 最多保留两位小数.
    if (mantissa > BigInt(MAX_HUNDREDTHS) * divisor) return { error: messages.too_large };
    if (mantissa % divisor !== 0n) return { error: messages.places };
    hundredths = mantissa / divisor;
  }
  if (hundredths > BigInt(MAX_HUNDREDTHS)) return { error: messages.too_large };
  return { hundredths: Number(hundredths) };
}

/** 1250 → "12.50": how amounts are sent to the server and shown. */
export function formatHundredths(hundredths) {
  const whole = Math.trunc(hundredths / 100);
  const cents = hundredths % 100;
  return `${whole}.${String(cents).padStart(2, '0')}`;
}

/** "12.5" → "12.50"; an amount that cannot be parsed → null. */
export function toTwoPlaces(value) {
  const { hundredths } = parseAmount(value);
  return hundredths === undefined ? null : formatHundredths(hundredths);
}

/**
 * 亩 → 公顷, both in hundredths. 1 亩 is 1/15 公顷, which has no exact two-place form (0.0666…), so the
 * result is rounded half up to 0.01 公顷 — once, here, and shown to the person beside what they typed.
 * Rounding keeps order (a ≥ b in 亩 stays a ≥ b in 公顷), so the crop chain rule never flips by rounding.
 */
export function muToHaHundredths(muHundredths) {
  return Math.floor((muHundredths * 2 + MU_PER_HA) / (MU_PER_HA * 2));
}

/** 公顷 → 亩, in hundredths: exact (× 15). */
export function haToMuHundredths(haHundredths) {
  return haHundredths * MU_PER_HA;
}

/**
 * What an area field holds, in the unit the person typed, converted both ways.
 * Returns `{ha, mu}` as two-place strings (ha is what the server receives), or `{error}`.
 */
export function convertArea(text, unit) {
  const parsed = parseAmount(text, { typed: true });
  if (parsed.error) return { error: parsed.error };
  if (unit === 'mu') {
    const ha = muToHaHundredths(parsed.hundredths);
    if (ha > MAX_HUNDREDTHS) return { error: AMOUNT_MESSAGES.too_large };
    return {
      ha: formatHundredths(ha),
      mu: formatHundredths(parsed.hundredths),
      exact: ha * MU_PER_HA === parsed.hundredths,
    };
  }
  return {
    ha: formatHundredths(parsed.hundredths),
    mu: formatHundredths(haToMuHundredths(parsed.hundredths)),
    exact: true,
  };
}

/**
 * What the server receives for an area typed as `{text, unit}`: 公顷 with two places ("0.50"), or the typed text
 * when it is not a number, so the figure rules report it with the server's message.
 */
export function areaToHa({ text, unit }) {
  const converted = convertArea(text, unit);
  return converted.error ? text : converted.ha;
}

/** 公顷 as received ("12.50") → the text an area field shows in 亩 ("187.50"), exactly; '' for zero. */
export function haToMuText(ha) {
  const hundredths = parseAmount(ha).hundredths ?? 0;
  return hundredths ? formatHundredths(haToMuHundredths(hundredths)) : '';
}
