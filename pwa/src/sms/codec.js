// The SMS form of an outbox item (短信报灾), format GR1: the same format as server/sms/codec.py (its docstring and
// README.md "短信报灾" are the specification). tests/fixtures/sms_examples.json holds the examples both sides must
// encode and decode alike (pwa/tests/sms.test.js here, tests/sms/test_codec.py on the server).
//
//   GR1 <kind> <client_id> <context> <unit> <minute> <data...> <mac>
//
// Text goes whole, as Unicode code points in base 36 (3 characters a character), so the record is the same one
// the app's later HTTP send makes. Photos never go by SMS; an item needing more than 3 SMS has no SMS form
// (encode throws NoSmsForm).

export const VERSION = 'GR1';
export const SMS_LENGTH = 160;
export const MAX_PARTS = 3;
const MAC_DIGITS = 8;
const MAC_BYTES = 5;
const CLIENT_ID_DIGITS = 25;
const CHUNK_LENGTH = SMS_LENGTH - `${VERSION} 1/3 ${'0'.repeat(MAC_DIGITS)} `.length; // 143

const KINDS = { D: 'damage', E: 'evacuation', A: 'ack', H: 'hazard' };
const KIND_LETTERS = { damage: 'D', evacuation: 'E', ack: 'A', hazard: 'H' };
const STAGES = { I: 'initial', U: 'update', F: 'final' };
const STAGE_LETTERS = { initial: 'I', update: 'U', final: 'F' };
const NOTES = { Z: '零报告：本村无灾情', N: '本日无新增' };
const NOTE_FLAGS = { '零报告：本村无灾情': 'Z', '本日无新增': 'N' };
const COUNTS = ['evacuated', 'centralized', 'dispersed', 'returned'];
// server/hazards/models.py CATEGORIES and RISK_LEVELS, in their order.
export const CATEGORY_CODES = [
  'landslide',
  'collapse',
  'debris_flow',
  'ground_subsidence',
  'flash_flood',
  'waterlogging',
  'embankment',
  'reservoir',
  'dangerous_house',
  'forest_fire',
  'road_bridge',
  'work_safety',
  'other',
];
export const RISK_CODES = ['low', 'medium', 'high', 'major'];
const FULL_WIDTH = 0xff00;
const DIRECT_BELOW = 0xb000;
const DECIMAL_TEXT = /^-?[0-9]+(?:\.[0-9]+)?$/;

// server/damage/indicators.py, in its order (the fixture's examples keep the two lists equal).
export const INDICATORS = [
  ['affected_population'],
  ['deaths'],
  ['missing'],
  ['injured'],
  ['relocated'],
  ['relocated_centralized'],
  ['relocated_dispersed'],
  ['needing_aid'],
  ['houses_collapsed_households'],
  ['houses_collapsed_rooms'],
  ['houses_severe_households'],
  ['houses_severe_rooms'],
  ['houses_general_households'],
  ['houses_general_rooms'],
  ['crops_affected_ha', true],
  ['crops_damaged_ha', true],
  ['crops_lost_ha', true],
  ['direct_loss_10k_yuan', true],
  ['drought_drinking_people', false, '干旱'],
  ['drought_drinking_livestock', false, '干旱'],
].map(([key, decimal = false, onlyFor = null]) => ({ key, decimal, onlyFor }));
const SPECIFIC = INDICATORS.filter((i) => i.onlyFor).map((i) => i.key);

export class NoSmsForm extends Error {
  constructor(message) {
    super(message);
    this.name = 'NoSmsForm';
  }
}

export class Malformed extends Error {
  constructor(message) {
    super(message);
    this.name = 'Malformed';
  }
}

export function to36(number) {
  const value = BigInt(number);
  if (value < 0n) throw new NoSmsForm('negative number');
  return value.toString(36).toUpperCase();
}

function from36(text) {
  if (!/^[0-9A-Z]+$/.test(text)) throw new Malformed(`not base 36: ${text}`);
  let value = 0n;
  for (const ch of text) value = value * 36n + BigInt(parseInt(ch, 36));
  return value;
}

