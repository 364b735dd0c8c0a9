import { FAST_SCALES, OptionError, parseScales, type RoutingThresholds } from '@blurgate/core';

/** What `POST /v1/classify`'s query asks for, checked; absent fields take the server's defaults. */
export interface ClassifyQuery {
  readonly scales?: readonly number[];
  readonly confidenceThreshold?: number;
  readonly blurThreshold?: number;
}

/** Bounds on per-request scales, so one request cannot ask for unbounded work. */
export interface ScaleLimits {
  /** Most scales in one request; default 8. */
  readonly maxScales: number;
  /** Largest scale in pixels; default 1024. */
  readonly maxScale: number;
}

export const QUERY_NAMES = ['fast', 'scales', 'confidence-threshold', 'blur-threshold'] as const;

function single(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new OptionError(`?${name} was given more than once`);
  return value;
}

function flag(name: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (['1', 'true', ''].includes(value)) return true;
  if (['0', 'false'].includes(value)) return false;
  throw new OptionError(`?${name} must be 1, true, 0 or false, got "${value}"`);
}

function probability(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new OptionError(`?${name} must be a number between 0 and 1, got "${value}"`);
  }
  return n;
}

/**
 * Reads `?fast=1`, `?scales=256,384`, `?confidence-threshold=0.7` and `?blur-threshold=0.4` with the
 * CLI's rules (scales are positive integers, not together with fast; thresholds lie in [0, 1]) and
 * the server's scale limits. Unknown parameters are refused so typos do not pass silently.
 *
 * @throws {@link OptionError} (400 `INVALID_OPTION`).
 */
export function parseClassifyQuery(query: Record<string, unknown>, limits: ScaleLimits): ClassifyQuery {
  for (const name of Object.keys(query)) {
    if (!(QUERY_NAMES as readonly string[]).includes(name)) {
      throw new OptionError(`unknown query parameter "${name}"; known: ${QUERY_NAMES.join(', ')}`);
    }
  }
  const fast = flag('fast', single(query, 'fast'));
  const scalesText = single(query, 'scales');
  if (fast && scalesText !== undefined)
    throw new OptionError('pass either scales or fast, not both (fast means scales 384)');
  let scales: readonly number[] | undefined = fast ? FAST_SCALES : undefined;
  if (scalesText !== undefined) {
    scales = parseScales(scalesText, '?scales');
    if (scales.length > limits.maxScales)
      throw new OptionError(`?scales: at most ${limits.maxScales} scales, got ${scales.length}`);
    const largest = Math.max(...scales);
    if (largest > limits.maxScale) throw new OptionError(`?scales: at most ${limits.maxScale} pixels, got ${largest}`);
  }
  return {
    scales,
    confidenceThreshold: probability('confidence-threshold', single(query, 'confidence-threshold')),
    blurThreshold: probability('blur-threshold', single(query, 'blur-threshold')),
  };
}

/** The thresholds a request routes with: its own where given, else the server's. */
export function requestThresholds(query: ClassifyQuery, defaults: RoutingThresholds): RoutingThresholds {
  return {
    confidenceThreshold: query.confidenceThreshold ?? defaults.confidenceThreshold,
    blurThreshold: query.blurThreshold ?? defaults.blurThreshold,
  };
}
