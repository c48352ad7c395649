// The built app has one stylesheet: every screen's CSS applies to every screen. A class styled on its own in two
// files is a collision waiting to happen (warnings.css's `.facts` grid once squeezed the report page's facts into
// two columns, 农作物成灾面积 one character a line). A file may still refine another's class inside its own
// (`.figure-group .section-title`): only a rule that starts with the class counts as defining it.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', 'src');

function cssFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return cssFiles(path);
    return entry.name.endsWith('.css') ? [path] : [];
  });
}

/** The classes a stylesheet defines: the first class of each selector that starts with one (`.a, .b:hover {`). */
function definedClasses(css) {
  const found = new Set();
  const body = css.replace(/\/\*[\s\S]*?\*\//g, '');
  for (const [, selectors] of body.matchAll(/(?:^|[{}])\s*([^{}@;]+)\{/g)) {
    for (const selector of selectors.split(',')) {
      const first = /^\s*\.([\w-]+)/.exec(selector);
      if (first) found.add(first[1]);
    }
  }
  return found;
}

describe('stylesheets', () => {
  it('see a class defined at the start of a rule, not one refined inside another', () => {
    const css = '.a { x: 1 } /* .gone { } */\n.b:hover, .c > p { y: 2 }\n.d .e { z: 3 }\n@media (x) { .f { } }';
    expect([...definedClasses(css)].sort()).toEqual(['a', 'b', 'c', 'd', 'f']);
  });

  it('never style the same class on its own in two files', () => {
    const owners = new Map();
    for (const file of cssFiles(SRC)) {
      for (const name of definedClasses(readFileSync(file, 'utf8'))) {
        owners.set(name, [...(owners.get(name) || []), file.slice(SRC.length + 1)]);
      }
    }
    const shared = [...owners].filter(([, files]) => files.length > 1).map(([name, files]) => `.${name}: ${files.join(', ')}`);
    expect(shared).toEqual([]);
  });
});
