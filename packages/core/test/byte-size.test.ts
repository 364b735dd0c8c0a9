import { describe, expect, it } from 'vitest';
import { parseByteSize } from '../src/index.js';

describe('parseByteSize', () => {
  it('reads bytes and K/M/G suffixes in powers of 1024', () => {
    expect(parseByteSize('1048576')).toBe(1048576);
    expect(parseByteSize('1K')).toBe(1024);
    expect(parseByteSize('256M')).toBe(256 * 1024 ** 2);
    expect(parseByteSize(' 2g ')).toBe(2 * 1024 ** 3);
    expect(parseByteSize('64MiB')).toBe(64 * 1024 ** 2);
  });

  it('refuses what is not a positive size', () => {
    for (const bad of ['', 'lots', '0', '-5', '1.5G', '1T', '99999999999999999999'])
      expect(parseByteSize(bad), bad).toBeUndefined();
  });
});
