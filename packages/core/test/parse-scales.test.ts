import { describe, expect, it } from 'vitest';
import { MAX_SCALE, MIN_SCALE, OptionError, parseScales } from '../src/index.js';

describe('parseScales', () => {
  it('reads comma lists, repeated values and numbers, in the order given', () => {
    expect(parseScales('256,384')).toEqual([256, 384]);
    expect(parseScales(' 256 , 320 ,')).toEqual([256, 320]);
    expect(parseScales(['256,320', 384])).toEqual([256, 320, 384]);
    expect(parseScales([MIN_SCALE, MAX_SCALE])).toEqual([MIN_SCALE, MAX_SCALE]);
  });

  it.each([
    ['', 'at least one size'],
    ['256,abc', '"abc"'],
    ['256.5', '"256.5"'],
    ['-256', '"-256"'],
    ['1e3', '"1e3"'],
    [String(MAX_SCALE + 1), `from ${MIN_SCALE} to ${MAX_SCALE}`],
    ['100000', '"100000"'],
    [String(MIN_SCALE - 1), `"${MIN_SCALE - 1}"`],
    ['9007199254740993', '"9007199254740993"'],
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
