export { createWebRuntime, type WebRuntime, type WebRuntimeOptions, type WebExecutionProvider, type WasmPaths } from './web-runtime.js';
export { decodeImage, DEFAULT_MAX_PIXELS, type DecodeImageOptions, type WebImageInput } from './decode-image.js';
export { readImageDimensions, type ImageDimensions } from './image-header.js';
export { loadModelBytes, type ModelInput, type ModelLoadProgress, type LoadModelBytesOptions } from './load-model-bytes.js';
export {
  createBlurGate,
  type BlurGate,
  type BlurGateOptions,
  type BlurGateModelInfo,
  type ClassifyOptions,
  type ClassifyManyOptions,
} from './blur-gate.js';
