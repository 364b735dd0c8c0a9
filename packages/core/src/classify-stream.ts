import { type AbortSignalLike, abortedError } from './abort.js';
import type { ClassifyOptions } from './blur-gate.js';
import { BlurgateError } from './errors.js';
import { failureOf } from './failure-record.js';
import { mapOrdered } from './map-ordered.js';
import type { BlurPrediction, ClassifyResult } from './prediction.js';

/** What one input came to: a result for the batch, or the error that ends it. */
type Outcome<I> = { readonly result: ClassifyResult<I> } | { readonly stop: BlurgateError };

/** Aborts and a disposed gate end a batch; every other failure is about one image. */
function endsBatch(error: unknown): error is BlurgateError {
  return error instanceof BlurgateError && (error.code === 'ABORTED' || error.code === 'DISPOSED');
}

/**
 * The ordered, streaming `classifyMany` of every gate (in-process or in a worker): `classify` runs
 * on up to `concurrency` inputs at once, results come back in input order, per-image failures are
 * `{status: 'error'}` records ({@link failureOf}) and the batch goes on; an abort of `signal`
 * or a disposed gate ends it with `ABORTED` / `DISPOSED`.
 */
export async function* classifyStream<I>(
  inputs: Iterable<I> | AsyncIterable<I>,
  classify: (input: I, options: ClassifyOptions) => Promise<BlurPrediction>,
  options: { readonly concurrency: number; readonly signal?: AbortSignalLike },
): AsyncGenerator<ClassifyResult<I>> {
  const { signal } = options;
  const one = async (input: I): Promise<Outcome<I>> => {
    try {
      return { result: { status: 'ok', input, ...(await classify(input, { signal })) } };
    } catch (error) {
      if (endsBatch(error)) return { stop: error };
      return { result: { status: 'error', input, error: failureOf(error) } };
    }
  };
  const stopped = () => (signal?.aborted ? abortedError(signal) : null);
  for await (const outcome of mapOrdered(inputs, options.concurrency, one, stopped)) {
    if ('stop' in outcome) throw outcome.stop;
    yield outcome.result;
  }
}
