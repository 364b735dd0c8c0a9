import type { BlurGateModelInfo, BlurPrediction, ClassifyFailure, RoutingThresholds } from '@blurgate/core';

/** Per-request choices within the CLI's rules; absent fields take the server's defaults. */
export interface ClassifyRequestOptions {
  /** TTA scales for this request (`?fast=1` resolves to core's FAST_SCALES). */
  readonly scales?: readonly number[];
}

/**
 * Where the time of one image went, in milliseconds. `preprocessingMs` and `inferenceMs` are known
 * when the gate runs on the server's own timed runtime (worker pool), not for a gate passed in.
 */
export interface StageTimings {
  readonly decodeMs?: number;
  readonly preprocessingMs?: number;
  readonly inferenceMs?: number;
  /** Decode to routed prediction, measured where the image was classified. */
  readonly classifyMs: number;
}

/** One image's outcome: its prediction or the reason it has none. */
export type ClassifyOutcome =
  | { readonly status: 'ok'; readonly prediction: BlurPrediction; readonly timings: StageTimings }
  | { readonly status: 'error'; readonly error: ClassifyFailure; readonly timings?: StageTimings };

/** What the loaded model and its defaults are, for `/v1/models` and the records. */
export interface ClassifierInfo {
  readonly model: BlurGateModelInfo;
  readonly runtimeName: string;
  /** The default TTA scales (from `--fast`, `--model`'s manifest or core's default). */
  readonly scales: readonly number[];
  readonly thresholds: RoutingThresholds;
  /** How images are classified: on the event loop or in N worker threads. */
  readonly execution: {
    readonly mode: 'in-process' | 'worker-threads';
    readonly workers: number;
    readonly threadsPerWorker?: number;
  };
}

/**
 * The service's view of a gate: bytes in, outcome out. Implemented in-process around a `BlurGate`
 * and by a piscina pool of worker threads that each own a gate.
 */
export interface ImageClassifier {
  /** Images classified at once; more wait in the server's bounded queue. */
  readonly concurrency: number;
  /** Resolves when the model is loaded (rejects with its BlurgateError when it cannot be). */
  ready(): Promise<ClassifierInfo>;
  /** Never rejects for a bad image: that is an `error` outcome. */
  classify(bytes: Uint8Array, options: ClassifyRequestOptions): Promise<ClassifyOutcome>;
  /** Waits for running images, then frees the model(s). */
  close(): Promise<void>;
}
