import { OptionError } from './errors.js';
import { checkGateScales } from './gate-options.js';

/**
 * Parses TTA scales as a command line or a query string gives them: `"256,384"`, `["256", "384"]`,
 * `[256, 384]` or a mix (`--scales 256,320 384`), then checks them with the gate's rules
 * ({@link checkGateScales}: 1 to `MAX_GATE_SCALES` scales, each from `MIN_GATE_SCALE` to `MAX_GATE_SCALE`).
 * The one scales parser of the CLIs (`blurgate`, `blurgate-eval`) and the server.
 *
 * @param value - one string of comma-separated sizes, or a list of strings and numbers (each may hold commas).
 * @param name - the option's name for messages, e.g. `--scales` or `?scales`.
 * @returns the scales in the order given (duplicates kept: they weigh the average as asked).
 * @throws {@link OptionError} (`INVALID_OPTION`) naming the bad part, or the limit broken.
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
  const scales = parts.map((part) => {
    const scale = /^\d+$/.test(part) ? Number(part) : Number.NaN;
    if (!Number.isSafeInteger(scale)) {
      throw new OptionError(`${name} must be whole numbers separated by commas, e.g. 256,384; got "${part}"`);
    }
    return scale;
  });
  return [...checkGateScales(scales, name)];
}
