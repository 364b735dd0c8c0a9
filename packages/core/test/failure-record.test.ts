import { describe, expect, it } from 'vitest';
import {
  BLURGATE_ERROR_CODES,
  BlurgateError,
  errorFromFailure,
  failureOf,
  ImageInputError,
  ModelError,
  OptionError,
} from '../src/index.js';

describe('failureOf / errorFromFailure', () => {
  it('round-trips every code with its class (what a worker sends back)', () => {
    for (const code of BLURGATE_ERROR_CODES) {
      const record = failureOf(new BlurgateError(code, `because ${code}`));
      expect(record).toEqual({ code, message: `because ${code}` });
      const error = errorFromFailure(JSON.parse(JSON.stringify(record)));
      expect(error).toBeInstanceOf(BlurgateError);
      expect(error.code).toBe(code);
      expect(error.message).toBe(`because ${code}`);
    }
    expect(errorFromFailure({ code: 'DECODE_FAILED', message: 'm' })).toBeInstanceOf(ImageInputError);
    expect(errorFromFailure({ code: 'CHECKSUM_MISMATCH', message: 'm' })).toBeInstanceOf(ModelError);
    expect(errorFromFailure({ code: 'INVALID_OPTION', message: 'm' })).toBeInstanceOf(OptionError);
  });

  it('an untyped error becomes UNEXPECTED with its message; an unknown code stays visible', () => {
    expect(failureOf(new TypeError('x is undefined'))).toEqual({ code: 'UNEXPECTED', message: 'x is undefined' });
    expect(failureOf('a string')).toEqual({ code: 'UNEXPECTED', message: 'a string' });
    expect(errorFromFailure({ code: 'NOPE', message: 'm' })).toMatchObject({
      code: 'UNEXPECTED',
      message: 'm (code NOPE)',
    });
  });
});
