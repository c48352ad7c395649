import { describe, expect, it } from 'vitest';
import { firstRead } from '../src/components/Reading.jsx';

describe('firstRead', () => {
  it('is true only while nothing is on the phone and no answer has come', () => {
    expect(firstRead({ loading: true, data: null, error: null })).toBe(true);
  });
  it('is false once a copy is there, even while it is read again', () => {
    expect(firstRead({ loading: true, data: { items: [] }, error: null })).toBe(false);
  });
  it('is false after an error: the screen says why instead', () => {
    expect(firstRead({ loading: false, data: null, error: { status: 0 } })).toBe(false);
  });
});
