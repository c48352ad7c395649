// useWhenSent(kinds, reload): read a list again when items of these outbox kinds leave the outbox (delivered, or
// deleted by hand). A screen that lays waiting items over a server list (台账, Home's 待乡镇确认) would otherwise
// show, between the item leaving and the next read, the list without what was just delivered.
import { useEffect, useRef } from 'preact/hooks';

export function useWhenSent(outbox, kinds, reload) {
  const ids = outbox.items.filter((item) => kinds.includes(item.kind)).map((item) => item.clientId);
  const key = ids.join(',');
  const seen = useRef(null);
  useEffect(() => {
    const before = seen.current;
    seen.current = ids;
    if (outbox.loaded && before && before.some((id) => !ids.includes(id))) reload();
  }, [key, outbox.loaded]);
}
