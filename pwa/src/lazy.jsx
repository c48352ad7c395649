// A screen whose code is fetched when first shown (`import()`: a chunk of its own), so what a village officer never
// opens never weighs on the first load. The service worker precaches every chunk, so it opens offline too.
import { useEffect, useState } from 'preact/hooks';

/** lazyScreen(() => import('./screens/desk/index.js'), 'SignOff') → a component rendering that export. */
export function lazyScreen(load, name) {
  let Loaded = null;
  function LazyScreen(props) {
    const [, setReady] = useState(0);
    const [failed, setFailed] = useState(false);
    useEffect(() => {
      if (Loaded) return undefined;
      let live = true;
      load().then(
        (module) => {
          Loaded = module[name];
          if (live) setReady(1);
        },
        () => live && setFailed(true),
      );
      return () => {
        live = false;
      };
    }, []);
    if (Loaded) return <Loaded {...props} />;
    return <div class="splash">{failed ? '没有打开这个页面，请联网后再试。' : '正在打开…'}</div>;
  }
  LazyScreen.displayName = `Lazy(${name})`;
  return LazyScreen;
}
