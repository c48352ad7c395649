// The GR1 SMS format against the examples the server's codec is tested with (tests/fixtures/sms_examples.json).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CATEGORY_CODES,
  decode,
  encode,
  hasSmsForm,
  INDICATORS,
  join,
  mac,
  Malformed,
  NoSmsForm,
  readPart,
  RISK_CODES,
} from '../src/sms/codec.js';
import { contextOf, SMS_AFTER_MS, smsLinks, smsOffered } from '../src/sms/store.js';

const fixture = JSON.parse(readFileSync(new URL('../../tests/fixtures/sms_examples.json', import.meta.url), 'utf8'));

function whole(sms) {
  if (sms.length === 1) return sms[0];
  return join(sms.map(readPart).sort((a, b) => a.index - b.index).map((part) => part.chunk));
}

describe('GR1 examples shared with the server', () => {
  for (const example of fixture.examples) {
    const { item, key } = example;
    it(`encodes ${example.name}`, async () => {
      const sms = await encode({
        kind: item.kind,
        clientId: item.client_id,
        contextId: item.context_id,
        unitId: item.unit_id,
        minute: item.minute,
        body: item.body,
        key,
      });
      expect(sms).toEqual(example.sms);
      for (const text of sms) {
        expect(text.length).toBeLessThanOrEqual(160);
        expect(/^[\x20-\x7e]+$/.test(text)).toBe(true);
      }
      expect(hasSmsForm({ kind: item.kind, body: item.body })).toBe(true);
    });
    it(`decodes ${example.name}`, async () => {
      const reversed = [...example.sms].reverse(); // parts arrive in any order
      const message = decode(whole(reversed));
      const { signed, mac: code, ...rest } = message;
      expect(rest).toEqual(example.decoded);
      expect(await mac(key, signed)).toBe(code);
      expect(await mac(`${key}x`, signed)).not.toBe(code);
      // Case and spacing do not matter (a phone may change them).
      expect(decode(`  ${whole(example.sms).toLowerCase().replace(/ /g, '   ')} `).body).toEqual(example.decoded.body);
    });
  }

  for (const example of fixture.no_sms_form) {
    it(`has no SMS form: ${example.name}`, async () => {
      expect(hasSmsForm({ kind: example.kind, body: example.body })).toBe(false);
      await expect(
        encode({ kind: example.kind, clientId: '00000000-0000-4000-8000-000000000001', contextId: 1, unitId: 1, minute: 1, body: example.body, key: 'k' }),
      ).rejects.toBeInstanceOf(NoSmsForm);
    });
  }

  it("uses the server's lists in their order", () => {
    expect(INDICATORS.map((i) => i.key)).toEqual(fixture.codes.indicators);
    expect(CATEGORY_CODES).toEqual(fixture.codes.categories);
    expect(RISK_CODES).toEqual(fixture.codes.risks);
  });

  it('keeps the SMS form of a report with photos (the photos follow over HTTP)', () => {
    const { item } = fixture.examples[0];
    expect(hasSmsForm({ kind: item.kind, body: item.body, photos: [{ blobId: 'x' }] })).toBe(true);
  });

  for (const text of fixture.malformed) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      expect(() => {
        if (readPart(text) === null) decode(text);
      }).toThrow(Malformed);
    });
  }
});

describe('when 用短信发送 is offered', () => {
  const example = fixture.examples[0].item;
  const item = {
    clientId: example.client_id,
    kind: 'damage',
    url: `/events/${example.context_id}/damage-reports`,
    body: { ...example.body, org_unit_id: example.unit_id },
    status: 'pending',
    createdAt: 0,
    attempts: 0,
    photos: [],
  };
  const settings = { userId: 7, key: 'k', number: '10690000123' };
  const later = SMS_AFTER_MS + 1;

  it('after a few minutes with no data, or after failed sends', () => {
    expect(smsOffered(item, { settings, online: false, unreachable: false, now: later })).toBe(true);
    expect(smsOffered(item, { settings, online: true, unreachable: true, now: later })).toBe(true);
    expect(smsOffered({ ...item, attempts: 3 }, { settings, online: true, unreachable: false, now: later })).toBe(true);
  });

  it('not at once, not while the app gets through, not without the key and number', () => {
    expect(smsOffered(item, { settings, online: false, unreachable: true, now: SMS_AFTER_MS - 1 })).toBe(false);
    expect(smsOffered(item, { settings, online: true, unreachable: false, now: later })).toBe(false);
    expect(smsOffered(item, { settings: null, online: false, unreachable: true, now: later })).toBe(false);
    expect(smsOffered(item, { settings: { ...settings, number: '' }, online: false, now: later })).toBe(false);
    expect(smsOffered(item, { settings: { ...settings, phone: '' }, online: false, now: later })).toBe(false); // no phone registered
  });

  it("not for an item that needs attention, is too long for 3 SMS, or is another user's", () => {
    const offline = { settings, online: false, unreachable: true, now: later };
    expect(smsOffered({ ...item, status: 'needs_attention' }, offline)).toBe(false);
    expect(smsOffered({ ...item, body: { ...item.body, note: '桥断了' } }, offline)).toBe(true); // text goes whole
    expect(smsOffered({ ...item, body: { ...item.body, note: '桥'.repeat(140) } }, offline)).toBe(false);
    expect(smsOffered({ ...item, ownerId: 8 }, offline)).toBe(false);
    expect(smsOffered({ ...item, ownerId: 7 }, offline)).toBe(true);
  });

  it('links to the number with the coded body', async () => {
    const [link] = await smsLinks(item, { ...settings, key: fixture.examples[0].key }, example.minute * 60000);
    expect(link).toBe(`sms:10690000123?body=${encodeURIComponent(fixture.examples[0].sms[0])}`);
    expect(contextOf(item)).toBe(example.context_id);
    expect(contextOf({ url: '/warnings/9/ack' })).toBe(9);
  });
});
