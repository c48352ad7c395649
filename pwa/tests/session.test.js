// session.js on a shared phone (issue 18): 已退出 after a deliberate logout (not 登录已过期), a logout without a
// network that the cookie cannot undo, and the leaving user's cached lists cleared.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cacheKey, deleteMeta, getDb, getMeta } from '../src/db.js';
import { getSession, logIn, logOut, restoreSession, sessionExpired } from '../src/session.js';
import { OFFICER_A, OFFICER_B } from './helpers.js';

const realFetch = globalThis.fetch;
const calls = [];
let answer = null;
beforeAll(() => {
  globalThis.fetch = async (url, options = {}) => {
    calls.push(`${options.method || 'GET'} ${url}`);
    return answer(url, options);
  };
});
afterEach(() => {
  calls.length = 0;
});
afterAll(() => {
  globalThis.fetch = realFetch;
});

const json = (status, body) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const server = (user) => (url) => {
  if (url.endsWith('/auth/login')) return json(200, { user, csrf_token: 'tok' });
  if (url.endsWith('/auth/me')) return json(200, { user, csrf_token: 'tok' });
  if (url.endsWith('/auth/logout')) return new Response(null, { status: 204 });
  return json(200, { items: [] });
};
const noNetwork = () => {
  throw new TypeError('Failed to fetch');
};

describe('logout', () => {
  it('says 已退出, not 登录已过期, and clears only the leaving user’s cached lists', async () => {
    answer = server(OFFICER_A);
    await logIn('li', 'pw');
    const db = await getDb();
    await db.put('cache', { path: cacheKey(OFFICER_A.id, '/events'), apiPath: '/events', userId: OFFICER_A.id, data: 1, updatedAt: 1 });
    await db.put('cache', { path: cacheKey(OFFICER_B.id, '/events'), apiPath: '/events', userId: OFFICER_B.id, data: 2, updatedAt: 1 });
    await logOut();
    expect(getSession()).toMatchObject({ status: 'out', loggedOut: true, expired: false, user: null });
    expect((await db.getAll('cache')).map((record) => record.userId)).toEqual([OFFICER_B.id]);
    sessionExpired(); // a late 401 after the logout does not turn 已退出 into 登录已过期
    expect(getSession()).toMatchObject({ loggedOut: true, expired: false });
  });

  it('without a network: out on this phone, and a restart does not bring the user back through the cookie', async () => {
    answer = server(OFFICER_A);
    await logIn('li', 'pw');
    answer = noNetwork;
    await logOut();
    expect(getSession()).toMatchObject({ status: 'out', loggedOut: true });
    expect(await getMeta('logoutPending')).toBe(true);

    answer = server(OFFICER_A); // the network is back and the old cookie still answers /auth/me
    calls.length = 0;
    await restoreSession();
    expect(getSession()).toMatchObject({ status: 'out', user: null });
    expect(calls).toEqual([]); // nobody logged in: not even /auth/me

    answer = server(OFFICER_B); // the next officer logs in: the pending logout is over
    await logIn('wang', 'pw');
    expect(getSession()).toMatchObject({ status: 'in', user: OFFICER_B });
    expect(await getMeta('logoutPending')).toBeUndefined();
  });
});

// The browser's cookie jar as session.js sees it (document.cookie): the hint `gr_signed_in` beside the HttpOnly
// session cookie, which the script never sees.
const jar = new Map();
const cookieDocument = {
  get cookie() {
    return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
  },
  set cookie(text) {
    const [pair, ...attributes] = text.split('; ');
    const [name, value] = pair.split('=');
    if (attributes.includes('Max-Age=0')) jar.delete(name);
    else jar.set(name, value);
  },
};

describe('a start with nobody logged in (issue 23: no 401 in the console)', () => {
  beforeAll(() => {
    globalThis.document = cookieDocument;
  });
  afterAll(() => {
    delete globalThis.document;
  });

  it('asks nothing when the phone knows nobody: the login screen at once', async () => {
    jar.clear();
    await deleteMeta('session');
    answer = () => json(401, { code: 'unauthorized', message: '请先登录' });
    await restoreSession();
    expect(getSession()).toMatchObject({ status: 'out', user: null });
    expect(calls).toEqual([]);
  });

  it('a remembered login whose IndexedDB copy was cleared is still asked about and restored', async () => {
    answer = server(OFFICER_A);
    await logIn('li', 'pw');
    expect(jar.get('gr_signed_in')).toBe('1');
    await deleteMeta('session'); // the browser evicted the site's storage; the cookies stay
    calls.length = 0;
    await restoreSession();
    expect(calls).toEqual(['GET /api/v1/auth/me']);
    expect(getSession()).toMatchObject({ status: 'in', user: OFFICER_A, offline: false });
  });

  it('a 401 from /auth/me or a logout removes the hint: the next start asks nothing', async () => {
    answer = () => json(401, { code: 'unauthorized', message: '请先登录' });
    await restoreSession(); // the server ended the session
    expect(getSession()).toMatchObject({ status: 'out' });
    expect(jar.has('gr_signed_in')).toBe(false);
    await deleteMeta('session');
    calls.length = 0;
    await restoreSession();
    expect(calls).toEqual([]);

    answer = server(OFFICER_B);
    await logIn('wang', 'pw');
    await logOut();
    expect(jar.has('gr_signed_in')).toBe(false);
    calls.length = 0;
    await restoreSession();
    expect(calls).toEqual([]);
  });
});
