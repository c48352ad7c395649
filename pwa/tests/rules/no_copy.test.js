// No copy of the damage vocabulary in the app: the indicator names and the figure rules' words live on the server
// (GET /indicators) and nowhere in src/. A name typed into a screen again would drift the day the server renames
// the indicator; this finds it. Comments may mention them (they explain), code may not.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', '..', 'src');
const served = JSON.parse(readFileSync(new URL('../fixtures/indicators.json', import.meta.url), 'utf8'));

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.(js|jsx)$/.test(entry.name) ? [path] : [];
  });
}

/** The code of a file without its comments (line comments not inside a string: no `//` follows a quote here). */
function code(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

const files = sources(SRC).map((path) => ({ path: relative(SRC, path), text: code(readFileSync(path, 'utf8')) }));

// The evacuation report is another form with fields of its own (server/evacuation): two of them share a damage
// indicator's name, as the national forms do.
const EVACUATION_FIELDS = new Set(['其中集中安置', '其中分散安置']);
const EVACUATION_FILES = new Set(['rules/evacuation.js', 'screens/ReportDetail.jsx']);

describe('the app keeps no copy of the damage vocabulary', () => {
  it('reads every source file', () => {
    expect(files.some((f) => f.path === 'rules/damage.js')).toBe(true);
    expect(files.length).toBeGreaterThan(30);
  });

  it.each(served.indicators.map((i) => [i.label, i]))('names %s nowhere in code', (label) => {
    const found = files
      .filter((f) => f.text.includes(label))
      .filter((f) => !(EVACUATION_FIELDS.has(label) && EVACUATION_FILES.has(f.path)))
      .map((f) => f.path);
    expect(found).toEqual([]);
  });

  it.each(served.groups.map((g) => [g.label]))('has no heading %s of its own', (label) => {
    expect(files.filter((f) => f.text.includes(`'${label}'`) || f.text.includes(`>${label}<`)).map((f) => f.path)).toEqual(
      [],
    );
  });

  it('words no figure rule itself', () => {
    // The fixed words of each published message (what is left when the placeholders are taken out).
    const words = served.rules.flatMap((rule) => rule.message.split(/\{\w+\}/).filter((w) => w.trim().length >= 4));
    expect(words.length).toBeGreaterThan(10);
    const found = files.flatMap((f) => words.filter((w) => f.text.includes(w)).map((w) => `${f.path}: ${w}`));
    expect(found).toEqual([]);
  });
});
