import type { BlurClassifierOptions } from './blur-classifier.js';
import { ModelError, OptionError } from './errors.js';
import type { ModelManifest } from './model-manifest.js';
import { checkMaxPixels } from './pixel-limit.js';
import { DEFAULT_SCALES, FAST_SCALES, type RoutingThresholds } from './prediction.js';
import { validateScales } from './predict-tta.js';
import { resolveThresholds } from './routing.js';

/** Smallest TTA scale a gate accepts (pixels per side). */
export const MIN_GATE_SCALE = 32;
/** Largest TTA scale a gate accepts: a 2048² float32 input with FreqAux is 64 MB. */
export const MAX_GATE_SCALE = 2048;
/** Most TTA scales a gate runs per image. */
export const MAX_GATE_SCALES = 8;
/** Most images `classifyMany` has in flight. */
export const MAX_CONCURRENCY = 64;
/** Images `classifyMany` has in flight unless the platform or the caller says otherwise. */
export const DEFAULT_CONCURRENCY = 2;

/**
 * The options of a gate, the same on every platform: the classifier's (`scales` or `fast`,
 * `confidenceThreshold`, `blurThreshold`), which default to the model manifest's, else to the card's
 * recipe ({@link DEFAULT_SCALES}, 0.60 / 0.50), explicit options winning; plus the decoding and
 * batching limits. A gate takes 1 to {@link MAX_GATE_SCALES} scales from {@link MIN_GATE_SCALE} to
 * {@link MAX_GATE_SCALE}; `fast` means [384].
 */
export interface GateOptions extends Omit<BlurClassifierOptions, 'minSide'> {
  /** Images with more pixels are refused (`IMAGE_TOO_LARGE`); a positive safe integer. Default: the platform's. */
  readonly maxPixels?: number;
  /** Default for `classifyMany`: images decoded ahead, 1 to {@link MAX_CONCURRENCY}. */
  readonly concurrency?: number;
}

/** A gate's options after defaults and checks. */
export interface ResolvedGateOptions {
  readonly scales: readonly number[];
  readonly thresholds: RoutingThresholds;
  /** undefined: the decoder's own default. */
  readonly maxPixels: number | undefined;
  readonly concurrency: number;
}

/** Checks TTA scales for a gate: {@link validateScales} plus the count and size limits. Returns a frozen copy. */
export function checkGateScales(scales: readonly number[], name = 'scales'): readonly number[] {
  const checked = validateScales(scales, name);
  if (checked.length > MAX_GATE_SCALES) {
    throw new OptionError(`${name} may list at most ${MAX_GATE_SCALES} scales, got ${checked.length}`);
  }
  for (const scale of checked) {
    if (scale < MIN_GATE_SCALE || scale > MAX_GATE_SCALE) {
      throw new OptionError(
        `${name} must be between ${MIN_GATE_SCALE} and ${MAX_GATE_SCALE} pixels, got ${scale}; the model was trained around 384`,
      );
    }
  }
  return checked;
}

/** Checks a `classifyMany` concurrency: a whole number from 1 to {@link MAX_CONCURRENCY}. */
export function checkConcurrency(concurrency: unknown): number {
  if (
    typeof concurrency !== 'number' ||
    !Number.isInteger(concurrency) ||
    concurrency < 1 ||
    concurrency > MAX_CONCURRENCY
  ) {
    throw new OptionError(
      `concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}, got ${String(concurrency)}`,
    );
  }
  return concurrency;
}

/** The manifest's scales under the gate's limits; a manifest out of them is `INVALID_MANIFEST`. */
function manifestScales(manifest: ModelManifest): readonly number[] {
  try {
    return checkGateScales(manifest.scales, `"scales" of the manifest of ${manifest.name} ${manifest.version}`);
  } catch (cause) {
    if (cause instanceof OptionError) throw new ModelError('INVALID_MANIFEST', cause.message, { cause });
    throw cause;
  }
}

/**
 * Resolves a gate's options against its model's manifest: explicit options win, then the
 * manifest's scales and thresholds, then the defaults. `fast` means scales [384].
 *
 * @throws {@link OptionError} `INVALID_OPTION` for any option out of range, naming it;
 *   {@link ModelError} `INVALID_MANIFEST` for manifest scales out of the gate's limits.
 */
export function resolveGateOptions(options: GateOptions, manifest: ModelManifest | null): ResolvedGateOptions {
  if (options.fast && options.scales !== undefined) {
    throw new OptionError('pass either scales or fast, not both (fast means scales [384])');
  }
  const scales =
    options.scales !== undefined
      ? checkGateScales(options.scales)
      : options.fast
        ? FAST_SCALES
        : manifest
          ? manifestScales(manifest)
          : DEFAULT_SCALES;
  const thresholds = resolveThresholds({
    confidenceThreshold: options.confidenceThreshold ?? manifest?.thresholds.confidence,
    blurThreshold: options.blurThreshold ?? manifest?.thresholds.blur,
  });
  return {
    scales,
    thresholds,
    maxPixels: options.maxPixels === undefined ? undefined : checkMaxPixels(options.maxPixels),
    concurrency: checkConcurrency(options.concurrency ?? DEFAULT_CONCURRENCY),
  };
}
