import type { ModelManifest } from './model-manifest.js';

/** What a blur gate runs; the same shape in `@blurgate/node` and `@blurgate/web`, for logs and reports. */
export interface BlurGateModelInfo {
  /** The manifest's name, else the model file's name (`in-memory` for bytes). */
  readonly name: string;
  readonly version: string;
  /** sha256 (hex) of the ONNX bytes that were loaded. */
  readonly sha256: string;
  readonly inputChannels: 3 | 4;
  /** The ONNX file or URL, or null for bytes passed in. */
  readonly path: string | null;
  /** The validated manifest, or null when the model came without one. */
  readonly manifest: ModelManifest | null;
}
