import { BlurgateError } from './errors.js';

/**
 * The part of an `AbortSignal` core reads (core's type checking has no DOM or Node types, and a
 * structural type accepts both platforms' signals).
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener?(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener?(type: 'abort', listener: () => void): void;
}

/**
 * The one error blurgate raises when a caller's signal aborts an operation:
 * `BlurgateError('ABORTED')`, with the signal's reason as `cause`.
 */
export function abortedError(signal?: AbortSignalLike, what = 'classification'): BlurgateError {
  return new BlurgateError(
    'ABORTED',
    `${what} was aborted`,
    signal?.reason === undefined ? undefined : { cause: signal.reason },
  );
}

/** Throws {@link abortedError} when `signal` has been aborted. */
export function throwIfAborted(signal: AbortSignalLike | undefined, what = 'classification'): void {
  if (signal?.aborted) throw abortedError(signal, what);
}

/**
 * Settles like `promise`, or rejects with {@link abortedError} as soon as `signal` aborts (the
 * operation itself runs on unseen; use this where it cannot be interrupted, e.g. a model run).
 */
export function whileNotAborted<T>(
  promise: Promise<T>,
  signal: AbortSignalLike | undefined,
  what?: string,
): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortedError(signal, what));
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener?.('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener?.('abort', onAbort));
  });
}
