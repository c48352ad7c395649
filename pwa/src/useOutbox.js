// useOutbox() → {items, waiting, attention, others, state, loaded}: the outbox as screens show it, refreshed on
// every change. Only the logged-in user's own items (issue 18): `others` is all another person may know of the
// rest, counts by owner ([{ownerId, ownerName, count}], shown with outbox.js `othersLine`). Nobody logged in (the
// login screen): `items` is empty and `others` counts everything.
import { useEffect, useState } from 'preact/hooks';
import { belongsTo, getState, listItems, othersWaiting, subscribe } from './outbox.js';
import { useSession } from './session.js';

export function useOutbox() {
  const session = useSession();
  const user = session.status === 'in' ? session.user : null;
  const [view, setView] = useState({ all: [], state: getState(), loaded: false });
  useEffect(() => {
    let live = true;
    const refresh = () =>
      listItems().then(
        (all) => live && setView({ all, state: getState(), loaded: true }),
        () => live && setView((previous) => ({ ...previous, state: getState(), loaded: true })),
      );
    refresh();
    const unsubscribe = subscribe(refresh);
    return () => {
      live = false;
      unsubscribe();
    };
  }, []);
  const items = view.all.filter((item) => belongsTo(item, user));
  const waiting = items.filter((item) => item.status !== 'needs_attention');
  const attention = items.filter((item) => item.status === 'needs_attention');
  return { items, waiting, attention, others: othersWaiting(view.all, user), state: view.state, loaded: view.loaded };
}
