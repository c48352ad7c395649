// The outbox's state machine, as pure functions (no IndexedDB, no network, no timers): what an item is, whose it
// is, in which order items go, how long to wait, and what a failure makes of an item. outbox.js keeps the store and
// the outcomes, outboxSender.js the round that applies these; both re-export nothing of their own state.
//
// An item:  {clientId, kind, url, label, body, ownerId, ownerName, status, createdAt, updatedAt, attempts,
//            nextAttemptAt, lastError, serverId, photos: [{blobId, name, lat, lon, accuracy_m, taken_at, sent}]}
// status:   pending → sending → (deleted after 2xx) | pending again (no answer, 5xx, 401) | needs_attention
//           (409/422/other 4xx, or a bug on the phone: the person fixes it with updateItem or deletes it by hand).
//           There is no "done".
import { ApiError } from './api.js';

export const MAX_BACKOFF_MS = 5 * 60 * 1000;
const BASE_BACKOFF_MS = 2000;
export const PHOTO_PARENTS = { hazard: '/hazards', damage: '/damage-reports' };
export const STALE_AFTER_MS = 24 * 60 * 60 * 1000; // PWA.md rule 7: warn when an item waited over a day
// A request that hangs (a signal that comes and goes) counts as no network after this; a photo is bigger.
export const REPORT_TIMEOUT_MS = 30 * 1000;
export const PHOTO_TIMEOUT_MS = 120 * 1000;
export const OUTCOME_WAIT_MS = 5000; // how long a form waits for the first try before saying 已存在手机
export const CLIENT_ERROR_MESSAGE = '手机上的程序出了错，这条没有发出，内容仍保存在手机上。请截图告诉乡镇或技术人员。';

export class StorageFullError extends Error {
  constructor() {
    super('手机存储空间不足，这条没有保存。请删除一些照片或文件后再试；之前保存的内容都还在。');
    this.name = 'StorageFullError';
  }
}

/**
 * Does `item` belong to `user` (the one whose login may send it)? Items saved before owners existed (schema
 * version 3, db.js) have no owner yet: the first reporter who is logged in when the sender can reach the server
 * takes them (the sender's `claim` writes the owner into the item), and from then on they are that person's.
 */
export function belongsTo(item, user) {
  if (!user) return false;
  if (item.ownerId == null) return user.role === undefined || user.role === 'reporter';
  return item.ownerId === user.id;
}

/** Items of other people, as counts by owner: [{ownerId, ownerName, count}] (ownerName null: unclaimed). */
export function othersWaiting(items, user) {
  const byOwner = new Map();
  for (const item of items) {
    if (belongsTo(item, user)) continue;
    const key = item.ownerId ?? null;
    const entry = byOwner.get(key) || { ownerId: key, ownerName: item.ownerName ?? null, count: 0 };
    entry.count += 1;
    byOwner.set(key, entry);
  }
  return [...byOwner.values()];
}

/** "李秀英 的 2 条报告在本机等待发送": all another person may see of someone's items. */
export function othersLine({ ownerName, count }) {
  return ownerName ? `${ownerName} 的 ${count} 条报告在本机等待发送` : `${count} 条升级前保存的报告在本机等待发送`;
}

/** The name an item keeps of its owner. */
export function ownerName(user) {
  return user.name || user.username || null;
}

/**
 * A new pending item of `user` (enqueue's arguments), not yet saved. Its photos' bytes go to the `blobs` store
 * under each photo's `blobId`.
 */
export function newItem({ kind, url, body, photos = [], label = '', method = 'POST', sendFirst = false }, { user, clientId, at }) {
  return {
    clientId,
    kind,
    url,
    label,
    method,
    sendFirst,
    body: withClientId(method, body, clientId),
    ownerId: user.id,
    ownerName: ownerName(user),
    status: 'pending',
    createdAt: at,
    updatedAt: at,
    attempts: 0,
    nextAttemptAt: 0,
    lastError: null,
    serverId: null,
    photos: photos.map((photo, index) => ({
      blobId: `${clientId}/${index}`,
      name: photo.name || `photo-${index + 1}.jpg`,
      lat: photo.lat ?? null,
      lon: photo.lon ?? null,
      accuracy_m: photo.accuracy_m ?? null,
      taken_at: photo.taken_at ?? null,
      sent: false,
    })),
  };
}

/** The fields a fix (updateItem) changes: the item is pending again, its count of tries starts over. */
export function fixedItem(item, { body, label }, at) {
  return {
    body: body ? withClientId(item.method, body, item.clientId) : item.body,
    label: label ?? item.label,
    status: 'pending',
    lastError: null,
    attempts: 0,
    nextAttemptAt: 0,
    updatedAt: at,
  };
}

/**
 * The body as sent: a POST creates a record and carries the item's client_id (the server's idempotency key); a
 * PATCH changes an existing record (idempotent by itself: the same values set again) and carries none.
 */
export function withClientId(method = 'POST', body, clientId) {
  return method === 'POST' ? { ...body, client_id: clientId } : { ...body };
}

/**
 * The items a round of `user` sends, in order: their pending items oldest first, except what other items may need
 * on the server before them (sendFirst: a ledger row before the 核报 it backs, when the 核报 refused for the missing
 * row was fixed before the row was sent). `at` (a timer's round): only items whose own back-off is over.
 */
