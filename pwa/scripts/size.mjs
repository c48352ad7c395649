// Prints the gzipped size of the built JS and CSS and fails the build when the first load is above the budget
// (issue 8: ≤ 150 KB). The first load is what index.html asks for (its script, styles and module preloads); the
// lazy chunks (the desk's screens, the map) load on first use and are listed beside it.
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const BUDGET = 150 * 1024;
const dir = new URL('../dist/assets/', import.meta.url);
const html = readFileSync(new URL('../dist/index.html', import.meta.url), 'utf8');
const firstLoad = new Set([...html.matchAll(/(?:src|href)="\/assets\/([^"]+)"/g)].map((m) => m[1]));
let total = 0;
let first = 0;
for (const name of readdirSync(dir).filter((file) => /\.(js|css)$/.test(file)).sort()) {
  const gzipped = gzipSync(readFileSync(new URL(name, dir)), { level: 9 }).length;
  total += gzipped;
  if (firstLoad.has(name)) first += gzipped;
  console.log(`${name.padEnd(40)} ${(gzipped / 1024).toFixed(1).padStart(7)} KB gzip${firstLoad.has(name) ? '  (first load)' : ''}`);
}
console.log(`gzipped JS+CSS: first load ${(first / 1024).toFixed(1)} KB (budget ${BUDGET / 1024} KB); all chunks ${(total / 1024).toFixed(1)} KB`);
if (!first) {
  console.error('index.html names no script or style under /assets/');
  process.exit(1);
}
if (first > BUDGET) {
  console.error('over the budget');
  process.exit(1);
}
