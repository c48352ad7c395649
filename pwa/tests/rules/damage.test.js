import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  changeNoteMessage,
  decreased,
  figuresPayload,
  figuresToForm,
  INDICATOR_KEYS,
  GROUPS,
  isZero,
  parseFigures,
  readForm,
  reportErrors,
} from '../../src/rules/damage.js';

// The same cases tests/damage/test_rules_fixture.py sends to the server.
const { cases } = JSON.parse(readFileSync(new URL('../fixtures/damage_rules.json', import.meta.url), 'utf8'));

describe('damage rules: the same fields and messages as the server', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThan(20));
  it.each(cases.map((c) => [c.name, c]))('%s', (_name, c) => {
    const errors = reportErrors({ figures: c.figures, previous: c.previous ?? null, changeNote: c.change_note ?? '' });
    expect(errors).toEqual(c.errors);
  });
});

describe('figures typed in a form', () => {
  it('reads blank fields as zero and texts as numbers', () => {
    const { figures, errors } = readForm({ affected_population: ' 12 ', deaths: '', crops_affected_ha: '7.5' });
    expect(errors).toEqual({});
    expect(figures.affected_population).toBe(12);
    expect(figures.deaths).toBe(0);
    expect(figures.crops_affected_ha).toBe('7.50');
  });

  it('accepts full-width digits from a Chinese keyboard', () => {
    const { figures } = readForm({ injured: '１２', direct_loss_10k_yuan: '３．５' });
    expect(figures.injured).toBe(12);
    expect(figures.direct_loss_10k_yuan).toBe('3.50');
  });

  it('refuses a fraction of a person typed as text', () => {
    expect(readForm({ injured: '1.5' }).errors).toEqual({ 'figures.injured': ['应为整数'] });
    expect(readForm({ injured: '-3' }).errors).toEqual({ 'figures.injured': ['不能小于 0'] });
  });

  it('is strict with JSON, as the server: persons as text are not a number', () => {
    expect(parseFigures({ injured: '3' }).errors).toEqual({ 'figures.injured': ['应为整数'] });
  });

  it('sends whole numbers as numbers and amounts as strings with two places', () => {
    const payload = figuresPayload(parseFigures({ affected_population: 3, crops_lost_ha: '0.1' }).figures);
    expect(Object.keys(payload)).toEqual(INDICATOR_KEYS);
    expect(payload.affected_population).toBe(3);
    expect(payload.crops_lost_ha).toBe('0.10');
    expect(payload.direct_loss_10k_yuan).toBe('0.00');
  });

  it('shows received figures in a form, zeros blank', () => {
    const form = figuresToForm({ affected_population: 120, crops_affected_ha: '12.50', deaths: 0 });
    expect(form.affected_population).toBe('120');
    expect(form.crops_affected_ha).toBe('12.50');
    expect(form.deaths).toBe('');
    expect(figuresToForm({ deaths: 0 }, { blankZeros: false }).deaths).toBe('0');
  });
});

describe('zero reports and decreases', () => {
  it('tells a zero report', () => {
    expect(isZero({})).toBe(true);
    expect(isZero({ crops_lost_ha: '0.00', deaths: 0 })).toBe(true);
    expect(isZero({ crops_lost_ha: '0.01' })).toBe(false);
    expect(isZero({ injured: 1 })).toBe(false);
  });

  it('lists what went down, in indicator order, comparing decimals exactly', () => {
    const before = { affected_population: 10, crops_affected_ha: '0.30', houses_general_rooms: 4 };
    const after = { affected_population: 11, crops_affected_ha: 0.29, houses_general_rooms: 3 };
    expect(decreased(before, after)).toEqual(['houses_general_rooms', 'crops_affected_ha']);
    expect(decreased(before, before)).toEqual([]);
  });

  it("names the indicators as the server's change-note message does", () => {
    expect(changeNoteMessage(['affected_population', 'direct_loss_10k_yuan'])).toBe(
      '以下指标比上次报告减少，请填写变动说明：受灾人口(人)、直接经济损失(万元)',
    );
  });

  it('asks for no change note on an initial report', () => {
    expect(reportErrors({ figures: {}, previous: null })).toEqual({});
  });
});

describe('groups', () => {
  it('show every indicator exactly once under 人员, 房屋, 农作物, 经济损失', () => {
    expect(GROUPS.map((g) => g.title)).toEqual(['人员', '房屋', '农作物', '经济损失']);
    expect(GROUPS.flatMap((g) => g.keys).sort()).toEqual([...INDICATOR_KEYS].sort());
  });
});
