import { BlurgateError } from '@blurgate/core';

/**
 * What reading one checkpoint may cost. A checkpoint is untrusted input: these bound memory by what
 * the file really holds, whatever its headers and pickle claim. The defaults are far above what any
 * MobileNetV3 state dict needs (the reference checkpoint inflates to about 20 MB, its pickle to 40 KB).
 */
export interface CheckpointLimits {
  /** Largest inflated `data.pkl`. Default 64 MiB. */
  readonly maxPickleBytes: number;
  /** Largest inflated size of all entries read (`data.pkl` and the storages it references). Default 1 GiB. */
  readonly maxInflatedBytes: number;
  /** Largest total of decoded storages and built tensors (4 bytes a float, 8 an integer). Default 1 GiB. */
  readonly maxTensorBytes: number;
  /** Most values the unpickler may push (stack items, memo entries, list/dict elements). Default 1,000,000. */
  readonly maxPickleItems: number;
  /** Deepest nesting of tuples, lists and dicts (and of MARKs). Default 64. */
  readonly maxPickleDepth: number;
  /** Most entries in the ZIP archive. Default 65,536. */
  readonly maxZipEntries: number;
}

export const DEFAULT_CHECKPOINT_LIMITS: CheckpointLimits = Object.freeze({
  maxPickleBytes: 64 * 1024 * 1024,
  maxInflatedBytes: 1024 * 1024 * 1024,
  maxTensorBytes: 1024 * 1024 * 1024,
  maxPickleItems: 1_000_000,
  maxPickleDepth: 64,
  maxZipEntries: 65_536,
});

/** The `CHECKPOINT_LIMIT` refusal: `what` says which limit and by how much. */
export function checkpointLimit(what: string): BlurgateError {
  return new BlurgateError(
    'CHECKPOINT_LIMIT',
    `checkpoint refused: ${what}; if you trust this file, raise the limit (--max-checkpoint-memory, or readCheckpoint's limits option)`,
  );
}
