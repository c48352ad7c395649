// 公民身份号码 (GB 11643-1999) on the phone: the check before saving and the masked form shown after.
//
// The same rules and words as the server (server/ledgers/idnumber.py), pinned by the shared cases of
// tests/fixtures/id_number_rules.json (run by Vitest here and by tests/ledgers/test_id_number_fixture.py against
// the server). The phone keeps the whole number only inside the outbox item that carries it to the server; every
// list shows it masked, as the server answers it.

const SHAPE = /^[0-9]{17}[0-9X]$/;
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432'; // indexed by the weighted sum mod 11 (ISO 7064 MOD 11-2)
const MASK = '********';

export const ID_SHAPE_MESSAGE = '身份证号码应为 18 位：17 位数字加 1 位校验码（数字或 X）';
export const ID_BIRTH_MESSAGE = '身份证号码中的出生日期无效';
export const ID_CHECK_MESSAGE = '身份证号码校验码不正确，请核对';

/** The 18th character for the first 17 digits. */
export function checkDigit(first17) {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i];
  return CHECK[sum % 11];
}

/** Spaces dropped, a lower-case x as X, full-width digits (a Chinese keyboard) as ASCII; '' for no number. */
export function normalizeIdNumber(value) {
  return String(value ?? '')
    .replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0))
    .replace(/ｘ/gi, 'X')
    .replace(/\s+/g, '')
    .toUpperCase();
}

/** Why a number is not a valid 18-digit ID number (the server's words), or null ('' is no number: fine). */
export function idNumberProblem(value) {
  const number = normalizeIdNumber(value);
  if (!number) return null;
  if (!SHAPE.test(number)) return ID_SHAPE_MESSAGE;
  const year = Number(number.slice(6, 10));
  const month = Number(number.slice(10, 12));
  const day = Number(number.slice(12, 14));
  const born = new Date(Date.UTC(year, month - 1, day));
  const real = born.getUTCFullYear() === year && born.getUTCMonth() === month - 1 && born.getUTCDate() === day;
  if (!real || month < 1 || year < 1880) return ID_BIRTH_MESSAGE;
  if (checkDigit(number.slice(0, 17)) !== number[17]) return ID_CHECK_MESSAGE;
  return null;
}

/** "361130********1234": the first 6 and last 4 characters, as the server masks; '' for no number. */
export function maskIdNumber(value) {
  const number = normalizeIdNumber(value);
  if (!number) return '';
  if (number.length <= 10) return MASK;
  return `${number.slice(0, 6)}${MASK}${number.slice(-4)}`;
}

/** A number as a list shows it: the server's answer is masked already; an item waiting on the phone is masked here. */
export function shownIdNumber(value) {
  if (!value) return '';
  return value.includes('*') ? value : maskIdNumber(value);
}
