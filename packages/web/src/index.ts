/**
 * @packageDocumentation
 * `@blurgate/web`: blurgate in the browser. {@link createBlurGate} fetches a model and its
 * `manifest.json`, checks the model's sha256 with WebCrypto, decodes images with the browser and runs
 * onnxruntime-web; the gate itself is `@blurgate/core`'s `createGate`, the same as in `@blurgate/node`.
 * `@blurgate/web/worker` runs the same gate in a Web Worker.
 */
export {
  createWebRuntime,
  type WebRuntime,
  type WebRuntimeOptions,
  type WebExecutionProvider,
  type WasmPaths,
} from './web-runtime.js';
export type { WebNNDeviceType } from './webnn-availability.js';
export { decodeImage, DEFAULT_MAX_PIXELS, type DecodeImageOptions, type WebImageInput } from './decode-image.js';
export { readImageDimensions, type ImageDimensions } from './image-header.js';
export { loadPreprocessKernels } from './preprocess-kernels.js';
export {
  loadModelBytes,
  type ModelInput,
  type ModelLoadProgress,
  type LoadModelBytesOptions,
} from './load-model-bytes.js';
export {
  createBlurGate,
  type BlurGate,
  type BlurGateOptions,
  type BlurGateModelInfo,
  type ClassifyOptions,
  type ClassifyManyOptions,
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
