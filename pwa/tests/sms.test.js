// The GR1 SMS format against the examples the server's codec is tested with (tests/fixtures/sms_examples.json).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decode, encode, hasSmsForm, join, mac, Malformed, NoSmsForm, readPart } from '../src/sms/codec.js';

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

  it('has no SMS form for an item with photos', () => {
    const { item } = fixture.examples[0];
    expect(hasSmsForm({ kind: item.kind, body: item.body, photos: [{ blobId: 'x' }] })).toBe(false);
  });

  for (const text of fixture.malformed) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      expect(() => {
        if (readPart(text) === null) decode(text);
      }).toThrow(Malformed);
    });
  }
});
