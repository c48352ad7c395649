// One short message carried to the next screen ("已保存到手机…"): shown on the screen the person lands on, gone
// once they move on from it (or tap 好).
import { useEffect, useState } from 'preact/hooks';
import { useRoute } from './router.js';

let message = null;
const listeners = new Set();

function set(next) {
  message = next;
  for (const fn of listeners) fn(message);
}

/** flash(text, tone): call just before navigate(); the message appears on the screen navigated to. */
export function flash(text, tone = 'ok') {
  set({ text, tone, from: location.pathname, shownOn: null });
}

/** useFlash() → [message or null for this screen, clear]. */
export function useFlash() {
  const { path } = useRoute();
  const [current, setCurrent] = useState(message);
  useEffect(() => {
    listeners.add(setCurrent);
    return () => listeners.delete(setCurrent);
  }, []);
  useEffect(() => {
    if (!current || path === current.from) return;
    if (current.shownOn === null) current.shownOn = path;
    else if (current.shownOn !== path) set(null);
  }, [current, path]);
  const visible = current && path !== current.from && (current.shownOn === null || current.shownOn === path);
  return [visible ? current : null, () => set(null)];
}
