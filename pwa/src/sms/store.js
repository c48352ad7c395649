// 短信报灾 on the phone: the user's SMS key and the county's number (from the login and /auth/me answers, kept in
// IndexedDB with the user's data so they work offline), and which outbox items went by SMS and wait for the
// server's confirmation (the next HTTP send of the same client_id answers 200, and the outbox deletes the item).
import { deleteMeta, getMeta, setMeta } from '../db.js';
import { encode, hasSmsForm } from './codec.js';

const SETTINGS = 'sms';
const SENT = 'sms-sent';
export const SMS_AFTER_MS = 3 * 60 * 1000; // an item waits this long before SMS is offered
export const SMS_AFTER_ATTEMPTS = 3; // or this many sends failed

/** Keep the key and number of a login / me answer (`{user, sms_key, sms_number}`); ignores an answer without. */
export async function rememberSms(answer) {
  if (!answer || !answer.user || typeof answer.sms_key !== 'string') return;
  const { user } = answer;
  // phone: the server takes a user's SMS only from the phone registered for the user; without one, no offer.
  await setMeta(SETTINGS, { userId: user.id, key: answer.sms_key, number: answer.sms_number || '', phone: user.phone || '' });
}

export async function forgetSms() {
  await deleteMeta(SETTINGS);
}

/** {userId, key, number, phone} or undefined. */
export function smsSettings() {
  return getMeta(SETTINGS);
}

/** {clientId: time sent by SMS}. */
export async function smsSent() {
  return (await getMeta(SENT)) || {};
}

/** Mark an item as sent by SMS (marks older than 30 days, of items long confirmed and gone, are dropped). */
export async function markSmsSent(clientId, at = Date.now()) {
  const sent = await smsSent();
  const kept = Object.fromEntries(Object.entries(sent).filter(([, time]) => at - time < 30 * 24 * 3600 * 1000));
  await setMeta(SENT, { ...kept, [clientId]: at });
}

/** The event or warning an item is for, from its URL (/events/12/damage-reports, /warnings/9/ack); 0 for a hazard. */
export function contextOf(item) {
  if (item.kind === 'hazard') return 0;
  const match = /^\/(?:events|warnings)\/(\d+)\//.exec(item.url || '');
  return match ? Number(match[1]) : null;
}

/**
 * Whether 用短信发送 is offered for an item: it has an SMS form, is still waiting, belongs to the user whose key
 * the phone holds (a user with a registered phone: the server takes SMS only from it), and has waited SMS_AFTER_MS while the phone has no data (or its sends kept failing).
 */
export function smsOffered(item, { settings, online, unreachable, now = Date.now() }) {
  if (!settings || !settings.key || !settings.number || settings.phone === '') return false;
  if (item.status !== 'pending' && item.status !== 'sending') return false;
  const owner = item.ownerId ?? (item.owner && item.owner.id);
  if (owner !== undefined && owner !== null && owner !== settings.userId) return false;
  if (contextOf(item) === null || !hasSmsForm(item)) return false;
  const waited = now - item.createdAt >= SMS_AFTER_MS;
  return waited && (!online || unreachable || item.attempts >= SMS_AFTER_ATTEMPTS);
}

/** The `sms:` links of an item: one per SMS (at most 3 parts). */
export async function smsLinks(item, settings, now = Date.now()) {
  const texts = await encode({
    kind: item.kind,
    clientId: item.clientId,
    contextId: contextOf(item),
    unitId: item.kind === 'ack' ? null : (item.body.org_unit_id ?? null),
    minute: Math.floor(now / 60000),
    body: item.body,
    key: settings.key,
  });
  return texts.map((text) => `sms:${settings.number}?body=${encodeURIComponent(text)}`);
}
