// Prints the gzipped size of the built JS and CSS and fails the build above the budget (issue 8: ≤ 150 KB).
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const BUDGET = 150 * 1024;
const dir = new URL('../dist/assets/', import.meta.url);
let total = 0;
for (const name of readdirSync(dir).filter((file) => /\.(js|css)$/.test(file)).sort()) {
  const gzipped = gzipSync(readFileSync(new URL(name, dir)), { level: 9 }).length;
  total += gzipped;
  console.log(`${name.padEnd(40)} ${(gzipped / 1024).toFixed(1).padStart(7)} KB gzip`);
}
console.log(`gzipped JS+CSS: ${(total / 1024).toFixed(1)} KB (budget ${BUDGET / 1024} KB)`);
if (total > BUDGET) {
  console.error('over the budget');
  process.exit(1);
}
