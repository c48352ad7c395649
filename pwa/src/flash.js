// One short message carried to the next screen ("已保存到手机…"), shown once by the app shell.
import { useEffect, useState } from 'preact/hooks';

let message = null;
const listeners = new Set();

export function flash(text, tone = 'ok') {
  message = { text, tone, at: Date.now() };
  for (const fn of listeners) fn(message);
}

export function useFlash() {
  const [current, setCurrent] = useState(message);
  useEffect(() => {
    listeners.add(setCurrent);
    return () => listeners.delete(setCurrent);
  }, []);
  return [current, () => {
    message = null;
    setCurrent(null);
  }];
}
