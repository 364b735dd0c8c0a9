/**
 * @packageDocumentation
 * `@blurgate/node`: blurgate for Node. {@link createBlurGate} loads a model from a file or the model
 * store, decodes images with sharp and runs onnxruntime-node; the gate itself is `@blurgate/core`'s
 * `createGate`, the same as in `@blurgate/web`. Also: the `blurgate` CLI, the model store, `decodeImage`.
 */
import packageJson from '../package.json' with { type: 'json' };

/** The version of @blurgate/node, for reports. */
export const BLURGATE_NODE_VERSION: string = packageJson.version;

export { createOnnxRuntime, type OnnxRuntimeOptions, type SessionThread } from './onnx-runtime.js';
export {
  decodeImage,
  DEFAULT_MAX_PIXELS,
  type DecodeImageOptions,
  type ImageSource,
  fastDecodeSize,
} from './decode-image.js';
export { createPreparePool, type PreparePool } from './prepare-pool.js';
export { loadPreprocessKernels } from './preprocess-kernels.js';
export {
  DEFAULT_MODEL_NAME,
  listInstalledModels,
  loadModelFile,
  modelStoreRoots,
  resolveModel,
  sha256Hex,
  userModelsDir,
  type InstalledModel,
  type LoadedModel,
  type ModelStoreEnv,
  type ModelStoreOptions,
  type ResolvedModel,
} from './model-store.js';
export {
  createBlurGate,
  MAX_WORKERS,
  type BlurGate,
  type BlurGateModelInfo,
  type BlurGateOptions,
  type ClassifyManyOptions,
  type ClassifyOptions,
} from './blur-gate.js';
export type {
  BlurLabel,
  BlurPrediction,
  BlurgateErrorCode,
  ClassifyFailure,
  ClassifyResult,
  PixelImage,
  ScaleProbabilities,
} from '@blurgate/core';
/** The typed errors (core's classes, so `instanceof` works whichever package they came through). */
export { BlurgateError, ImageInputError, ModelError, OptionError } from '@blurgate/core';
// The CLI's input expansion and sorter, for other front ends (e.g. @blurgate/queue) to share.
export { collectInputs, type CollectedInputs, type InputProblem } from './cli/collect-inputs.js';
/** Image file extensions picked up from folders: core's one list. */
export { IMAGE_EXTENSIONS } from '@blurgate/core';
export { FileSorter, type SortMode } from './cli/sort-into.js';
