// The vocabulary of damage figures (灾情指标): what the server publishes at GET /indicators (the indicators, their
// names, units and groups, the disaster types that hold or require each, and the figure rules with the server's
// messages). The damage form and the report screens are built from it; no copy of it lives in the app.
//
// Read through cache.js like every other read, so after one online visit it is on the phone and the form works
// offline. The app reads it as soon as someone is logged in and online (app.jsx), so that visit need not be the
// damage form's. Without any copy (the very first start, offline) the screens say so: NO_INDICATORS.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { cachedGet } from './cache.js';
import { vocabulary } from './rules/damage.js';

export const INDICATORS_PATH = '/indicators';
export const NO_INDICATORS =
  '这台手机上还没有灾情指标表，要先联网读一次。请到有信号的地方重新打开本页；读过一次以后，没有网络也能报灾情。';

/**
 * useIndicators(disasterType) → the useCached() result of GET /indicators plus `vocab`: the vocabulary of that
 * type's reports (rules/damage.js vocabulary()), or null while nothing is on the phone. `disasterType` undefined
 * waits (nothing built yet); null builds the indicators every type holds.
 */
export function useIndicators(disasterType) {
  const read = useServed();
  const vocab = useMemo(
    () => (read.data && disasterType !== undefined ? vocabulary(read.data, disasterType) : null),
    [read.data, disasterType],
  );
  return { ...read, vocab };
}

/**
 * The same for showing a report's figures as received: the API sends a type's own indicators only on that type's
 * reports, so the figures say the type (a report with 因旱… is a 干旱 report).
 */
export function useIndicatorsOf(figures) {
  const read = useServed();
  const vocab = useMemo(() => {
    if (!read.data || !figures) return null;
    const own = read.data.indicators.find((i) => i.only_for && i.key in figures);
    return vocabulary(read.data, own ? own.only_for : null);
  }, [read.data, figures]);
  return { ...read, vocab };
}

/** What a screen says when the vocabulary could not be read and none is on the phone. */
export function indicatorsProblem(read) {
  if (!read.error || read.data) return null;
  return read.error.status === 0 ? NO_INDICATORS : read.error.message;
}

// One read of GET /indicators for every screen and card of the page (it changes only with a deployment): a desk
// with ten event cards, each naming its figures, asks the server once, not ten times. A failed read is tried
// again by the next screen that asks.
let shared = null;
let last = null; // the last answer, so a screen mounted later starts with it (no "正在读取" flash)

function readOnce(read = cachedGet) {
  if (!shared) {
    shared = read(INDICATORS_PATH).then(
      (result) => (last = { ...result, error: null, loading: false }),
      (error) => {
        shared = null;
        throw error;
      },
    );
  }
  return shared;
}

/** The shape of useCached(): {data, updatedAt, fromCache, error, loading}, from the page's one read. */
function useServed() {
  const [state, setState] = useState(() => last || { data: null, error: null, loading: true });
  useEffect(() => {
    let live = true;
    readOnce().then(
      (result) => live && setState(result),
      (error) => live && setState((previous) => ({ ...previous, error, loading: false })),
    );
    return () => {
      live = false;
    };
  }, []);
  return state;
}

/** Read the vocabulary afresh (after a login, while online: a new deployment may have changed it); never throws. */
export function keepIndicators(read = cachedGet) {
  shared = null;
  return readOnce(read).catch(() => null);
}
