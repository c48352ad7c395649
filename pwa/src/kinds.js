// What each outbox kind is called and which screen fixes it: the screen opens the item with ?fix=<clientId>,
// shows lastError over the form and saves with updateItem (see pwa/README.md).
export const KIND_NAMES = { hazard: '隐患', damage: '灾情', evacuation: '转移' };

export function fixPath(item) {
  const event = /^\/events\/(\d+)\//.exec(item.url);
  const fix = `?fix=${encodeURIComponent(item.clientId)}`;
  if (item.kind === 'hazard') return `/hazards/new${fix}`;
  if (item.kind === 'damage' && event) return `/events/${event[1]}/damage/new${fix}`;
  if (item.kind === 'evacuation' && event) return `/events/${event[1]}/evacuation/new${fix}`;
  return null;
}
