import { type AbortSignalLike, errorFromFailure, type InputPreparer, type ModelInputs } from '@blurgate/core';
import { Piscina } from 'piscina';
import type { DecodeImageOptions, ImageSource } from './decode-image.js';
import type { PrepareOutcome, PrepareTask } from './prepare-worker.js';
import { builtWorkerFile } from './worker-file.js';

/** A pool of worker threads that decode and preprocess images for a gate (see {@link createPreparePool}). */
export interface PreparePool {
  /** The gate's `prepare` hook: decode + preprocessing in a worker, the arrays transferred back. */
  readonly prepare: InputPreparer<ImageSource>;
  /**
   * The gate's `recycle` hook: keeps the arrays of inputs whose run has finished and transfers them to a worker with
   * a later task, which fills them instead of allocating (a 5-scale TTA input set is 12 MB of fresh pages).
   */
  readonly recycle: (inputs: ModelInputs) => void;
  /** Worker threads in the pool. */
  readonly workers: number;
  /** Stops the workers (after the tasks already running); the process can then exit. */
  close(): Promise<void>;
}

/** Piscina takes a real AbortSignal (or an EventEmitter); core's structural signal type says less. */
function abortSignal(signal: AbortSignalLike | undefined): AbortSignal | undefined {
  return signal instanceof AbortSignal ? signal : undefined;
}

/**
 * Starts `workers` worker threads (piscina) that each decode with sharp and preprocess with core's kernels, for
 * one gate whose single onnxruntime session runs on the main thread. Failures of an image come back as the same
 * typed errors as in-process ({@link errorFromFailure}).
 *
 * @param workers - threads in the pool, at least 1.
 * @param decodeOptions - the decoder's limits, applied in the workers.
 * @param fastDecode - shrink large JPEGs on load to the gate's largest scale (see `DecodeImageOptions.shrinkOnLoadTo`).
 * @returns the pool; `close()` it (the gate does, on `dispose()`).
 * @example
 * const pool = createPreparePool(1, {});
 * const gate = await createGate({ runtime, decode: decodeImage, prepare: pool.prepare, recycle: pool.recycle, onDispose: pool.close, model });
 */
export function createPreparePool(workers: number, decodeOptions: DecodeImageOptions, fastDecode = false): PreparePool {
  const piscina = new Piscina<PrepareTask, PrepareOutcome>({
    filename: builtWorkerFile('prepare-worker.js').href,
    minThreads: workers,
    maxThreads: workers,
    // Two tasks per worker: one decodes (sharp works on libuv's threads) while the other preprocesses.
    concurrentTasksPerWorker: 2,
    idleTimeout: 30_000,
  });
  let closed: Promise<void> | null = null;
  // Spent arrays waiting to go back to a worker: enough for every task in flight, bounded.
  const spare: Float32Array[] = [];
  const maxSpare = workers * 2 * 6;
  /** Takes one spare array of each length a task at `scales` fills (the rest stay for later tasks). */
  const sparesFor = (scales: readonly number[], channels: number): Float32Array[] => {
    const taken: Float32Array[] = [];
    for (const scale of scales) {
      const at = spare.findIndex((array) => array.length === channels * scale * scale);
      if (at >= 0) taken.push(...spare.splice(at, 1));
    }
    return taken;
  };
  return {
    workers,
    recycle(inputs: ModelInputs): void {
      for (const array of inputs.inputs) {
        // Detached (length 0) or shared views cannot be transferred whole: leave them to the garbage collector.
        if (spare.length < maxSpare && array.length > 0 && array.byteLength === array.buffer.byteLength) {
          spare.push(array);
        }
      }
    },
    async prepare(input, request): Promise<ModelInputs> {
      const task: PrepareTask = {
        input,
        scales: [...request.scales],
        channels: request.channels,
        minSide: request.minSide,
        decodeOptions: {
          ...decodeOptions,
          maxPixels: request.maxPixels,
          shrinkOnLoadTo: fastDecode ? Math.max(...request.scales) : undefined,
        },
        spare: sparesFor(request.scales, request.channels),
      };
      const transferList = (task.spare ?? []).map((array) => array.buffer as ArrayBuffer);
      const outcome = await piscina.run(task, { signal: abortSignal(request.signal), transferList });
      if ('failure' in outcome) throw errorFromFailure(outcome.failure);
      return outcome.inputs;
    },
    close(): Promise<void> {
      closed ??= piscina.destroy();
      return closed;
    },
  };
}
