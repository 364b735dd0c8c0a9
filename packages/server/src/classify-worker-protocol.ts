import type { ClassifyFailure } from '@blurgate/core';
import type { ClassifierInfo, ClassifyOutcome } from './image-classifier.js';

/** What each worker thread is started with (structured-cloned). */
export interface ClassifyWorkerData {
  /** Model spec as `createBlurGate` takes it; absent: the default model. */
  readonly model?: string;
  readonly fast?: boolean;
  readonly maxPixels?: number;
  /** ONNX Runtime intra-op threads of this worker's session. */
  readonly intraOpNumThreads: number;
  /** Gates kept for per-request scales. */
  readonly maxCachedGates?: number;
}

/** A message to a worker: tell what you run, or classify these bytes. */
export type ClassifyWorkerTask =
  | { readonly kind: 'info' }
  | { readonly kind: 'classify'; readonly bytes: Uint8Array; readonly scales?: readonly number[] };

/** A worker's answer (errors travel as data: structured cloning drops an error's class and code). */
export type ClassifyWorkerReply =
  | { readonly kind: 'info'; readonly info: Omit<ClassifierInfo, 'execution'> }
  | { readonly kind: 'outcome'; readonly outcome: ClassifyOutcome }
  | { readonly kind: 'failed'; readonly error: ClassifyFailure };
