import { zipSync } from 'fflate';
import { ARCHITECTURES, type MobileNetV3Architecture, makeDivisible } from '../../src/checkpoint/index.js';
import { seededRandom } from '../../src/evaluation/index.js';

/** A tensor to write: float32 values or int64 integers, contiguous unless `stride`/`offset` are given. */
export interface TensorToWrite {
  readonly shape: readonly number[];
  readonly values?: Float32Array;
  readonly integers?: BigInt64Array;
  /** View into the storage: defaults to contiguous at offset 0. */
  readonly offset?: number;
  readonly stride?: readonly number[];
}

const encoder = new TextEncoder();

/** A minimal protocol-2 pickler for what torch.save writes for a state dict (test-only). */
class Pickler {
  private readonly parts: number[] = [0x80, 0x02];
  bytes(): Uint8Array {
    return new Uint8Array([...this.parts, 0x2e]);
  }
  op(...codes: number[]): this {
    this.parts.push(...codes);
    return this;
  }
  global(module: string, name: string): this {
    this.parts.push(0x63, ...encoder.encode(`${module}\n${name}\n`));
    return this;
  }
  str(s: string): this {
    const b = encoder.encode(s);
    this.parts.push(0x58, b.length & 0xff, (b.length >> 8) & 0xff, (b.length >> 16) & 0xff, b.length >>> 24, ...b);
    return this;
  }
  int(n: number): this {
    this.parts.push(0x4a, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff);
    return this;
  }
  tuple(values: readonly number[]): this {
    this.op(0x28);
    for (const v of values) this.int(v);
    return this.op(0x74);
  }
}

function contiguousStride(shape: readonly number[]): number[] {
  const stride = new Array<number>(shape.length).fill(1);
  for (let d = shape.length - 2; d >= 0; d--) stride[d] = (stride[d + 1] as number) * (shape[d + 1] as number);
  return stride;
}

/** Writes `tensors` as a `torch.save(OrderedDict)` ZIP (entries stored, under `folder/`), as PyTorch 1.13 does. */
export function writeTorchSave(tensors: ReadonlyMap<string, TensorToWrite>, folder = 'archive'): Uint8Array {
  const p = new Pickler().global('collections', 'OrderedDict').op(0x29, 0x52, 0x28);
  const files: Record<string, [Uint8Array, { level: 0 }]> = {};
  let key = 0;
  for (const [name, t] of tensors) {
    const storage = t.values ?? t.integers;
    if (!storage) throw new Error(`${name}: no data`);
    const storageType = t.values ? 'FloatStorage' : 'LongStorage';
    p.str(name).global('torch._utils', '_rebuild_tensor_v2').op(0x28);
    p.op(0x28)
      .str('storage')
      .global('torch', storageType)
      .str(String(key))
      .str('cpu')
      .int(storage.length)
      .op(0x74, 0x51);
    p.int(t.offset ?? 0)
      .tuple(t.shape)
      .tuple(t.stride ?? contiguousStride(t.shape));
    p.op(0x89).global('collections', 'OrderedDict').op(0x29, 0x52, 0x74, 0x52);
    files[`${folder}/data/${key}`] = [
      new Uint8Array(storage.buffer, storage.byteOffset, storage.byteLength),
      { level: 0 },
    ];
    key += 1;
  }
  p.op(0x75);
  return zipSync({
    [`${folder}/data.pkl`]: [p.bytes(), { level: 0 }],
    [`${folder}/byteorder`]: [encoder.encode('little'), { level: 0 }],
    ...files,
    [`${folder}/version`]: [encoder.encode('3\n'), { level: 0 }],
  });
}

