import { describe, expect, it } from 'vitest';
import { MAX_GATE_SCALE, MAX_GATE_SCALES, MIN_GATE_SCALE, OptionError, parseScales } from '../src/index.js';

describe('parseScales', () => {
  it('reads comma lists, repeated values and numbers, in the order given', () => {
    expect(parseScales('256,384')).toEqual([256, 384]);
    expect(parseScales(' 256 , 320 ,')).toEqual([256, 320]);
    expect(parseScales(['256,320', 384])).toEqual([256, 320, 384]);
    expect(parseScales([MIN_GATE_SCALE, MAX_GATE_SCALE])).toEqual([MIN_GATE_SCALE, MAX_GATE_SCALE]);
  });

  it.each([
    ['', 'at least one size'],
    ['256,abc', '"abc"'],
    ['256.5', '"256.5"'],
    ['-256', '"-256"'],
    ['1e3', '"1e3"'],
    ['9007199254740993', '"9007199254740993"'],
    [String(MAX_GATE_SCALE + 1), `between ${MIN_GATE_SCALE} and ${MAX_GATE_SCALE} pixels, got ${MAX_GATE_SCALE + 1}`],
    ['100000', 'got 100000'],
    [String(MIN_GATE_SCALE - 1), `got ${MIN_GATE_SCALE - 1}`],
    [Array.from({ length: MAX_GATE_SCALES + 1 }, () => '384').join(','), `at most ${MAX_GATE_SCALES} scales`],
  ])('refuses %j with an OptionError', (input, text) => {
    const error = (() => {
      try {
        parseScales(input, '--scales');
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(OptionError);
    expect((error as OptionError).code).toBe('INVALID_OPTION');
    expect((error as OptionError).message).toContain('--scales');
    expect((error as OptionError).message).toContain(text);
  });
});
