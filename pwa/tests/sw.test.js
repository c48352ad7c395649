// The service worker is a plain script the build copies (vite.config.js fills in its version and shell): nothing
// else parses it before a browser does, and a worker that does not parse never installs, so the app no longer
// opens offline (a swapped `});` did exactly that, seen only by the browser tests).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const source = readFileSync(new URL('../sw/sw.js', import.meta.url), 'utf8');

describe('the service worker', () => {
  it('parses as a script', () => {
    expect(() => new Function(source)).not.toThrow();
  });

  it('handles install, activate, message and fetch', () => {
    const events = [];
    const self = { addEventListener: (name) => events.push(name) };
    new Function('self', source)(self);
    expect(events).toEqual(['install', 'activate', 'message', 'fetch']);
  });
});