/** Key → shape of `FreqAuxModel(build_backbone(arch, 4, widthMult)).state_dict()`, in PyTorch's order. */
export function referenceStateDictShapes(arch: MobileNetV3Architecture, widthMult = 1): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  shapes.set('freq_aux.kernel', [1, 1, 3, 3]);
  for (const b of ['mean', 'std', 'rgb2gray']) shapes.set(`freq_aux.${b}`, [1, 3, 1, 1]);
  const convBn = (name: string, shape: number[]): void => {
    shapes.set(`backbone.${name}.0.weight`, shape);
    for (const p of ['weight', 'bias', 'running_mean', 'running_var'])
      shapes.set(`backbone.${name}.1.${p}`, [shape[0] as number]);
    shapes.set(`backbone.${name}.1.num_batches_tracked`, []);
  };
  const c = (v: number): number => makeDivisible(v * widthMult);
  let channels = c(16);
  convBn('features.0', [channels, 4, 3, 3]);
  const { blocks, hidden } = ARCHITECTURES[arch];
  blocks.forEach((spec, i) => {
    const expanded = c(spec.expanded);
    const out = c(spec.out);
    let sub = 0;
    const block = `features.${i + 1}.block`;
    if (expanded !== channels) convBn(`${block}.${sub++}`, [expanded, channels, 1, 1]);
    convBn(`${block}.${sub++}`, [expanded, 1, spec.kernel, spec.kernel]);
    if (spec.squeezeExcite) {
      const squeeze = makeDivisible(expanded / 4);
      shapes.set(`backbone.${block}.${sub}.fc1.weight`, [squeeze, expanded, 1, 1]);
      shapes.set(`backbone.${block}.${sub}.fc1.bias`, [squeeze]);
      shapes.set(`backbone.${block}.${sub}.fc2.weight`, [expanded, squeeze, 1, 1]);
      shapes.set(`backbone.${block}.${sub}.fc2.bias`, [expanded]);
      sub += 1;
    }
    convBn(`${block}.${sub}`, [out, expanded, 1, 1]);
    channels = out;
  });
  const last = 6 * channels;
  convBn(`features.${blocks.length + 1}`, [last, channels, 1, 1]);
  const hiddenChannels = c(hidden);
  shapes.set('backbone.classifier.0.weight', [hiddenChannels, last]);
  shapes.set('backbone.classifier.0.bias', [hiddenChannels]);
  shapes.set('backbone.classifier.3.weight', [2, hiddenChannels]);
  shapes.set('backbone.classifier.3.bias', [2]);
  return shapes;
}

/** Random tensors of the reference model's shapes: weights ~ U(±1/sqrt(fan in)), BatchNorm statistics sane. */
export function randomReferenceStateDict(
  arch: MobileNetV3Architecture,
  widthMult = 1,
  seed = 1,
): Map<string, TensorToWrite> {
  const random = seededRandom(seed);
  const out = new Map<string, TensorToWrite>();
  for (const [key, shape] of referenceStateDictShapes(arch, widthMult)) {
    if (key.endsWith('num_batches_tracked')) {
      out.set(key, { shape, integers: new BigInt64Array([123n]) });
      continue;
    }
    const n = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(n);
    const fanIn = shape.length > 1 ? n / (shape[0] as number) : 1;
    for (let i = 0; i < n; i++) {
      const u = random() * 2 - 1;
      if (key.endsWith('running_var')) values[i] = 0.5 + random();
      else if (key.endsWith('.1.weight') && shape.length === 1) values[i] = 0.8 + 0.4 * random();
      else values[i] = u / Math.sqrt(fanIn);
    }
    out.set(key, { shape, values });
  }
  // the FreqAux buffers are constants in the reference model (docs/reference-arithmetic.md §1.3)
  out.set('freq_aux.kernel', { shape: [1, 1, 3, 3], values: new Float32Array([0, 1, 0, 1, -4, 1, 0, 1, 0]) });
  out.set('freq_aux.mean', { shape: [1, 3, 1, 1], values: new Float32Array([0.485, 0.456, 0.406]) });
  out.set('freq_aux.std', { shape: [1, 3, 1, 1], values: new Float32Array([0.229, 0.224, 0.225]) });
  out.set('freq_aux.rgb2gray', { shape: [1, 3, 1, 1], values: new Float32Array([0.2989, 0.587, 0.114]) });
  return out;
}
