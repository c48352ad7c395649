import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  changeNoteMessage,
  decreased,
  figuresPayload,
  figuresToForm,
  fill,
  isZero,
  parseFigures,
  readForm,
  reportErrors,
  ruleErrors,
  vocabulary,
  zeroFigures,
} from '../../src/rules/damage.js';

const fixture = (name) => JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8'));
// What GET /indicators serves (tests/damage/test_indicators_api.py keeps this file equal to it).
const served = fixture('indicators.json');
// The same cases tests/damage/test_rules_fixture.py sends to the server.
const { cases } = fixture('damage_rules.json');

const flood = vocabulary(served, '洪涝');
const drought = vocabulary(served, '干旱');

describe('damage rules built from the served rules: the same fields and messages as the server', () => {
  it('has cases, drought ones too', () => {
    expect(cases.length).toBeGreaterThan(30);
    expect(cases.some((c) => c.disaster_type === '干旱')).toBe(true);
  });
  it.each(cases.map((c) => [c.name, c]))('%s', (_name, c) => {
    const vocab = vocabulary(served, c.disaster_type ?? '洪涝');
    const errors = reportErrors(vocab, {
      figures: c.figures,
      previous: c.previous ?? null,
      changeNote: c.change_note ?? '',
    });
    expect(errors).toEqual(c.errors);
  });
});

describe('the engine knows no indicator of its own', () => {
  it('takes a renamed indicator and a reworded rule from what is served', () => {
    const renamed = structuredClone(served);
    renamed.indicators.find((i) => i.key === 'deaths').label = '死亡人数';
    const rule = renamed.rules.find((r) => r.field === 'deaths');
    rule.message = '死亡人数超过受灾人口：{deaths} > {affected_population}';
    const vocab = vocabulary(renamed, '洪涝');
    expect(vocab.byKey.deaths.label).toBe('死亡人数');
    expect(ruleErrors(vocab, parseFigures(vocab, { affected_population: 1, deaths: 2 }).figures)).toEqual({
      'figures.deaths': ['死亡人数超过受灾人口：2 > 1'],
    });
    expect(changeNoteMessage(vocab, ['deaths'])).toBe('以下指标比上次报告减少，请填写变动说明：死亡人数(人)');
  });

  it('checks a rule added on the server, of either kind', () => {
    const more = structuredClone(served);
    more.rules.unshift(
      { kind: 'gte', field: 'injured', left: 'needing_aid', right: ['injured'], message: '{injured} > {needing_aid}' },
      {
        kind: 'sum',
        field: 'houses_general_rooms',
        total: 'houses_general_rooms',
        parts: ['houses_general_households', 'houses_severe_households'],
        message: '{houses_general_rooms} ≠ {sum}',
      },
    );
    const vocab = vocabulary(more, '洪涝');
    const f = parseFigures(vocab, {
      affected_population: 9,
      injured: 3,
      needing_aid: 2,
      houses_general_rooms: 4,
      houses_general_households: 1,
      houses_severe_households: 1,
      houses_severe_rooms: 1,
    }).figures;
    expect(ruleErrors(vocab, f)).toEqual({ 'figures.injured': ['3 > 2'], 'figures.houses_general_rooms': ['4 ≠ 2'] });
  });

  it('fills placeholders, leaving unknown ones as they are', () => {
    expect(fill('{a} + {b} = {sum}', { a: '1', b: '2', sum: '3' })).toBe('1 + 2 = 3');
    expect(fill('{x}', {})).toBe('{x}');
  });

  it('shows sums of areas with two places', () => {
    const more = structuredClone(served);
    more.rules = [
      {
        kind: 'sum',
        field: 'crops_affected_ha',
        total: 'crops_affected_ha',
        parts: ['crops_damaged_ha', 'crops_lost_ha'],
        message: '{crops_affected_ha} = {sum}?',
      },
    ];
    const vocab = vocabulary(more, '洪涝');
    const f = parseFigures(vocab, { crops_affected_ha: '1', crops_damaged_ha: '0.5', crops_lost_ha: 0.2 }).figures;
    expect(ruleErrors(vocab, f)).toEqual({ 'figures.crops_affected_ha': ['1.00 = 0.70?'] });
  });
});

