import { BlurgateError } from '@blurgate/core';
import { buildFreqAux } from './freq-aux-graph.js';
import type { MobileNetV3Architecture } from './mobilenet-v3-architecture.js';
import { buildMobileNetV3, detectArchitecture } from './mobilenet-v3-graph.js';
import { OnnxGraph } from './onnx-graph.js';
import type { CheckpointLimits } from './checkpoint-limits.js';
import { readCheckpoint } from './read-checkpoint.js';
import { StateDictReader } from './state-dict-reader.js';
import { type StateDict, elementCount } from './tensor.js';

export interface ConvertOptions {
  /**
   * false (default): export the 4-channel backbone; FreqAux is computed by `@blurgate/core`.
   * true: export the whole model with FreqAux inside the graph (3-channel normalised RGB input).
   */
  readonly freqAuxInGraph?: boolean;
  /** What reading the checkpoint may cost (see {@link CheckpointLimits}); defaults are safe. */
  readonly limits?: Partial<CheckpointLimits>;
}

export interface ConvertedModel {
  /** The ONNX model: input `input` (N×C×H×W float32, dynamic N, H, W), output `logits` (N×2). */
  readonly onnx: Uint8Array;
  readonly architecture: MobileNetV3Architecture;
  readonly inputChannels: 3 | 4;
  /** Trainable parameters of the checkpoint's network (weights and biases, BatchNorm affine included). */
  readonly parameterCount: number;
  /** State-dict keys the conversion read. */
  readonly keysUsed: number;
}

const BUFFER_SUFFIXES = ['.running_mean', '.running_var', '.num_batches_tracked'];

/** Converts a state dict (as `readCheckpoint` returns it) to ONNX. */
export function convertStateDict(stateDict: StateDict, options: ConvertOptions = {}): ConvertedModel {
  const keys = [...stateDict.keys()];
  const prefix = keys.some((k) => k.startsWith('backbone.')) ? 'backbone.' : '';
  const architecture = detectArchitecture(keys, prefix);
  const inputChannels: 3 | 4 = options.freqAuxInGraph ? 3 : 4;

  const graph = new OnnxGraph();
  const backbone = new StateDictReader(stateDict, prefix);
  const freqAux = new StateDictReader(stateDict, 'freq_aux.');
  const input = graph.input('input', ['batch', inputChannels, 'height', 'width']);
  const features = options.freqAuxInGraph ? buildFreqAux(graph, freqAux, input) : input;
  const logits = buildMobileNetV3(graph, backbone, features, 4, architecture);
  graph.output(logits, 'logits', ['batch', 2]);

  // a key nobody read means the checkpoint is not the network we just built: refuse rather than guess
  const unused = backbone.unusedKeys().filter((k) => prefix !== '' || !k.startsWith('freq_aux.'));
  const foreign = prefix === '' ? [] : keys.filter((k) => !k.startsWith(prefix) && !k.startsWith('freq_aux.'));
  const unexpected = [...unused, ...foreign];
  if (unexpected.length > 0) {
    throw new BlurgateError(
      'CONVERSION_FAILED',
      `checkpoint has ${unexpected.length} key(s) that ${architecture} does not use, e.g. ${unexpected.slice(0, 3).join(', ')}; it is not a torchvision ${architecture} with a 2-logit head`,
    );
  }

  let parameterCount = 0;
  for (const [key, tensor] of stateDict) {
    if (key.startsWith(prefix) && !key.startsWith('freq_aux.') && !BUFFER_SUFFIXES.some((s) => key.endsWith(s))) {
      parameterCount += elementCount(tensor.shape);
    }
  }
  const onnx = graph.encode(
    `blurgate_${architecture}_${inputChannels}ch`,
    `torchvision ${architecture}, BatchNorm folded, ${options.freqAuxInGraph ? 'FreqAux in the graph (3-channel input)' : '4-channel input (FreqAux computed outside)'}; converted by @blurgate/eval`,
  );
  return { onnx, architecture, inputChannels, parameterCount, keysUsed: backbone.usedCount + freqAux.usedCount };
}

/**
 * Converts a `torch.save` checkpoint of blurgate's reference model (FreqAux + torchvision MobileNetV3-Large
 * or -Small, docs/reference-arithmetic.md §3) to ONNX, in pure TypeScript. Refuses unsafe pickles (`UNSAFE_CHECKPOINT`) and
 * checkpoints it cannot convert (`CONVERSION_FAILED`, naming the key and the expected shape).
 */
export async function convertCheckpoint(bytes: Uint8Array, options: ConvertOptions = {}): Promise<ConvertedModel> {
  return convertStateDict(readCheckpoint(bytes, options.limits), options);
}
