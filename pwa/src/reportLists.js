// The village's own lists (its reports, its evacuations, the shelters), read through cache.js so they show
// offline. One place for their paths, so what the screens read and what is refreshed are the same copies.
//
// Why the refresh: the 报灾情 form chooses 初报/续报/核报 from the village's history and an update starts from the
// last figures. If the copy on the phone was read before the last report was sent, an officer who opens the form
// offline later would be offered a second 初报 (refused by the server, 409) or stale figures. So as soon as the
// outbox has delivered a report, the lists it changed are read again while the connection is still there.
import { cachedGet } from './cache.js';
import { listItems, subscribe } from './outbox.js';
import { getSession } from './session.js';

export const DAMAGE_LIST = '/damage-reports?per_page=100';
export const HAZARD_LIST = '/hazards?per_page=100';
export const EVENT_LIST = '/events?per_page=20';
export const SHELTER_LIST = '/shelters?active=true&per_page=200';
export const damageHistory = (eventId) => `/damage-reports?event_id=${eventId}&per_page=200`;
export const currentEvacuation = (eventId) => `/events/${eventId}/evacuations?current=true&per_page=1`;
export const evacuationList = (eventId) => `/events/${eventId}/evacuations?per_page=50`;

/** The cached lists an outbox item changes once the server has it. */
export function listsChangedBy(item) {
  const event = (/^\/events\/(\d+)\//.exec(item.url) || [])[1];
  if (item.kind === 'damage' && event) return [damageHistory(event), DAMAGE_LIST];
  if (item.kind === 'evacuation' && event) return [currentEvacuation(event), evacuationList(event), SHELTER_LIST];
  if (item.kind === 'hazard') return [HAZARD_LIST];
  return [];
}

/**
 * Watch the outbox; when items leave it (delivered, or deleted by hand: re-reading is harmless either way),
 * read the lists they changed again. Returns the unsubscribe function. main.jsx starts it once.
 */
export function keepListsFresh({
  list = listItems,
  watch = subscribe,
  read = cachedGet,
  signedIn = () => getSession().status === 'in',
} = {}) {
  let known = null; // clientId → item, as last seen
  let checking = Promise.resolve();
  const check = () => {
    checking = checking.then(async () => {
      const items = await list();
      const now = new Map(items.map((item) => [item.clientId, item]));
      // Nobody logged in (items deleted on the login screen): no request at all (issue 18).
      if (known && signedIn()) {
        const gone = [...known.values()].filter((item) => !now.has(item.clientId));
        const paths = new Set(gone.flatMap(listsChangedBy));
        // No answer keeps the older copy (cachedGet); nothing here may disturb the outbox.
        await Promise.all([...paths].map((path) => read(path).catch(() => null)));
      }
      known = now;
    });
    return checking;
  };
  check();
  return watch(() => {
    check();
  });
}