const small = (text) => Number(from36(text));

function positional(values) {
  const list = [...values];
  while (list.length && list[list.length - 1] === 0n) list.pop();
  return list.map((v) => (v ? to36(v) : '')).join('.') || '0';
}

function unpositional(text, width) {
  const parts = text.split('.');
  if (parts.length > width) throw new Malformed('too many numbers');
  const values = parts.map((p) => (p ? from36(p) : 0n));
  while (values.length < width) values.push(0n);
  return values;
}

function whole(value) {
  if (value === null || value === undefined || value === '') return 0n;
  if (typeof value === 'boolean') throw new NoSmsForm('not a number');
  const text = String(value).trim();
  if (!/^\d+(\.0*)?$/.test(text)) throw new NoSmsForm('not a whole number');
  return BigInt(text.split('.')[0]);
}

function hundredths(value) {
  if (value === null || value === undefined || value === '') return 0n;
  const text = typeof value === 'number' ? String(value) : String(value).trim();
  const match = /^(\d+)(?:\.(\d*))?$/.exec(text);
  if (!match) throw new NoSmsForm('not an amount');
  const fraction = (match[2] || '').replace(/0+$/, '');
  if (fraction.length > 2) throw new NoSmsForm('an amount with more than two places');
  return BigInt(match[1]) * 100n + BigInt(fraction.padEnd(2, '0'));
}

const amountText = (h) => `${h / 100n}.${String(h % 100n).padStart(2, '0')}`;

/** `<label>:<code points>`, or nothing for an empty text. */
export function textToken(label, text) {
  if (!text) return [];
  let out = '';
  for (const char of String(text)) {
    const point = char.codePointAt(0);
    if (point < DIRECT_BELOW) out += to36(point).padStart(3, '0');
    else if (point >= FULL_WIDTH && point <= 0xffff) out += to36(point - FULL_WIDTH + DIRECT_BELOW).padStart(3, '0');
    else out += `-${to36(point).padStart(4, '0')}`;
  }
  return [`${label}:${out}`];
}

function readText(coded) {
  let text = '';
  let i = 0;
  while (i < coded.length) {
    let point;
    if (coded[i] === '-') {
      if (coded.length < i + 5) throw new Malformed('bad text');
      point = small(coded.slice(i + 1, i + 5));
      i += 5;
      if (point > 0x10ffff) throw new Malformed('bad text');
    } else {
      if (coded.length < i + 3) throw new Malformed('bad text');
      const value = small(coded.slice(i, i + 3));
      i += 3;
      point = value < DIRECT_BELOW ? value : value - DIRECT_BELOW + FULL_WIDTH;
      if (point > 0xffff) throw new Malformed('bad text');
    }
    if (point >= 0xd800 && point <= 0xdfff) throw new Malformed('bad text');
    text += String.fromCodePoint(point);
  }
  if (!text) throw new Malformed('empty text');
  return text;
}

function decimalText(value) {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new NoSmsForm('not a number');
  const text = String(value);
  if (!DECIMAL_TEXT.test(text)) throw new NoSmsForm('a number in exponent form');
  return text;
}

