import type {
  BlurGateModelInfo,
  BlurPrediction,
  ClassifyFailure,
  ModelManifest,
  PixelImage,
  RoutingThresholds,
} from '@blurgate/core';
import type { ModelLoadProgress } from '../load-model-bytes.js';
import type { WebRuntimeOptions } from '../web-runtime.js';

/** Gate options that can cross postMessage (no runtime object, no callbacks). */
export interface WorkerGateSettings {
  readonly model: string | Uint8Array;
  readonly runtime: WebRuntimeOptions;
  /** As `BlurGateOptions.manifest` (undefined: the manifest.json beside the model URL). */
  readonly manifest?: ModelManifest | Record<string, unknown> | null;
  readonly scales?: readonly number[];
  readonly fast?: boolean;
  readonly confidenceThreshold?: number;
  readonly blurThreshold?: number;
  readonly maxPixels?: number;
}

/** An input as it travels to the worker: a Blob, an absolute URL, or decoded pixels (buffer transferred). */
export type WorkerInput = Blob | { readonly url: string } | PixelImage;

export type ToWorker =
  | { readonly type: 'init'; readonly id: number; readonly settings: WorkerGateSettings }
  | { readonly type: 'classify'; readonly id: number; readonly input: WorkerInput }
  | { readonly type: 'abort'; readonly id: number }
  | { readonly type: 'dispose'; readonly id: number };

export interface GateInfo {
  readonly scales: readonly number[];
  readonly thresholds: RoutingThresholds;
  readonly model: BlurGateModelInfo;
  readonly runtimeName: string;
  /** Why a provider listed before the one in use was skipped (e.g. the browser has no WebNN), as known at load. */
  readonly runtimeFallbackReason: string | undefined;
}

export type FromWorker =
  | { readonly type: 'progress'; readonly id: number; readonly progress: ModelLoadProgress }
  | { readonly type: 'ready'; readonly id: number; readonly info: GateInfo }
  | { readonly type: 'result'; readonly id: number; readonly prediction: BlurPrediction }
  | { readonly type: 'done'; readonly id: number }
  | { readonly type: 'failed'; readonly id: number; readonly error: ClassifyFailure };
