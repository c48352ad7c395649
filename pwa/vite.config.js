import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

// The service worker is hand-written (sw/sw.js); this plugin fills in the shell it precaches and a version derived
// from the content of the whole build, so each build that changes a byte ships a new worker and a new cache name.
// The shell is what the village officer's app needs offline: public/, index.html, the entry chunk and every chunk
// it imports (lazily too, e.g. the EXIF reader), with their CSS, except the desk screens (src/screens/desk/) and
// what only they import (a map library): a village phone would download those for nothing. The worker caches a
// desk chunk the first time a desk page loads it.
function serviceWorker() {
  return {
    name: 'gridreport-service-worker',
    apply: 'build',
    enforce: 'post', // after Vite's HTML plugin has put index.html into the bundle
    generateBundle(options, bundle) {
      const publicDir = new URL('./public', import.meta.url).pathname;
      const files = [...shellOf(bundle), ...listFiles(publicDir).map((path) => relative(publicDir, path))]
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

/** index.html, the entry chunks and the chunks they import, statically or lazily, but for desk screens. */
function shellOf(bundle) {
  const shell = new Set(['index.html']);
  const visit = (name) => {
    const chunk = bundle[name];
    if (!chunk || shell.has(name) || isDesk(chunk)) return;
    shell.add(name);
    for (const css of chunk.viteMetadata?.importedCss ?? []) shell.add(css);
    for (const asset of chunk.viteMetadata?.importedAssets ?? []) shell.add(asset);
    for (const imported of [...(chunk.imports ?? []), ...(chunk.dynamicImports ?? [])]) visit(imported);
  };
  for (const [name, chunk] of Object.entries(bundle)) if (chunk.type === 'chunk' && chunk.isEntry) visit(name);
  return [...shell];
}

function isDesk(chunk) {
  return chunk.isDynamicEntry && /\/src\/(screens\/desk\/|sms\/Desk)/.test(chunk.facadeModuleId ?? '');
}

// Every text file of the build is written also as name.br and name.gz: the server (server/shell.py) and nginx
// (gzip_static) send those as they are, so JS and CSS travel at about a third of their size.
function precompress() {
  return {
    name: 'gridreport-precompress',
    apply: 'build',
    closeBundle() {
      const dist = new URL('./dist', import.meta.url).pathname;
      for (const path of listFiles(dist).filter((name) => /\.(js|css|html|svg|json|webmanifest|txt)$/.test(name))) {
        const source = readFileSync(path);
        if (source.length < 512) continue;
        writeFileSync(`${path}.gz`, gzipSync(source, { level: 9 }));
        writeFileSync(`${path}.br`, brotliCompressSync(source, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
      }
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
  plugins: [preact(), serviceWorker(), precompress()],
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