function numberOf(text) {
  if (!DECIMAL_TEXT.test(text)) throw new Malformed('bad number');
  return Number(text);
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(Z|[+-]\d{2}:\d{2})$/;

function seconds(text) {
  if (typeof text !== 'string' || !ISO.test(text)) throw new NoSmsForm('found_at is not an ISO time with an offset');
  return Math.floor(Date.parse(text) / 1000);
}

/** `X:<text>` tokens, each label at most once and in the order of `labels`. */
function texts(tokens, labels) {
  const out = {};
  let order = -1;
  for (const token of tokens) {
    const at = token.indexOf(':');
    const label = token.slice(0, at);
    if (at !== 1 || !labels.includes(label) || labels.indexOf(label) <= order) throw new Malformed('bad text token');
    order = labels.indexOf(label);
    out[label] = readText(token.slice(at + 1));
  }
  return out;
}

function dataTokens(kind, body) {
  if (kind === 'damage') {
    const note = body.note || '';
    let flags = NOTE_FLAGS[note] || '';
    const notes = [...(flags ? [] : textToken('N', note)), ...textToken('C', body.change_note || '')];
    const figures = body.figures || {};
    if (Object.keys(figures).some((key) => !INDICATORS.some((i) => i.key === key))) throw new NoSmsForm('unknown figures');
    if (SPECIFIC.some((key) => figures[key] !== null && figures[key] !== undefined)) flags += 'G';
    if (!STAGE_LETTERS[body.stage]) throw new NoSmsForm('unknown stage');
    const values = INDICATORS.map((i) => (i.decimal ? hundredths(figures[i.key]) : whole(figures[i.key])));
    return [STAGE_LETTERS[body.stage] + flags, positional(values), ...notes];
  }
  if (kind === 'evacuation') {
    const tokens = [positional(COUNTS.map((key) => whole(body[key])))];
    const allocations = body.allocations || [];
    if (allocations.length) {
      tokens.push('S' + allocations.flatMap((a) => [whole(a.shelter_id), whole(a.persons)]).map(to36).join('.'));
    }
    return [...tokens, ...textToken('N', body.note || '')];
  }
  if (kind === 'ack') {
    const given = (key) => (body[key] === null || body[key] === undefined || body[key] === '' ? '-' : to36(whole(body[key])));
    return [`${given('households_notified')}.${given('persons_notified')}`, ...textToken('N', body.note || '')];
  }
  if (kind === 'hazard') return hazardTokens(body);
  throw new NoSmsForm(`${kind} has no SMS form`);
}

function hazardTokens(body) {
  const category = CATEGORY_CODES.indexOf(body.category);
  const risk = RISK_CODES.indexOf(body.risk_level);
  if (category < 0 || risk < 0) throw new NoSmsForm('unknown category or risk level');
  if (!body.title) throw new NoSmsForm('a hazard needs its title');
  const found = seconds(body.found_at);
  const tokens = [
    to36(category) + to36(risk),
    positional([whole(body.threatened_households), whole(body.threatened_persons)]),
    to36(found),
  ];
  const given = (value) => value !== null && value !== undefined;
  if (given(body.lat) || given(body.lon)) {
    const place = [decimalText(body.lat), decimalText(body.lon)];
    if (given(body.accuracy_m)) place.push(decimalText(body.accuracy_m));
    tokens.push(`L${place.join(',')}`);
  } else if (given(body.accuracy_m)) {
    throw new NoSmsForm('an accuracy without a position');
  }
  return [...tokens, ...textToken('T', body.title), ...textToken('D', body.description || ''), ...textToken('A', body.address || '')];
}

function uuidToInt(clientId) {
  const hex = String(clientId).replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new NoSmsForm('not a UUID');
  return BigInt(`0x${hex}`);
}

function intToUuid(value) {
  const hex = value.toString(16).padStart(32, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** HMAC-SHA256 of `signed` with the SMS key: its first 5 bytes in base 36, 8 digits. */
export async function mac(key, signed) {
  const subtle = globalThis.crypto && globalThis.crypto.subtle;
  if (!subtle) throw new NoSmsForm('this browser cannot sign (no WebCrypto)');
  const enc = new TextEncoder();
  const cryptoKey = await subtle.importKey('raw', enc.encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const digest = new Uint8Array(await subtle.sign('HMAC', cryptoKey, enc.encode(signed)));
  let value = 0n;
  for (const byte of digest.slice(0, MAC_BYTES)) value = value * 256n + BigInt(byte);
  return to36(value).padStart(MAC_DIGITS, '0');
}

/**
 * Whether an item could go by SMS at all (a kind with a form, within 3 SMS), without signing it: the length is
 * reckoned with the longest ids. Photos do not matter: they never go by SMS, and follow over HTTP once the report
 * is on file (the outbox's resend answers 200).
 */
export function hasSmsForm({ kind, body }) {
  try {
    if (!KIND_LETTERS[kind]) return false;
    const widest = [VERSION, 'D', '0'.repeat(CLIENT_ID_DIGITS), 'ZZZZZZ', 'ZZZZZZ', 'ZZZZZZ'];
    split([...widest, ...dataTokens(kind, body || {}), '0'.repeat(MAC_DIGITS)].join(' '));
    return true;
  } catch (error) {
    if (error instanceof NoSmsForm) return false;
    throw error;
  }
}

/** The SMS texts of an item: one, or up to 3 parts. Throws NoSmsForm when it has none. */
export async function encode({ kind, clientId, contextId, unitId, minute, body, key }) {
  if (!KIND_LETTERS[kind]) throw new NoSmsForm(`${kind} has no SMS form`);
  const tokens = [
    VERSION,
    KIND_LETTERS[kind],
    to36(uuidToInt(clientId)).padStart(CLIENT_ID_DIGITS, '0'),
    to36(contextId),
    to36(unitId || 0),
    to36(minute),
    ...dataTokens(kind, body || {}),
  ];
  const signed = tokens.join(' ');
  return split(`${signed} ${await mac(key, signed)}`);
}

/** One SMS, or at most 3 numbered parts: chunks of at most 143 characters, never cut next to a space. */
export function split(text) {
  if (text.length <= SMS_LENGTH) return [text];
  const code = text.slice(-MAC_DIGITS);
  const chunks = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + CHUNK_LENGTH, text.length);
    while (end < text.length && (text[end - 1] === ' ' || text[end] === ' ')) end -= 1;
    chunks.push(text.slice(start, end));
    start = end;
  }
  if (chunks.length > MAX_PARTS) throw new NoSmsForm('longer than 3 SMS');
  return chunks.map((chunk, i) => `${VERSION} ${i + 1}/${chunks.length} ${code} ${chunk}`);
}

/** A part's {index, total, mac, chunk}, or null for a whole message; Malformed when it is neither. */
export function readPart(text) {
  const tokens = text.trim().toUpperCase().split(/\s+/);
  if (tokens.length < 2 || tokens[0] !== VERSION) throw new Malformed('not a GR1 message');
  const match = /^([1-3])\/([1-3])$/.exec(tokens[1]);
  if (!match) return null;
  const index = Number(match[1]);
  const total = Number(match[2]);
  if (tokens.length < 4 || total < 2 || index > total || tokens[2].length !== MAC_DIGITS) throw new Malformed('a bad part');
  from36(tokens[2]);
  const rest = text.trim().toUpperCase().replace(/^\S+\s+\S+\s+\S+\s+/, '');
  return { index, total, mac: tokens[2], chunk: rest.trim() };
}

export function join(chunks) {
  return chunks.map((chunk) => chunk.trim()).join('');
}

/** A whole message → {kind, client_id, context_id, unit_id, minute, body, signed, mac}; Malformed otherwise. */
export function decode(text) {
  const tokens = text.toUpperCase().split(/\s+/).filter(Boolean);
  if (tokens.length < 8 || tokens[0] !== VERSION) throw new Malformed('not a GR1 message');
  const kind = KINDS[tokens[1]];
  if (!kind) throw new Malformed('unknown kind');
  const code = tokens[tokens.length - 1];
  if (code.length !== MAC_DIGITS) throw new Malformed('bad MAC');
  from36(code);
  if (tokens[2].length !== CLIENT_ID_DIGITS) throw new Malformed('bad client id');
  const number = from36(tokens[2]);
  if (number >= 1n << 128n) throw new Malformed('bad client id');
  const unit = small(tokens[4]);
  return {
    kind,
    client_id: intToUuid(number),
    context_id: small(tokens[3]),
    unit_id: unit || null,
    minute: small(tokens[5]),
    body: decodeBody(kind, tokens.slice(6, -1)),
    signed: tokens.slice(0, -1).join(' '),
    mac: code,
  };
}

function decodeBody(kind, data) {
  if (kind === 'damage') {
    if (data.length < 2) throw new Malformed('a damage report has two data tokens');
    const [head, numbers] = data;
    const notes = texts(data.slice(2), 'NC');
    const stage = STAGES[head[0]];
    const flags = head.slice(1);
    if (!stage || [...flags].some((f) => !'ZNG'.includes(f)) || new Set(flags).size !== flags.length) {
      throw new Malformed('bad stage or flags');
    }
    if (flags.includes('Z') && flags.includes('N')) throw new Malformed('two notes');
    const values = unpositional(numbers, INDICATORS.length);
    const figures = {};
    INDICATORS.forEach((indicator, i) => {
      if (indicator.onlyFor && !flags.includes('G')) {
        if (values[i]) throw new Malformed('type-specific figures not flagged');
        return;
      }
      figures[indicator.key] = indicator.decimal ? amountText(values[i]) : Number(values[i]);
    });
    const noteFlag = [...flags].find((f) => NOTES[f]);
    if (noteFlag && notes.N !== undefined) throw new Malformed('two notes');
    return { stage, figures, note: noteFlag ? NOTES[noteFlag] : (notes.N ?? ''), change_note: notes.C ?? '' };
  }
  if (kind === 'evacuation') {
    if (!data.length) throw new Malformed('an evacuation has its counts');
    const counts = unpositional(data[0], COUNTS.length);
    const body = Object.fromEntries(COUNTS.map((key, i) => [key, Number(counts[i])]));
    const rest = data.slice(1);
    let allocations = [];
    if (rest.length && rest[0].startsWith('S')) {
      const numbers = rest.shift().slice(1).split('.').map(small);
      if (numbers.length % 2) throw new Malformed('bad allocations');
      allocations = [];
      for (let i = 0; i < numbers.length; i += 2) allocations.push({ shelter_id: numbers[i], persons: numbers[i + 1] });
    }
    return { ...body, allocations, note: texts(rest, 'N').N ?? '' };
  }
  if (kind === 'hazard') return decodeHazard(data);
  if (!data.length || data[0].split('.').length !== 2) throw new Malformed('an acknowledgement has one data token');
  const [households, persons] = data[0].split('.').map((t) => (t === '-' ? null : small(t)));
  return { households_notified: households, persons_notified: persons, note: texts(data.slice(1), 'N').N ?? '' };
}

function decodeHazard(data) {
  if (data.length < 4 || data[0].length !== 2) throw new Malformed('a hazard has its codes, counts, time and title');
  const category = small(data[0][0]);
  const risk = small(data[0][1]);
  if (category >= CATEGORY_CODES.length || risk >= RISK_CODES.length) throw new Malformed('unknown category or risk level');
  const [households, persons] = unpositional(data[1], 2).map(Number);
  const time = small(data[2]);
  if (time > 4102444800) throw new Malformed('bad time');
  const rest = data.slice(3);
  let place = { lat: null, lon: null, accuracy_m: null };
  if (rest.length && rest[0].startsWith('L')) {
    const numbers = rest.shift().slice(1).split(',').map(numberOf);
    if (numbers.length !== 2 && numbers.length !== 3) throw new Malformed('bad position');
    place = { lat: numbers[0], lon: numbers[1], accuracy_m: numbers.length === 3 ? numbers[2] : null };
  }
  const words = texts(rest, 'TDA');
  if (words.T === undefined) throw new Malformed('a hazard needs its title');
  return {
    category: CATEGORY_CODES[category],
    risk_level: RISK_CODES[risk],
    title: words.T,
    description: words.D ?? '',
    address: words.A ?? '',
    ...place,
    threatened_households: households,
    threatened_persons: persons,
    found_at: new Date(time * 1000).toISOString().replace('.000Z', '+00:00'),
  };
}
