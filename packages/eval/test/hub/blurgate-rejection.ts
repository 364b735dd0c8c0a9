import { BlurgateError } from '@blurgate/core';
import { expect } from 'vitest';

/** What `promise` rejects with, after expecting that to be a BlurgateError (a resolved promise fails the test). */
export async function rejection(promise: Promise<unknown>): Promise<BlurgateError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BlurgateError);
  return error as BlurgateError;
}
