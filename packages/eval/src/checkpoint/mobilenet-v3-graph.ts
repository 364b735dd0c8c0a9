import { BlurgateError } from '@blurgate/core';
import {
  ARCHITECTURES,
  BATCH_NORM_EPS,
  type InvertedResidualSpec,
  type MobileNetV3Architecture,
} from './mobilenet-v3-architecture.js';
import type { OnnxGraph } from './onnx-graph.js';
import type { StateDictReader } from './state-dict-reader.js';

type Activation = 'relu' | 'hardswish' | 'none';

/**
 * Detects Large vs Small from the feature indices present: Large has features.0 … features.16
 * (stem, 15 blocks, last conv), Small features.0 … features.12.
 */
export function detectArchitecture(keys: Iterable<string>, prefix: string): MobileNetV3Architecture {
  const indices = new Set<number>();
  const pattern = new RegExp(`^${prefix.replace(/\./g, '\\.')}features\\.(\\d+)\\.`);
  for (const key of keys) {
    const match = pattern.exec(key);
    if (match) indices.add(Number(match[1]));
  }
  const count = indices.size;
  for (const [name, arch] of Object.entries(ARCHITECTURES) as [
    MobileNetV3Architecture,
    (typeof ARCHITECTURES)[MobileNetV3Architecture],
  ][]) {
    const expected = arch.blocks.length + 2;
    if (count === expected && indices.has(expected - 1)) return name;
  }
  throw new BlurgateError(
    'CONVERSION_FAILED',
    count === 0
      ? `unknown architecture: no ${prefix}features.N.* keys; expected a torchvision MobileNetV3 state dict (keys like ${prefix}features.0.0.weight)`
      : `unknown architecture: ${count} feature stages under ${prefix}features (expected 17 for mobilenet_v3_large or 13 for mobilenet_v3_small)`,
  );
}

/** Folds an eval-mode BatchNorm into the preceding bias-free convolution: W' = W·γ/σ, b' = β − μ·γ/σ. */
function foldBatchNorm(
  weight: Float32Array,
  outChannels: number,
  gamma: Float32Array,
  beta: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
): { weight: Float32Array; bias: Float32Array } {
  const perChannel = weight.length / outChannels;
  const folded = new Float32Array(weight.length);
  const bias = new Float32Array(outChannels);
  for (let o = 0; o < outChannels; o++) {
    const scale = (gamma[o] as number) / Math.sqrt((variance[o] as number) + BATCH_NORM_EPS);
    bias[o] = (beta[o] as number) - (mean[o] as number) * scale;
    for (let j = 0; j < perChannel; j++) folded[o * perChannel + j] = (weight[o * perChannel + j] as number) * scale;
  }
  return { weight: folded, bias };
}

function activate(graph: OnnxGraph, x: string, activation: Activation): string {
  if (activation === 'relu') return graph.node('Relu', [x]);
  if (activation === 'hardswish') return graph.node('HardSwish', [x]);
  return x;
}

interface ConvOptions {
  readonly inChannels: number;
  /** null: read from the weight */
  readonly outChannels: number | null;
  readonly kernel: number;
  readonly stride: number;
  readonly depthwise: boolean;
  readonly activation: Activation;
  readonly why: string;
}

