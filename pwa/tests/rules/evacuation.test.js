import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  capacityWarnings,
  checkEvacuation,
  displaced,
  parseCount,
  startingForm,
  statisticsUnitId,
} from '../../src/rules/evacuation.js';

const SUM = '集中安置与分散安置人数之和须等于紧急避险转移人数';

// The same cases tests/evacuation/test_rules_fixture.py sends to the server.
const fixture = JSON.parse(readFileSync(new URL('../fixtures/evacuation_rules.json', import.meta.url), 'utf8'));

describe('evacuation rules: the same fields, messages and warnings as the server', () => {
  const letters = Object.keys(fixture.shelters);
  const ids = Object.fromEntries(letters.map((letter, index) => [letter, index + 1]));
  const shelters = letters.map((letter) => ({ id: ids[letter], occupancy: 0, ...fixture.shelters[letter] }));

  it.each(fixture.cases.map((c) => [c.name, c]))('%s', (_name, c) => {
    const allocations = c.allocations.map((a) => ({ shelter_id: ids[a.shelter], persons: a.persons }));
    const { payload, errors } = checkEvacuation({ ...c.counts, allocations });
    expect(errors).toEqual(c.errors);
    if (!Object.keys(errors).length) {
      const expected = c.warnings.map((w) => ({ shelter_id: ids[w.shelter], message: w.message }));
      expect(capacityWarnings({ allocations: payload.allocations, shelters })).toEqual(expected);
    }
  });
});

describe('evacuation rules, in the server words', () => {
  it('accepts consistent counts and builds the payload', () => {
    const form = {
      evacuated: '30',
      centralized: '20',
      dispersed: '10',
      returned: '5',
      note: ' 夜间转移 ',
      allocations: [{ shelter_id: 7, persons: '20' }],
    };
    expect(checkEvacuation(form)).toEqual({
      payload: {
        evacuated: 30,
        centralized: 20,
        dispersed: 10,
        returned: 5,
        allocations: [{ shelter_id: 7, persons: 20 }],
        note: '夜间转移',
      },
      errors: {},
    });
  });

  it('centralized + dispersed = evacuated, on both parts', () => {
    const { errors } = checkEvacuation({ evacuated: '30', centralized: '20', dispersed: '5' });
    expect(errors).toEqual({ centralized: [SUM], dispersed: [SUM] });
  });

  it('returned ≤ evacuated', () => {
    const { errors } = checkEvacuation({ evacuated: '3', dispersed: '3', returned: '4' });
    expect(errors).toEqual({ returned: ['已返回人数不能超过紧急避险转移人数'] });
  });

  it('allocations ≤ centralized', () => {
    const form = {
      evacuated: '10',
      centralized: '10',
      allocations: [
        { shelter_id: 1, persons: '6' },
        { shelter_id: 2, persons: '5' },
      ],
    };
    expect(checkEvacuation(form).errors).toEqual({ allocations: ['分配到避难场所的人数之和不能超过集中安置人数'] });
  });

  it('one shelter once', () => {
    const form = {
      evacuated: '10',
      centralized: '10',
      allocations: [
        { shelter_id: 1, persons: '2' },
        { shelter_id: 1, persons: '3' },
      ],
    };
    expect(checkEvacuation(form).errors).toEqual({ 'allocations.1.shelter_id': ['同一避难场所不能重复填写'] });
  });

  it('drops empty allocation rows', () => {
    const form = {
      allocations: [
        { shelter_id: '', persons: '3' },
        { shelter_id: 4, persons: '' },
      ],
    };
    expect(checkEvacuation(form).payload.allocations).toEqual([]);
  });

  it('refuses what is not a count', () => {
    expect(parseCount('2.5')).toEqual({ error: '须为整数' });
    expect(parseCount('-1')).toEqual({ error: '不能为负数' });
    expect(parseCount('')).toEqual({ value: 0 });
    expect(parseCount('１２')).toEqual({ value: 12 });
    expect(checkEvacuation({ evacuated: 'x' }).errors).toEqual({ evacuated: ['须为整数'] });
  });

  it('displaced now = evacuated − returned', () => {
    expect(displaced({ evacuated: 30, returned: 12 })).toBe(18);
  });
});

describe('shelter capacity', () => {
  const shelters = [{ id: 1, name: '秋口小学', capacity: 100, occupancy: 90 }];

  it('warns (not blocks) above capacity, in the server words', () => {
    expect(capacityWarnings({ allocations: [{ shelter_id: 1, persons: 11 }], shelters })).toEqual([
      { shelter_id: 1, message: '避难场所“秋口小学”现安置 101 人，超出容量（100 人）' },
    ]);
    expect(capacityWarnings({ allocations: [{ shelter_id: 1, persons: 10 }], shelters })).toEqual([]);
  });

  it("does not count the village's own previous allocation twice (the new report replaces it)", () => {
    const warnings = capacityWarnings({
      allocations: [{ shelter_id: 1, persons: 40 }],
      shelters,
      previousAllocations: [{ shelter_id: 1, persons: 30 }],
    });
    expect(warnings).toEqual([]);
  });
});

describe('starting an update', () => {
  it('starts from the previous cumulative counts', () => {
    const previous = {
      evacuated: 30,
      centralized: 20,
      dispersed: 10,
      returned: 0,
      allocations: [{ shelter_id: 1, persons: 20 }],
    };
    expect(startingForm(previous)).toEqual({
      evacuated: '30',
      centralized: '20',
      dispersed: '10',
      returned: '0',
      note: '',
      allocations: [{ shelter_id: 1, persons: '20' }],
    });
    expect(startingForm(null).evacuated).toBe('');
  });

  it('a grid reporter files for its village', () => {
    expect(statisticsUnitId({ id: 9, level: 'grid', parent_id: 4 })).toBe(4);
    expect(statisticsUnitId({ id: 4, level: 'village', parent_id: 2 })).toBe(4);
  });
});
