import { OptionError } from './errors.js';

/** Smallest TTA scale (side in pixels) a command line accepts. */
export const MIN_SCALE = 16;
/** Largest TTA scale a command line accepts: a 4096×4096 input already needs ~270 MB per tensor. */
export const MAX_SCALE = 4096;

/**
 * Parses TTA scales as a command line gives them: `"256,384"`, `["256", "384"]`, `[256, 384]` or a mix
 * (`--scales 256,320 384`). Every scale must be an integer from {@link MIN_SCALE} to {@link MAX_SCALE}.
 *
 * @param value - one string of comma-separated sizes, or a list of strings and numbers (each may hold commas).
 * @param name - the option's name for messages, e.g. `--scales`.
 * @returns the scales in the order given (duplicates kept: they weigh the average as asked).
 * @throws {@link OptionError} (`INVALID_OPTION`) naming the bad part and the accepted range.
 * @example
 * ```ts
 * parseScales('256,384'); // [256, 384]
 * parseScales(['256', 320]); // [256, 320]
 * ```
 */
export function parseScales(value: string | number | readonly (string | number)[], name = 'scales'): number[] {
  const parts = (Array.isArray(value) ? value : [value])
    .flatMap((v: string | number) => String(v).split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (parts.length === 0) {
    throw new OptionError(`${name} must list at least one size, e.g. 256,384; got "${String(value)}"`);
  }
  return parts.map((part) => {
    const scale = /^\d+$/.test(part) ? Number(part) : Number.NaN;
    if (!Number.isSafeInteger(scale) || scale < MIN_SCALE || scale > MAX_SCALE) {
      throw new OptionError(
        `${name} must be whole numbers from ${MIN_SCALE} to ${MAX_SCALE} separated by commas, e.g. 256,384; got "${part}"`,
      );
    }
    return scale;
  });
}