/** A torchvision `Conv2dNormActivation` (`<name>.0` conv, `<name>.1` BatchNorm) as Conv(+activation). */
function convBatchNorm(
  graph: OnnxGraph,
  sd: StateDictReader,
  x: string,
  name: string,
  o: ConvOptions,
): { out: string; channels: number } {
  const w = sd.float(`${name}.0.weight`, [o.outChannels, o.depthwise ? 1 : o.inChannels, o.kernel, o.kernel], o.why);
  const channels = w.shape[0] as number;
  if (o.depthwise && channels !== o.inChannels) {
    throw new BlurgateError(
      'CONVERSION_FAILED',
      `checkpoint key ${sd.key(`${name}.0.weight`)} has shape ${w.shape.join('×')}, expected ${o.inChannels}×1×${o.kernel}×${o.kernel} (${o.why})`,
    );
  }
  const bnWhy = `BatchNorm of ${o.why}`;
  const gamma = sd.float(`${name}.1.weight`, [channels], bnWhy);
  const beta = sd.float(`${name}.1.bias`, [channels], bnWhy);
  const mean = sd.float(`${name}.1.running_mean`, [channels], bnWhy);
  const variance = sd.float(`${name}.1.running_var`, [channels], bnWhy);
  sd.touch(`${name}.1.num_batches_tracked`);
  const folded = foldBatchNorm(w.values, channels, gamma.values, beta.values, mean.values, variance.values);
  const hint = name.replace(/\./g, '_');
  const wName = graph.constant(`${hint}_w`, w.shape, folded.weight);
  const bName = graph.constant(`${hint}_b`, [channels], folded.bias);
  const pad = (o.kernel - 1) / 2;
  const conv = graph.node(
    'Conv',
    [x, wName, bName],
    {
      kernel_shape: [o.kernel, o.kernel],
      strides: [o.stride, o.stride],
      pads: [pad, pad, pad, pad],
      group: o.depthwise ? channels : 1,
    },
    `${hint}_conv`,
  );
  return { out: activate(graph, conv, o.activation), channels };
}

/** torchvision `SqueezeExcitation`: pool, 1×1 conv + ReLU, 1×1 conv + hardsigmoid, scale. */
function squeezeExcite(
  graph: OnnxGraph,
  sd: StateDictReader,
  x: string,
  name: string,
  channels: number,
  why: string,
): string {
  const fc1 = sd.float(`${name}.fc1.weight`, [null, channels, 1, 1], `squeeze-excite reduce of ${why}`);
  const squeeze = fc1.shape[0] as number;
  const fc1b = sd.float(`${name}.fc1.bias`, [squeeze], `squeeze-excite reduce of ${why}`);
  const fc2 = sd.float(`${name}.fc2.weight`, [channels, squeeze, 1, 1], `squeeze-excite expand of ${why}`);
  const fc2b = sd.float(`${name}.fc2.bias`, [channels], `squeeze-excite expand of ${why}`);
  const hint = name.replace(/\./g, '_');
  const pooled = graph.node('GlobalAveragePool', [x], {}, `${hint}_pool`);
  const reduced = graph.node(
    'Conv',
    [
      pooled,
      graph.constant(`${hint}_fc1_w`, fc1.shape, fc1.values),
      graph.constant(`${hint}_fc1_b`, [squeeze], fc1b.values),
    ],
    { kernel_shape: [1, 1] },
    `${hint}_fc1`,
  );
  const relu = graph.node('Relu', [reduced]);
  const expanded = graph.node(
    'Conv',
    [
      relu,
      graph.constant(`${hint}_fc2_w`, fc2.shape, fc2.values),
      graph.constant(`${hint}_fc2_b`, [channels], fc2b.values),
    ],
    { kernel_shape: [1, 1] },
    `${hint}_fc2`,
  );
  // torchvision's hardsigmoid is relu6(x + 3) / 6, i.e. ONNX HardSigmoid with alpha 1/6, beta 0.5
  const gate = graph.node('HardSigmoid', [expanded], { alpha: { float: 1 / 6 }, beta: { float: 0.5 } });
  return graph.node('Mul', [x, gate], {}, `${hint}_scale`);
}

