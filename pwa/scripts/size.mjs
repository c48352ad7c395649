// Prints the gzipped size of the built JS and CSS and fails the build when the village officer's first load (the
// shell the service worker precaches: sw.js's SHELL, i.e. everything but the desks' lazy chunks) passes 150 KB.
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const BUDGET = 150 * 1024;
const dist = new URL('../dist/', import.meta.url);
const shell = new Set(JSON.parse(/const SHELL = (\[[^\]]*\])/.exec(readFileSync(new URL('sw.js', dist), 'utf8'))[1]));
let total = 0;
let desk = 0;
for (const name of readdirSync(new URL('assets/', dist)).filter((file) => /\.(js|css)$/.test(file)).sort()) {
  const gzipped = gzipSync(readFileSync(new URL(`assets/${name}`, dist)), { level: 9 }).length;
  const first = shell.has(`/assets/${name}`);
  if (first) total += gzipped;
  else desk += gzipped;
  console.log(`${name.padEnd(40)} ${(gzipped / 1024).toFixed(1).padStart(7)} KB gzip${first ? '' : '  (desk, lazy)'}`);
}
console.log(`village officer's first load, gzipped JS+CSS: ${(total / 1024).toFixed(1)} KB (budget ${BUDGET / 1024} KB)`);
console.log(`desk chunks, loaded by desk users only: ${(desk / 1024).toFixed(1)} KB`);
if (total > BUDGET) {
  console.error('over the budget');
  process.exit(1);
}
