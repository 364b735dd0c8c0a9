// Checkpoint conversion: torch.save state dicts → ONNX, in pure TypeScript (docs/reference-arithmetic.md §3).
export { convertCheckpoint, convertStateDict, type ConvertOptions, type ConvertedModel } from './convert-checkpoint.js';
export { readCheckpoint, readCheckpointObject } from './read-checkpoint.js';
export { type CheckpointLimits, DEFAULT_CHECKPOINT_LIMITS } from './checkpoint-limits.js';
export {
  restrictedUnpickle,
  PickleDict,
  type PickleCallable,
  type PickleValue,
  type UnpickleOptions,
} from './restricted-unpickler.js';
export type { CheckpointTensor, StateDict, TorchDtype } from './tensor.js';
export {
  ARCHITECTURES,
  LARGE_BLOCKS,
  SMALL_BLOCKS,
  makeDivisible,
  type InvertedResidualSpec,
  type MobileNetV3Architecture,
} from './mobilenet-v3-architecture.js';
export { OPSET } from './onnx-graph.js';
export { convertedModelManifest, type ConvertedManifestOptions } from './converted-manifest.js';
export { convertCheckpointFile, type ConvertFileOptions, type ConvertedFiles } from './convert-checkpoint-file.js';
