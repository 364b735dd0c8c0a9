import { BlurgateError } from './errors.js';

/**
 * The part of an `AbortSignal` core reads (core's type checking has no DOM or Node types, and a
 * structural type accepts both platforms' signals).
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
}

/** Throws `BlurgateError('ABORTED')` when `signal` has been aborted. */
export function throwIfAborted(signal: AbortSignalLike | undefined, what = 'classification'): void {
  if (signal?.aborted) throw new BlurgateError('ABORTED', `${what} was aborted`);
}
