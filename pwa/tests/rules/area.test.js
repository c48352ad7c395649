import { describe, expect, it } from 'vitest';
import {
  areaToHa,
  convertArea,
  haToMuText,
  formatHundredths,
  haToMuHundredths,
  muToHaHundredths,
  parseAmount,
  toTwoPlaces,
} from '../../src/rules/area.js';

describe('amounts are exact hundredths', () => {
  it.each([
    ['12.5', 1250],
    ['12.50', 1250],
    [' 3.10 ', 310],
    ['0.01', 1],
    ['1e2', 10000],
    ['1.5e1', 1500],
    ['-0', 0],
    [undefined, 0],
    [8.2, 820],
    [0.3, 30],
    ['999999999999.99', 99_999_999_999_999],
  ])('%s → %s hundredths', (text, hundredths) => {
    expect(parseAmount(text)).toEqual({ hundredths });
  });

  it.each([['.5'], ['5.'], ['１２'], ['1_000'], [''], ['+.5e1']])(
    'JSON text %s is refused as the server refuses it',
    (text) => {
      expect(parseAmount(text)).toEqual({ error: '应为数字' });
    },
  );

  it.each([
    ['.5', 50],
    ['5.', 500],
    ['１２．５', 1250],
    ['', 0],
    ['  ', 0],
  ])('typed %s → %s hundredths (tidied as a person means it)', (text, hundredths) => {
    expect(parseAmount(text, { typed: true })).toEqual({ hundredths });
  });

  it.each([
    ['12.345', '最多保留两位小数'],
    [0.001, '最多保留两位小数'],
    ['-1', '不能小于 0'],
    ['-0.001', '不能小于 0'],
    ['abc', '应为数字'],
    ['NaN', '应为数字'],
    ['.', '应为数字'],
    ['1,5', '应为数字'],
    [true, '应为数字'],
    [null, '不能为空'],
    ['1e15', '数值过大'],
    ['1e400', '数值过大'],
    ['999999999999.999', '数值过大'],
  ])('%s is refused: %s', (text, error) => {
    expect(parseAmount(text)).toEqual({ error });
  });

  it('formats with two places', () => {
    expect(formatHundredths(0)).toBe('0.00');
    expect(formatHundredths(5)).toBe('0.05');
    expect(formatHundredths(1250)).toBe('12.50');
    expect(formatHundredths(99_999_999_999_999)).toBe('999999999999.99');
    expect(toTwoPlaces('7')).toBe('7.00');
    expect(toTwoPlaces('x')).toBeNull();
  });

  it('adds without float surprises', () => {
    // 0.1 + 0.2 in floats is 0.30000000000000004; in hundredths it is 30.
    const sum = parseAmount('0.1').hundredths + parseAmount('0.2').hundredths;
    expect(formatHundredths(sum)).toBe('0.30');
  });
});

describe('亩 ↔ 公顷 (15 亩 = 1 公顷)', () => {
  it('15 亩 is exactly 1 公顷 and back', () => {
    expect(convertArea('15', 'mu')).toEqual({ ha: '1.00', mu: '15.00', exact: true });
    expect(convertArea('1', 'ha')).toEqual({ ha: '1.00', mu: '15.00', exact: true });
  });

  it('rounds 亩 to the nearest 0.01 公顷, half up, and says it is rounded', () => {
    expect(convertArea('7.5', 'mu')).toEqual({ ha: '0.50', mu: '7.50', exact: true });
    expect(convertArea('1', 'mu')).toEqual({ ha: '0.07', mu: '1.00', exact: false }); // 0.0666…
    expect(convertArea('0.075', 'mu').error).toBe('最多保留两位小数');
    expect(muToHaHundredths(75)).toBe(5); // 0.75 亩 = 0.05 公顷 exactly
    expect(muToHaHundredths(22)).toBe(1); // 0.22 亩 = 0.01466… → 0.01
    expect(muToHaHundredths(23)).toBe(2); // 0.23 亩 = 0.01533… → 0.02
    expect(muToHaHundredths(2250)).toBe(150); // 22.5 亩 = 1.50 公顷
    expect(muToHaHundredths(22_5)).toBe(15); // 2.25 亩 = 0.15 公顷 exactly
  });

  it('keeps order: more 亩 is never fewer 公顷', () => {
    let last = 0;
    for (let mu = 0; mu <= 3000; mu++) {
      const ha = muToHaHundredths(mu);
      expect(ha).toBeGreaterThanOrEqual(last);
      expect(Math.abs(ha * 15 - mu)).toBeLessThanOrEqual(7.5); // within half a hundredth of a 公顷
      last = ha;
    }
  });

  it('公顷 to 亩 is exact', () => {
    expect(haToMuHundredths(7)).toBe(105); // 0.07 公顷 = 1.05 亩
    expect(convertArea('12.34', 'ha')).toEqual({ ha: '12.34', mu: '185.10', exact: true });
  });

  it('passes on what is wrong with the text', () => {
    expect(convertArea('abc', 'mu')).toEqual({ error: '应为数字' });
    expect(convertArea('-2', 'ha')).toEqual({ error: '不能小于 0' });
  });
});

describe('an update starts from the previous areas, shown in 亩, and sends them back unchanged', () => {
  it('公顷 → 亩 text → 公顷 is the identity for every two-place area', () => {
    for (let ha = 0; ha <= 5000; ha++) {
      const sent = formatHundredths(ha);
      expect(areaToHa({ text: haToMuText(sent), unit: 'mu' })).toBe(sent);
    }
    expect(haToMuText('999999999.99')).toBe('14999999999.85');
    expect(areaToHa({ text: '14999999999.85', unit: 'mu' })).toBe('999999999.99');
  });

  it('shows nothing for zero and passes on text that is not a number', () => {
    expect(haToMuText('0.00')).toBe('');
    expect(areaToHa({ text: 'abc', unit: 'mu' })).toBe('abc');
    expect(areaToHa({ text: '', unit: 'ha' })).toBe('0.00');
  });
});
