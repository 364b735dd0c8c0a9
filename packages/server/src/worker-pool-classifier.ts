import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { errorFromFailure, OptionError } from '@blurgate/core';
import { Piscina } from 'piscina';
import type { ClassifyWorkerData, ClassifyWorkerReply, ClassifyWorkerTask } from './classify-worker-protocol.js';
import type { ClassifierInfo, ClassifyOutcome, ClassifyRequestOptions, ImageClassifier } from './image-classifier.js';

export interface WorkerPoolOptions {
  /** Model spec for `createBlurGate` (path, folder, `name[@version]`); default: the installed default model. */
  readonly model?: string;
  /** Single-scale inference by default. */
  readonly fast?: boolean;
  /** Decompression-bomb guard passed to the gates (default: @blurgate/node's 100 MP). */
  readonly maxPixels?: number;
  /** Worker threads, each with its own gate; default min(4, CPUs). */
  readonly workers?: number;
  /** ONNX Runtime intra-op threads per worker; default max(1, floor(CPUs / workers)) so workers × threads ≈ cores. */
  readonly threadsPerWorker?: number;
  /** Gates per worker kept for per-request scales; default 8. */
  readonly maxCachedGates?: number;
}

/** The built worker file beside this module (dist/classify-worker.js). */
function workerFile(): string {
  const file = fileURLToPath(new URL('./classify-worker.js', import.meta.url));
  if (!existsSync(file)) {
    throw new OptionError(
      `the worker entry ${file} is missing: build @blurgate/server (pnpm --filter @blurgate/server build)`,
    );
  }
  return file;
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1)
    throw new OptionError(`${name} must be a positive integer, got ${String(value)}`);
  return value;
}

/**
 * A piscina pool of worker threads that each own a gate: decoding, preprocessing (synchronous
 * JavaScript, tens of ms per image) and inference all run off the event loop, so the HTTP thread stays
 * responsive while every worker is busy. The pool runs at most `workers` images at once; the server's
 * bounded queue holds the rest.
 */
export function createWorkerPoolClassifier(options: WorkerPoolOptions = {}): ImageClassifier {
  const cpus = Math.max(1, availableParallelism());
  const workers = positiveInteger('workers', options.workers, Math.min(4, cpus));
  const threadsPerWorker = positiveInteger(
    'threadsPerWorker',
    options.threadsPerWorker,
    Math.max(1, Math.floor(cpus / workers)),
  );
  const data: ClassifyWorkerData = {
    model: options.model,
    fast: options.fast,
    maxPixels: options.maxPixels,
    intraOpNumThreads: threadsPerWorker,
    maxCachedGates: options.maxCachedGates,
  };
  const pool = new Piscina<ClassifyWorkerTask, ClassifyWorkerReply>({
    filename: workerFile(),
    minThreads: workers,
    maxThreads: workers,
    concurrentTasksPerWorker: 1,
    idleTimeout: Number.POSITIVE_INFINITY,
    // Workers wait for tasks on their event loop (not Atomics.wait), so a gate's async work between tasks can run.
    atomics: 'disabled',
    workerData: data,
  });

  let info: Promise<ClassifierInfo> | null = null;
  return {
    concurrency: workers,
    ready(): Promise<ClassifierInfo> {
      info ??= pool.run({ kind: 'info' }).then((reply) => {
        if (reply.kind === 'info')
          return { ...reply.info, execution: { mode: 'worker-threads', workers, threadsPerWorker } };
        throw errorFromFailure(
          reply.kind === 'failed' ? reply.error : { code: 'UNEXPECTED', message: 'unexpected worker reply' },
        );
      });
      return info;
    },
    async classify(bytes: Uint8Array, request: ClassifyRequestOptions): Promise<ClassifyOutcome> {
      try {
        const reply = await pool.run({ kind: 'classify', bytes, scales: request.scales });
        if (reply.kind === 'outcome') return reply.outcome;
        if (reply.kind === 'failed') return { status: 'error', error: reply.error };
      } catch {
        // A worker that died (it is replaced by piscina); the caller logs the request.
      }
      return { status: 'error', error: { code: 'UNEXPECTED', message: 'a classification worker failed' } };
    },
    async close(): Promise<void> {
      await pool.close();
    },
  };
}
