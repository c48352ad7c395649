import { describe, expect, it } from 'vitest';
import { ledgerCounts, ledgerMismatches, ledgerRows, refusedForLedger } from '../../src/rules/ledger.js';
import { vocabulary } from '../../src/rules/damage.js';
import served from '../fixtures/indicators.json';

const vocab = vocabulary(served);

const person = (id, kind, extra = {}) => ({ id, kind, name: `人${id}`, review_status: 'submitted', found_alive: false, ...extra });
const house = (id, damage, rooms, extra = {}) => ({ id, damage, rooms, head_name: `户${id}`, review_status: 'submitted', ...extra });
const item = (kind, url, body, status = 'pending') => ({ clientId: `c-${kind}-${url}`, kind, url, body, status });

describe('ledger rows: the server rows with the outbox laid over them', () => {
  it('adds rows still on the phone, marked new, and changes not sent yet, marked change', () => {
    const rows = ledgerRows({
      eventId: 3,
      casualties: [person(1, 'missing')],
      houses: [],
      items: [
        item('casualty', '/events/3/casualties', { name: '王大山', kind: 'dead' }),
        item('casualty', '/events/4/casualties', { name: '别的事件', kind: 'dead' }),
        item('casualty_change', '/casualties/1', { found_alive: true }, 'needs_attention'),
        item('house', '/events/3/damaged-houses', { head_name: '李四', damage: 'collapsed', rooms: 3 }),
        item('damage', '/events/3/damage-reports', { stage: 'final' }),
      ],
    });
    expect(rows.casualties.map((r) => [r.name, r.waiting, r.attention])).toEqual([
      ['人1', 'change', true],
      ['王大山', 'new', false],
    ]);
    expect(rows.casualties[0].found_alive).toBe(true);
    expect(rows.houses.map((r) => [r.head_name, r.waiting])).toEqual([['李四', 'new']]);
  });

  it('a missing person confirmed dead on the phone is no longer found alive', () => {
    const rows = ledgerRows({
      eventId: 3,
      casualties: [person(1, 'missing', { found_alive: true })],
      items: [item('casualty_change', '/casualties/1', { kind: 'dead' })],
    });
    expect(rows.casualties[0]).toMatchObject({ kind: 'dead', found_alive: false, waiting: 'change' });
  });
});

describe('ledger counts, as the server counts them', () => {
  it('counts dead and missing, not the found alive nor returned rows; houses by class with their rooms', () => {
    const counts = ledgerCounts({
      casualties: [
        person(1, 'dead'),
        person(2, 'missing'),
        person(3, 'missing', { found_alive: true }),
        person(4, 'dead', { review_status: 'returned' }),
      ],
      houses: [house(1, 'collapsed', 3), house(2, 'collapsed', 2), house(3, 'general', 1), house(4, 'severe', 4, { review_status: 'returned' })],
    });
    expect(counts).toEqual({
      deaths: 1,
      missing: 1,
      houses_collapsed_households: 2,
      houses_collapsed_rooms: 5,
      houses_severe_households: 0,
      houses_severe_rooms: 0,
      houses_general_households: 1,
      houses_general_rooms: 1,
    });
  });
});

describe('mismatches beside the figures', () => {
  it('names each figure that differs, with both numbers and which ledger', () => {
    const counts = ledgerCounts({ casualties: [person(1, 'dead')], houses: [] });
    const found = ledgerMismatches(vocab, { deaths: 1, houses_collapsed_households: 1, houses_collapsed_rooms: 3 }, counts);
    expect(found.map((m) => [m.key, m.ledger, m.text])).toEqual([
      ['houses_collapsed_households', 'houses', '倒塌房屋填 1 户，台账登记 0 户'],
      ['houses_collapsed_rooms', 'houses', '倒塌房屋填 3 间，台账登记 0 间'],
    ]);
    expect(ledgerMismatches(vocab, {}, ledgerCounts({}))).toEqual([]);
  });

  it('recognizes a 核报 refused because the ledgers do not back it', () => {
    const server = {
      'figures.deaths': ['因灾死亡人口(人)填报 1 人，与死亡失踪人口台账登记的 0 人不一致，请补录台账或更正数字'],
    };
    expect(refusedForLedger(server)).toBe(true);
    expect(refusedForLedger({ 'figures.deaths': ['因灾死亡人口不能大于受灾人口（5 > 3）'] })).toBe(false);
    expect(refusedForLedger(undefined)).toBe(false);
  });
});