function invertedResidual(
  graph: OnnxGraph,
  sd: StateDictReader,
  x: string,
  index: number,
  inChannels: number,
  spec: InvertedResidualSpec,
  arch: MobileNetV3Architecture,
): { out: string; channels: number } {
  const name = `features.${index}.block`;
  const why = `${arch} block ${index}`;
  let sub = 0;
  let y = x;
  let channels = inChannels;
  // torchvision omits the 1×1 expand conv when expanded == input channels; its weight is then the k×k depthwise one
  const first = sd.optional(`${name}.0.0.weight`);
  if (first && first.shape.length === 4 && first.shape[2] === 1 && first.shape[3] === 1) {
    const expand = convBatchNorm(graph, sd, y, `${name}.${sub}`, {
      inChannels: channels,
      outChannels: null,
      kernel: 1,
      stride: 1,
      depthwise: false,
      activation: spec.activation,
      why: `1×1 expand conv of ${why}`,
    });
    y = expand.out;
    channels = expand.channels;
    sub += 1;
  }
  y = convBatchNorm(graph, sd, y, `${name}.${sub}`, {
    inChannels: channels,
    outChannels: channels,
    kernel: spec.kernel,
    stride: spec.stride,
    depthwise: true,
    activation: spec.activation,
    why: `${spec.kernel}×${spec.kernel} depthwise conv, stride ${spec.stride}, of ${why}`,
  }).out;
  sub += 1;
  if (spec.squeezeExcite) {
    y = squeezeExcite(graph, sd, y, `${name}.${sub}`, channels, why);
    sub += 1;
  } else if (sd.has(`${name}.${sub}.fc1.weight`)) {
    throw new BlurgateError(
      'CONVERSION_FAILED',
      `checkpoint key ${sd.key(`${name}.${sub}.fc1.weight`)} is unexpected: ${why} has no squeeze-excite in ${arch}`,
    );
  }
  const project = convBatchNorm(graph, sd, y, `${name}.${sub}`, {
    inChannels: channels,
    outChannels: null,
    kernel: 1,
    stride: 1,
    depthwise: false,
    activation: 'none',
    why: `1×1 project conv of ${why}`,
  });
  const residual = spec.stride === 1 && project.channels === inChannels;
  return {
    out: residual ? graph.node('Add', [x, project.out], {}, `features_${index}_add`) : project.out,
    channels: project.channels,
  };
}

/**
 * Adds torchvision's MobileNetV3 (features, pool, classifier with dropout removed) to `graph`, reading
 * weights through `sd`; returns the logits value name. BatchNorms are folded into the convolutions.
 */
export function buildMobileNetV3(
  graph: OnnxGraph,
  sd: StateDictReader,
  input: string,
  inputChannels: number,
  arch: MobileNetV3Architecture,
): string {
  const { blocks } = ARCHITECTURES[arch];
  const stem = convBatchNorm(graph, sd, input, 'features.0', {
    inChannels: inputChannels,
    outChannels: null,
    kernel: 3,
    stride: 2,
    depthwise: false,
    activation: 'hardswish',
    why: `${arch} stem 3×3 conv, stride 2, on ${inputChannels} input channels`,
  });
  let x = stem.out;
  let channels = stem.channels;
  blocks.forEach((spec, i) => {
    const block = invertedResidual(graph, sd, x, i + 1, channels, spec, arch);
    x = block.out;
    channels = block.channels;
  });
  const last = convBatchNorm(graph, sd, x, `features.${blocks.length + 1}`, {
    inChannels: channels,
    outChannels: null,
    kernel: 1,
    stride: 1,
    depthwise: false,
    activation: 'hardswish',
    why: `${arch} last 1×1 conv`,
  });
  const pooled = graph.node('GlobalAveragePool', [last.out], {}, 'avgpool');
  const flat = graph.node('Flatten', [pooled], { axis: 1 }, 'flatten');
  const fc0 = sd.float('classifier.0.weight', [null, last.channels], `${arch} classifier first linear layer`);
  const hidden = fc0.shape[0] as number;
  const fc0b = sd.float('classifier.0.bias', [hidden], `${arch} classifier first linear layer`);
  const fc3 = sd.float('classifier.3.weight', [2, hidden], `${arch} classifier head: 2 logits (sharp, blurred)`);
  const fc3b = sd.float('classifier.3.bias', [2], `${arch} classifier head: 2 logits (sharp, blurred)`);
  const h = graph.node(
    'Gemm',
    [
      flat,
      graph.constant('classifier_0_w', fc0.shape, fc0.values),
      graph.constant('classifier_0_b', [hidden], fc0b.values),
    ],
    { transB: 1 },
    'classifier_0',
  );
  const act = graph.node('HardSwish', [h]);
  // classifier.2 is Dropout: the identity at inference, so it is left out
  return graph.node(
    'Gemm',
    [act, graph.constant('classifier_3_w', fc3.shape, fc3.values), graph.constant('classifier_3_b', [2], fc3b.values)],
    { transB: 1 },
    'classifier_3',
  );
}