export function sendOrder(items, user, at = null) {
  const mine = items.filter((item) => item.status === 'pending' && belongsTo(item, user));
  mine.sort((a, b) => Number(!a.sendFirst) - Number(!b.sendFirst));
  return at === null ? mine : mine.filter((item) => item.nextAttemptAt <= at);
}

/** Milliseconds until the next automatic round for `user`, or null when nothing of theirs waits. */
export function nextWait(items, user, retryAt, at) {
  const waiting = items.filter((item) => item.status === 'pending' && belongsTo(item, user));
  if (!waiting.length) return null;
  const times = waiting.map((item) => Math.max(item.nextAttemptAt, retryAt));
  return Math.max(0, Math.min(...times) - at);
}

/**
 * Rule 2: is the 2xx `answer` for this item? A record with another client id (a misbehaving proxy or cache) never
 * deletes it; a person looks. A PATCH answers the changed record, whose client_id is its creator's.
 */
export function answerIsFor(item, answer) {
  const method = item.method || 'POST';
  const otherId = method === 'POST' && answer && answer.client_id && answer.client_id !== item.clientId;
  return Boolean(answer && answer.id != null && !otherId);
}

/**
 * What a failure means for the item (issue 18, item 2):
 * - 'offline': no answer (fetch failed, or timed out) or a gateway's 502/503/504: the server is not reachable
 *   now, the round stops and the whole outbox backs off;
 * - 'login': 401 (or a CSRF token that cannot be renewed): the sender stops until someone logs in;
 * - 'retry': the server answered busy or failed (408, 429, 500 …): this item waits its own back-off;
 * - 'refused': 409, 422, other 4xx, an answer that is not for this item: a person must look;
 * - 'bug': anything that is not an ApiError (a TypeError in our code, a photo blob gone): never "no network",
 *   which would retry for ever; the item needs attention with the code `client_error`.
 */
export function classify(error) {
  if (!(error instanceof ApiError)) return 'bug';
  if (error.status === 0 || [502, 503, 504].includes(error.status)) return 'offline';
  if (error.status === 401 || error.code === 'csrf_failed') return 'login';
  if (error.retryable) return 'retry';
  return 'refused';
}

/**
 * Wait before retry number `attempts` (1, 2, ...): doubling from 2 s, capped at 5 minutes, with "equal jitter"
 * (between half and all of the step) so a village's phones that lost the signal together do not return together.
 */
export function backoffDelay(attempts, random = Math.random) {
  const step = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

/** The item's `lastError` for a failure of `part` ('report' or 'photo'); a bug keeps its message as `detail`. */
export function lastErrorOf(error, part, at) {
  if (classify(error) !== 'bug') return { ...error.toJSON(), part, at };
  const detail = String((error && error.message) || error);
  return { status: null, code: 'client_error', message: CLIENT_ERROR_MESSAGE, fields: {}, detail, part, at };
}

/**
 * The failure edge of the state machine: what a failed try makes of `item` → {kind, part, change (fields to set on
 * the item), server ('unreachable' | 'reached' | 'login' | null: what the sender learnt of the server), outcome (for
 * the form that saved it; only a failure of the report itself answers it, not of a photo), next ('stop': the round
 * ends | 'next': the next item goes)}.
 */
export function afterFailure(item, error, { at, random = Math.random }) {
  const kind = classify(error);
  const part = item.serverId == null ? 'report' : 'photo';
  const lastError = lastErrorOf(error, part, at);
  const edge = { kind, part };
  if (kind === 'offline') {
    const change = { status: 'pending', attempts: item.attempts + 1, lastError };
    return { ...edge, change, server: 'unreachable', outcome: { status: 'queued', reason: 'offline' }, next: 'stop' };
  }
  if (kind === 'login') {
    // Not logged in (or the session changed): keep the item, stop sending until a login (rule 3).
    const change = { status: 'pending', lastError };
    return { ...edge, change, server: 'login', outcome: { status: 'queued', reason: 'login' }, next: 'stop' };
  }
  if (kind === 'retry') {
    const attempts = item.attempts + 1;
    const change = { status: 'pending', attempts, nextAttemptAt: at + backoffDelay(attempts, random), lastError };
    return { ...edge, change, server: 'reached', outcome: { status: 'queued', reason: 'busy' }, next: 'next' };
  }
  // 409, 422 and any other 4xx, or a bug: the server will never accept it as it is; a person must look (rule 3).
  const change = { status: 'needs_attention', lastError };
  const server = kind === 'refused' ? 'reached' : null;
  return { ...edge, change, server, outcome: { status: 'refused', error: lastError }, next: 'next' };
}

/** Why an item saved before a round that did not send it waits: 'login' | 'offline' | 'waiting'. */
export function queuedReason(state, user) {
  if (state.loginNeeded || !user) return 'login';
  return state.unreachable ? 'offline' : 'waiting';
}

/** storageStatus's answer from the browser's estimate: low when under 50 MB or 10% is left. */
export function storageSummary(estimate, persisted) {
  if (!estimate || !estimate.quota) return { persisted, usage: null, quota: null, low: false };
  const free = estimate.quota - estimate.usage;
  return { persisted, usage: estimate.usage, quota: estimate.quota, low: free < 50 * 1024 * 1024 || free / estimate.quota < 0.1 };
}

/** A v4 UUID; crypto.randomUUID only exists in secure contexts, so build one from getRandomValues otherwise. */
export function uuid() {
  const crypto = globalThis.crypto;
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
