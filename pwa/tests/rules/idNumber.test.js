import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  checkDigit,
  idNumberProblem,
  ID_CHECK_MESSAGE,
  ID_SHAPE_MESSAGE,
  maskIdNumber,
  normalizeIdNumber,
  shownIdNumber,
} from '../../src/rules/idNumber.js';

// The same cases tests/ledgers/test_id_number_fixture.py checks against the server's idnumber module.
const { cases } = JSON.parse(readFileSync(new URL('../fixtures/id_number_rules.json', import.meta.url), 'utf8'));

describe('ID number: the same verdicts and words as the server', () => {
  it('has valid and invalid cases', () => {
    expect(cases.some((c) => c.problem === null && c.value)).toBe(true);
    expect(new Set(cases.map((c) => c.problem)).size).toBeGreaterThanOrEqual(4);
  });
  it.each(cases.map((c) => [JSON.stringify(c.value), c]))('%s', (_name, c) => {
    expect(idNumberProblem(c.value)).toBe(c.problem);
    expect(maskIdNumber(c.value)).toBe(c.masked);
  });
});

describe('GB 11643 check digit (ISO 7064 MOD 11-2)', () => {
  it('computes the standard example, whose check character is X', () => {
    expect(checkDigit('11010519491231002')).toBe('X');
  });
  it('refuses every wrong last character of a valid number', () => {
    const good = '11010519491231002X';
    for (const last of '0123456789') expect(idNumberProblem(good.slice(0, 17) + last)).toBe(ID_CHECK_MESSAGE);
  });
  it('takes a number typed with a Chinese keyboard (full-width digits, ｘ) as the ASCII one', () => {
    expect(normalizeIdNumber('１１０１０５１９４９１２３１００２ｘ')).toBe('11010519491231002X');
    expect(idNumberProblem('１１０１０５１９４９１２３１００２ｘ')).toBeNull();
  });
  it('says 18 位 for a short number and for letters', () => {
    expect(idNumberProblem('3611301980')).toBe(ID_SHAPE_MESSAGE);
    expect(idNumberProblem('36113019800101001A')).toBe(ID_SHAPE_MESSAGE);
  });
  it('takes no number as no problem (the ID number is optional)', () => {
    expect(idNumberProblem('')).toBeNull();
    expect(idNumberProblem(null)).toBeNull();
    expect(idNumberProblem('   ')).toBeNull();
  });
});

describe('masking', () => {
  it('keeps the first 6 and last 4 characters, as the server answers', () => {
    expect(maskIdNumber('361130198001010014')).toBe('361130********0014');
  });
  it('shows a number from the server as it came and masks one waiting on the phone', () => {
    expect(shownIdNumber('361130********0014')).toBe('361130********0014');
    expect(shownIdNumber('361130198001010014')).toBe('361130********0014');
    expect(shownIdNumber('')).toBe('');
  });
});
