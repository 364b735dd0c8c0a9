/**
 * @packageDocumentation
 * `@blurgate/core`: the platform-free blur gate. The reference arithmetic (Pillow-exact bilinear
 * resize, FreqAux, normalisation, TTA and routing), the model manifest, the typed errors, and
 * {@link createGate}, the one gate `@blurgate/node` and `@blurgate/web` build from a runtime, a
 * decoder and a model. No `node:*`, no DOM, no side effects at import.
 */
export * from './pixel-image.js';
export * from './errors.js';
export * from './runtime.js';
export * from './prediction.js';
export * from './blur-gate-model-info.js';
export * from './model-manifest.js';
export * from './image-validation.js';
export * from './to-rgb.js';
export * from './resize-bilinear.js';
export * from './normalize-image.js';
export * from './freq-aux.js';
export * from './model-input-tensor.js';
export { createPreprocessor, type PreparedImage, type Preprocessor, type PreprocessorOptions } from './preprocessor.js';
export {
  decodeBase64,
  instantiatePreprocessKernels,
  type PreprocessKernelExports,
  type PreprocessKernels,
  type WasmMemoryLike,
  type WebAssemblyLike,
} from './preprocess-kernels.js';
export * from './softmax.js';
export * from './routing.js';
export * from './abort.js';
export * from './model-inputs.js';
export { ModelInputPool } from './model-input-pool.js';
export * from './predict-tta.js';
export * from './blur-classifier.js';
export * from './laplacian-variance.js';
export * from './model-manifest-validate.js';
export * from './classification-record.js';
export * from './serial-queue.js';
export * from './failure-record.js';
export * from './pixel-limit.js';
export * from './read-input-channels.js';
export * from './gate-options.js';
export * from './blur-gate.js';
export * from './classify-stream.js';
export * from './create-gate.js';
export * from './byte-size.js';
export * from './parse-scales.js';
export * from './image-extensions.js';
