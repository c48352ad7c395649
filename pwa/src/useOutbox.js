// useOutbox() → {items, waiting, attention, state}: the outbox as screens show it, refreshed on every change.
import { useEffect, useState } from 'preact/hooks';
import { getState, listItems, subscribe } from './outbox.js';

export function useOutbox() {
  const [view, setView] = useState({ items: [], state: getState(), loaded: false });
  useEffect(() => {
    let live = true;
    const refresh = () =>
      listItems().then(
        (items) => live && setView({ items, state: getState(), loaded: true }),
        () => live && setView((previous) => ({ ...previous, state: getState(), loaded: true })),
      );
    refresh();
    const unsubscribe = subscribe(refresh);
    return () => {
      live = false;
      unsubscribe();
    };
  }, []);
  const waiting = view.items.filter((item) => item.status !== 'needs_attention');
  const attention = view.items.filter((item) => item.status === 'needs_attention');
  return { ...view, waiting, attention };
}
