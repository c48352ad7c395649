// Who is logged in. The server's session cookie is "remember me" for weeks; here we keep the user and the CSRF
// token, and a copy of the user in IndexedDB so the app opens offline without asking to log in again.
import { useEffect, useState } from 'preact/hooks';
import { api, setCsrfToken } from './api.js';
import { clearUserCache } from './cache.js';
import { deleteMeta, getMeta, setMeta } from './db.js';
import { forgetSms, rememberSms } from './sms/store.js';

// status: 'unknown' (starting), 'in' (user known), 'out' (must log in). When out: `expired` (the server ended the
// session: 登录已过期) or `loggedOut` (the person chose 退出: 已退出), never both.
let current = { status: 'unknown', user: null, csrf: null, offline: false, expired: false, loggedOut: false };
const listeners = new Set();

function set(next) {
  current = { ...current, ...next };
  setCsrfToken(current.csrf);
  for (const fn of listeners) fn(current);
}

/** Reporters file; everyone else (reviewer, viewer, admin) starts at the duty desk (工作台). */
export function isDeskUser(user) {
  return Boolean(user) && user.role !== 'reporter';
}

export function getSession() {
  return current;
}

/** useSession() → {status, user, csrf, offline, expired, loggedOut}; re-renders on login, logout and expiry. */
export function useSession() {
  const [session, setSession] = useState(current);
  useEffect(() => {
    listeners.add(setSession);
    setSession(current);
    return () => listeners.delete(setSession);
  }, []);
  return session;
}

// A hint, readable here, that someone logged in on this phone and has not logged out: the session cookie itself is
// HttpOnly. Set at each login and /auth/me, removed at logout and at any 401; longer-lived than the session (400
// days, the most a browser keeps) so that the server's 401, not the hint's expiry, ends a remembered login.
const HINT = 'gr_signed_in';

function setHint(on) {
  if (typeof document === 'undefined') return;
  const secure = globalThis.location && globalThis.location.protocol === 'https:' ? '; Secure' : '';
  document.cookie = `${HINT}=${on ? '1' : ''}; Path=/; Max-Age=${on ? 400 * 86400 : 0}; SameSite=Strict${secure}`;
}

function hasHint() {
  return typeof document !== 'undefined' && document.cookie.split('; ').includes(`${HINT}=1`);
}

/**
 * On start: ask the server; without an answer use the last known user (the outbox still needs the cookie).
 *
 * Nobody known on this phone (no saved session in IndexedDB and no cookie hint): no /auth/me at all, the login
 * screen at once, and no 401 in the console of every logged-out start. A session cookie can only exist after a
 * login here, which set the hint beside it: a remembered login whose IndexedDB copy was cleared (the browser evicts
 * site storage under pressure, cookies stay) still has its hint and is asked about and restored. Clearing cookies
 * clears both the session cookie and the hint. Only a login made before the hint existed, with its IndexedDB copy
 * gone as well, is asked to log in again.
 */
export async function restoreSession() {
  // Logged out on this phone without a network: the cookie may still be valid on the server, but nobody is logged
  // in here until someone logs in again (never the last user brought back by /auth/me).
  if (await getMeta('logoutPending').catch(() => false)) {
    set({ status: 'out', user: null, csrf: null, offline: false, expired: false, loggedOut: true });
    return;
  }
  if (!hasHint() && !(await getMeta('session').catch(() => undefined))) {
    set({ status: 'out', user: null, csrf: null, offline: false });
    return;
  }
  try {
    const me = await api('/auth/me');
    setHint(true);
    set({ status: 'in', user: me.user, csrf: me.csrf_token, offline: false });
    await setMeta('session', { user: me.user, csrf: me.csrf_token });
    await rememberSms(me).catch(() => {}); // 短信报灾: the SMS key and number, for sending with no data
  } catch (error) {
    if (error.status === 401) {
      setHint(false);
      set({ status: 'out', user: null, csrf: null, offline: false });
      return;
    }
    const saved = await getMeta('session').catch(() => undefined);
    if (saved) set({ status: 'in', user: saved.user, csrf: saved.csrf, offline: true });
    else set({ status: 'out', user: null, csrf: null, offline: true });
  }
}

export async function logIn(username, password) {
  const result = await api('/auth/login', { method: 'POST', json: { username, password, remember: true } });
  setHint(true);
  set({ status: 'in', user: result.user, csrf: result.csrf_token, offline: false, expired: false, loggedOut: false });
  await setMeta('session', { user: result.user, csrf: result.csrf_token });
  await rememberSms(result).catch(() => {});
  await deleteMeta('logoutPending'); // the new login replaced the session of a logout made offline
  return result.user;
}

/**
 * Log out. The user's items waiting in the outbox stay on the phone and go when the same user logs in again
 * (never under another login); the copies of lists this user read are deleted (cache.js).
 *
 * Without a network the person is logged out on this phone all the same (a shared phone is handed on where the
 * signal is poor): `logoutPending` keeps restoreSession from bringing the user back through the cookie, and the
 * next login replaces that session.
 */
export async function logOut() {
  let offline = false;
  try {
    await api('/auth/logout', { method: 'POST' });
  } catch (error) {
    if (error.status === 0) offline = true;
    else if (error.status !== 401) throw error;
  }
  const leaving = current.user;
  setHint(false);
  if (offline) await setMeta('logoutPending', true);
  await deleteMeta('session');
  await forgetSms().catch(() => {});
  set({ status: 'out', user: null, csrf: null, expired: false, loggedOut: true });
  if (leaving) await clearUserCache(leaving.id).catch((error) => console.error('cache', error));
}

/** The server said 401 (session ended, password changed): ask for login again; nothing queued is lost. */
export function sessionExpired() {
  if (current.status === 'out') return; // already out (a deliberate logout stays 已退出)
  setHint(false);
  deleteMeta('session').catch(() => {});
  set({ status: 'out', user: null, csrf: null, expired: true, loggedOut: false });
}
