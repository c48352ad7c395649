// A screen whose code is fetched when first shown (`import()`: a chunk of its own), so what a village officer never
// opens never weighs on the first load. The desks' chunks (src/screens/desk/) are left out of the service worker's
// precache; the worker keeps each one the first time it loads, so a desk page opened once opens offline too.
import { useEffect, useState } from 'preact/hooks';

const loading = new Map(); // one fetch of a chunk however many screens of it mount at once

/** lazyScreen(() => import('./screens/desk/index.js'), 'SignOff') → a component rendering that export. */
export function lazyScreen(load, name) {
  let Loaded = null;
  function LazyScreen(props) {
    const [, setReady] = useState(0);
    const [failed, setFailed] = useState(false);
    useEffect(() => {
      if (Loaded) return undefined;
      let live = true;
      if (!loading.has(load)) loading.set(load, load());
      loading.get(load).then(
        (module) => {
          Loaded = module[name];
          if (live) setReady(1);
        },
        () => {
          loading.delete(load); // the next try fetches again
          if (live) setFailed(true);
        },
      );
      return () => {
        live = false;
      };
    }, []);
    if (Loaded) return <Loaded {...props} />;
    if (failed) {
      return (
        <div class="screen">
          <main class="screen-body">
            <p>这个页面没有打开（需要联网一次）。</p>
            <button type="button" class="big-button big-button-primary" onClick={() => location.reload()}>
              重试
            </button>
          </main>
        </div>
      );
    }
    return <div class="splash">正在打开…</div>;
  }
  LazyScreen.displayName = `Lazy(${name})`;
  return LazyScreen;
}
