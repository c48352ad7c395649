// What each outbox kind is called and which screen fixes it: the screen opens the item with ?fix=<clientId>,
// shows lastError over the form and saves with updateItem (see pwa/README.md).
export const KIND_NAMES = {
  hazard: '隐患',
  damage: '灾情',
  evacuation: '转移',
  ack: '叫应',
  casualty: '死亡失踪登记',
  casualty_change: '死亡失踪更正',
  house: '倒损住房登记',
  house_change: '倒损住房更正',
  local_event: '新灾情',
};

export function fixPath(item) {
  const event = /^\/events\/(\d+)\//.exec(item.url);
  const fix = `?fix=${encodeURIComponent(item.clientId)}`;
  if (item.kind === 'hazard') return `/hazards/new${fix}`;
  if (item.kind === 'damage' && event) return `/events/${event[1]}/damage/new${fix}`;
  if (item.kind === 'evacuation' && event) return `/events/${event[1]}/evacuation/new${fix}`;
  const warning = /^\/warnings\/(\d+)\/ack$/.exec(item.url);
  if (item.kind === 'ack' && warning) return `/warnings/${warning[1]}${fix}`;
  if (item.kind === 'casualty' && event) return `/events/${event[1]}/casualties/new${fix}`;
  if (item.kind === 'house' && event) return `/events/${event[1]}/houses/new${fix}`;
  const row = /^\/(casualties|damaged-houses)\/(\d+)$/.exec(item.url);
  if (item.kind === 'casualty_change' && row) return `/casualties/${row[2]}/edit${fix}`;
  if (item.kind === 'house_change' && row) return `/houses/${row[2]}/edit${fix}`;
  if (item.kind === 'local_event') return `/local-events/new${fix}`;
  return null;
}