describe('a disaster type holds its own indicators', () => {
  it('groups a flood report without the drought indicators, every indicator once', () => {
    expect(flood.keys).not.toContain('drought_drinking_people');
    expect(flood.groups.map((g) => g.label)).toEqual(served.groups.filter((g) => g.key !== 'drought').map((g) => g.label));
    expect(flood.groups.flatMap((g) => g.keys).sort()).toEqual([...flood.keys].sort());
    expect(flood.required).toEqual([]);
  });

  it('groups a drought report with them, and requires them stated', () => {
    expect(drought.groups.find((g) => g.key === 'drought').keys).toEqual([
      'drought_drinking_people',
      'drought_drinking_livestock',
    ]);
    expect(drought.required).toEqual(['drought_drinking_people', 'drought_drinking_livestock']);
    expect(drought.byKey.drought_drinking_livestock.unit).toBe('头');
  });

  it('knows the parts of a total from the sum rules, and the areas from their unit', () => {
    expect(flood.partOf).toEqual({ relocated_centralized: 'relocated', relocated_dispersed: 'relocated' });
    expect(flood.indicators.filter((i) => i.area).map((i) => i.key)).toEqual([
      'crops_affected_ha',
      'crops_damaged_ha',
      'crops_lost_ha',
    ]);
  });

  it('a blank drought field is not sent, so the same message asks for it; a typed 0 is sent', () => {
    const blank = readForm(drought, { affected_population: '5', drought_drinking_people: ' ', drought_drinking_livestock: '0' });
    expect(blank.errors).toEqual({});
    expect('drought_drinking_people' in blank.figures).toBe(false);
    expect(blank.figures.drought_drinking_livestock).toBe(0);
    expect(reportErrors(drought, { figures: blank.figures })).toEqual({
      'figures.drought_drinking_people': ['干旱灾害过程须填报因旱饮水困难需救助人口(人)，没有请填 0'],
    });
  });

  it('a drought zero report states them as 0, and a stated 0 shows as 0 in a form', () => {
    expect(zeroFigures(drought)).toEqual({ drought_drinking_people: 0, drought_drinking_livestock: 0 });
    expect(zeroFigures(flood)).toEqual({});
    const form = figuresToForm(drought, { deaths: 0, drought_drinking_people: 0 });
    expect(form.deaths).toBe('');
    expect(form.drought_drinking_people).toBe('0');
    expect(form.drought_drinking_livestock).toBe('');
  });
});

describe('figures typed in a form', () => {
  it('reads blank fields as zero and texts as numbers', () => {
    const { figures, errors } = readForm(flood, { affected_population: ' 12 ', deaths: '', crops_affected_ha: '7.5' });
    expect(errors).toEqual({});
    expect(figures.affected_population).toBe(12);
    expect(figures.deaths).toBe(0);
    expect(figures.crops_affected_ha).toBe('7.50');
  });

  it('accepts full-width digits from a Chinese keyboard', () => {
    const { figures } = readForm(flood, { injured: '１２', direct_loss_10k_yuan: '３．５' });
    expect(figures.injured).toBe(12);
    expect(figures.direct_loss_10k_yuan).toBe('3.50');
  });

  it("refuses a fraction of a person typed as text, in the server's words", () => {
    const { messages } = served.values.whole;
    expect(readForm(flood, { injured: '1.5' }).errors).toEqual({ 'figures.injured': [messages.invalid] });
    expect(readForm(flood, { injured: '-3' }).errors).toEqual({ 'figures.injured': [messages.negative] });
  });

  it('is strict with JSON, as the server: persons as text are not a number', () => {
    expect(parseFigures(flood, { injured: '3' }).errors).toEqual({ 'figures.injured': ['应为整数'] });
  });

  it('sends whole numbers as numbers and amounts as strings with two places', () => {
    const payload = figuresPayload(flood, parseFigures(flood, { affected_population: 3, crops_lost_ha: '0.1' }).figures);
    expect(Object.keys(payload)).toEqual(flood.keys);
    expect(payload.affected_population).toBe(3);
    expect(payload.crops_lost_ha).toBe('0.10');
    expect(payload.direct_loss_10k_yuan).toBe('0.00');
  });

  it('shows received figures in a form, zeros blank', () => {
    const form = figuresToForm(flood, { affected_population: 120, crops_affected_ha: '12.50', deaths: 0 });
    expect(form.affected_population).toBe('120');
    expect(form.crops_affected_ha).toBe('12.50');
    expect(form.deaths).toBe('');
    expect(figuresToForm(flood, { deaths: 0 }, { blankZeros: false }).deaths).toBe('0');
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
    expect(decreased(flood, before, after)).toEqual(['houses_general_rooms', 'crops_affected_ha']);
    expect(decreased(flood, before, before)).toEqual([]);
  });

  it("names the indicators as the server's change-note message does", () => {
    expect(changeNoteMessage(flood, ['affected_population', 'direct_loss_10k_yuan'])).toBe(
      '以下指标比上次报告减少，请填写变动说明：受灾人口(人)、直接经济损失(万元)',
    );
  });

  it('asks for no change note on an initial report', () => {
    expect(reportErrors(flood, { figures: {}, previous: null })).toEqual({});
  });
});
