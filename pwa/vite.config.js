import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

// The service worker is hand-written (sw/sw.js); this plugin fills in the shell it precaches (every file of the
// build plus public/) and a version derived from their content, so each build that changes a byte ships a new
// worker and a new cache name.
function serviceWorker() {
  return {
    name: 'gridreport-service-worker',
    apply: 'build',
    enforce: 'post', // after Vite's HTML plugin has put index.html into the bundle
    generateBundle(options, bundle) {
      const publicDir = new URL('./public', import.meta.url).pathname;
      const files = [...Object.keys(bundle), ...listFiles(publicDir).map((path) => relative(publicDir, path))]
        .filter((name) => !name.endsWith('.map') && name !== 'sw.js')
        .sort();
      const hash = createHash('sha256');
      for (const name of Object.keys(bundle).sort()) {
        const chunk = bundle[name];
        hash.update(name).update(chunk.type === 'chunk' ? chunk.code : chunk.source);
      }
      for (const name of listFiles(publicDir).sort()) hash.update(readFileSync(name));
      const version = hash.digest('hex').slice(0, 12);
      if (!files.includes('index.html')) throw new Error('index.html missing from the bundle: the shell would not open offline');
      const shell = files.map((name) => '/' + name.replace(/\\/g, '/'));
      const source = readFileSync(new URL('./sw/sw.js', import.meta.url), 'utf8')
        .replace("'__VERSION__'", JSON.stringify(version))
        .replace("['__SHELL__']", JSON.stringify(shell));
      this.emitFile({ type: 'asset', fileName: 'sw.js', source });
    },
  };
}

function listFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

export default defineConfig({
  plugins: [preact(), serviceWorker()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0, // strict CSP: nothing inlined as data: scripts or styles
    modulePreload: { polyfill: false }, // the polyfill is an inline script
  },
  test: {
    environment: 'node',
    include: ['tests/**/*.test.js'],
    setupFiles: ['tests/setup.js'],
  },
});
