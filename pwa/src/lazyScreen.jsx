// A screen loaded on first use (`import()` chunk): the desk's screens stay out of the village officer's first load.
// lazyScreen(() => import('./screens/desk/X.jsx').then((m) => m.X)) → a component that shows 正在打开… until the
// chunk is here (the service worker precaches it, so offline it opens too), then the screen with the same props.
import { useEffect, useState } from 'preact/hooks';

export function lazyScreen(load) {
  let Loaded = null;
  let pending = null;
  return function LazyScreen(props) {
    const [, setReady] = useState(false);
    const [failed, setFailed] = useState(false);
    useEffect(() => {
      if (Loaded) return undefined;
      let live = true;
      pending = pending || load();
      pending.then(
        (Component) => {
          Loaded = Component;
          if (live) setReady(true);
        },
        () => {
          pending = null;
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
  };
}
