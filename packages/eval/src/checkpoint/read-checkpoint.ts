import { BlurgateError } from '@blurgate/core';
import { unzipSync } from 'fflate';
import { type PickleCallable, PickleDict, type PickleValue, restrictedUnpickle } from './restricted-unpickler.js';
import { STORAGE_TYPES, decodeFloatStorage, decodeIntegerStorage, isFloatingDtype } from './storage-decode.js';
import { type CheckpointTensor, type StateDict, type TorchDtype, elementCount, formatShape } from './tensor.js';

/** A storage named by a persistent id, decoded on first use and shared by the tensors that view it. */
class StorageRef {
  private floats: Float32Array | undefined;
  private ints: BigInt64Array | undefined;
  constructor(
    readonly dtype: TorchDtype,
    readonly key: string,
    readonly numel: number,
    private readonly bytes: Uint8Array,
  ) {}
  floatData(): Float32Array {
    this.floats ??= decodeFloatStorage(this.bytes, this.dtype, this.numel);
    return this.floats;
  }
  integerData(): BigInt64Array {
    this.ints ??= decodeIntegerStorage(this.bytes, this.dtype, this.numel);
    return this.ints;
  }
}

/** Marks the tensors `_rebuild_tensor_v2` made, so a state dict can tell them from other values. */
class LoadedTensor {
  constructor(readonly tensor: CheckpointTensor) {}
}

function failed(message: string): BlurgateError {
  return new BlurgateError('CONVERSION_FAILED', message);
}

function asIntList(v: PickleValue, what: string): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isInteger(x))) {
    throw failed(`checkpoint tensor ${what} is not a tuple of integers`);
  }
  return v as number[];
}

/** Copies the strided view `(offset, size, stride)` of a storage into a contiguous array. */
function gather<T extends Float32Array | BigInt64Array>(source: T, make: (n: number) => T, offset: number, size: number[], stride: number[]): T {
  const n = elementCount(size);
  const out = make(n);
  if (n === 0) return out;
  // bounds check: the furthest element the view touches must be inside the storage
  let last = offset;
  for (let d = 0; d < size.length; d++) last += ((size[d] as number) - 1) * (stride[d] as number);
  if (offset < 0 || last >= source.length || stride.some((s) => s < 0)) {
    throw failed(`checkpoint tensor view (offset ${offset}, size ${formatShape(size)}, stride ${stride.join(',')}) lies outside its storage of ${source.length} elements`);
  }
  let contiguous = true;
  for (let d = size.length - 1, expected = 1; d >= 0; d--) {
    if ((size[d] as number) !== 1 && stride[d] !== expected) contiguous = false;
    expected *= size[d] as number;
  }
  if (contiguous) {
    out.set(source.subarray(offset, offset + n) as never);
    return out;
  }
  const index = new Array<number>(size.length).fill(0);
  for (let i = 0; i < n; i++) {
    let at = offset;
    for (let d = 0; d < size.length; d++) at += (index[d] as number) * (stride[d] as number);
    out[i] = source[at] as never;
    for (let d = size.length - 1; d >= 0; d--) {
      index[d] = (index[d] as number) + 1;
      if ((index[d] as number) < (size[d] as number)) break;
      index[d] = 0;
    }
  }
  return out;
}

function rebuildTensor(args: readonly PickleValue[]): LoadedTensor {
  const [storage, offset, sizeValue, strideValue] = args;
  if (!(storage instanceof StorageRef)) throw failed('checkpoint tensor is not backed by a storage');
  if (typeof offset !== 'number') throw failed('checkpoint tensor offset is not an integer');
  const size = asIntList(sizeValue ?? null, 'size');
  const stride = asIntList(strideValue ?? null, 'stride');
  if (size.length !== stride.length) throw failed('checkpoint tensor size and stride differ in length');
  const shape = Object.freeze([...size]);
  const dtype = storage.dtype;
  if (isFloatingDtype(dtype)) {
    const values = gather(storage.floatData(), (n) => new Float32Array(n), offset, size, stride);
    return new LoadedTensor({ dtype, shape, values });
  }
  const integers = gather(storage.integerData(), (n) => new BigInt64Array(n), offset, size, stride);
  return new LoadedTensor({ dtype: dtype as Exclude<TorchDtype, 'float32' | 'float64' | 'float16' | 'bfloat16'>, shape, integers });
}

function callable(qualifiedName: string, call: (args: readonly PickleValue[]) => PickleValue): PickleCallable {
  return { kind: 'callable', qualifiedName, call };
}

/** The storage classes appear only inside persistent ids, never called: a marker value suffices. */
class StorageClass {
  constructor(readonly name: string) {}
}

const ORDERED_DICT = callable('collections.OrderedDict', (args) => {
  const dict = new PickleDict('collections.OrderedDict');
  const items = args[0];
  if (Array.isArray(items)) {
    for (const pair of items) if (Array.isArray(pair) && pair.length === 2) dict.entries.set(pair[0], pair[1]);
  }
  return dict;
});

/**
 * The whitelist: everything a `torch.save(state_dict)` pickle names. A storage class resolves to a
 * marker that can only be used inside a persistent id; calling it (REDUCE) is refused.
 */
function resolveGlobal(module: string, name: string): PickleCallable | undefined {
  if (module === 'collections' && name === 'OrderedDict') return ORDERED_DICT;
  if (module === 'torch._utils' && name === '_rebuild_tensor_v2') return callable('torch._utils._rebuild_tensor_v2', rebuildTensor);
  if (module === 'torch._utils' && name === '_rebuild_parameter') {
    return callable('torch._utils._rebuild_parameter', (args) => {
      if (!(args[0] instanceof LoadedTensor)) throw failed('_rebuild_parameter without a tensor');
      return args[0];
    });
  }
  if (module === 'torch' && Object.hasOwn(STORAGE_TYPES, name)) {
    const marker = new StorageClass(name);
    return Object.assign(marker, {
      kind: 'callable' as const,
      qualifiedName: `torch.${name}`,
      call: (): never => {
        throw new BlurgateError('UNSAFE_CHECKPOINT', `checkpoint pickle calls torch.${name}; refusing to load an untrusted checkpoint`);
      },
    });
  }
  return undefined;
}

interface ZipLayout {
  readonly prefix: string;
  readonly entries: Record<string, Uint8Array>;
}

function openZip(bytes: Uint8Array): ZipLayout {
  const isZip = bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
  if (!isZip) {
    const legacy = bytes.length > 2 && bytes[0] === 0x80;
    throw failed(
      legacy
        ? 'this is a legacy (pre-1.6, non-ZIP) torch.save file, which blurgate does not read; re-save it with PyTorch >= 1.6: torch.save(torch.load(path), path)'
        : 'not a PyTorch checkpoint: expected a torch.save ZIP archive (a .pt file beginning with "PK")',
    );
  }
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (cause) {
    throw new BlurgateError('CONVERSION_FAILED', `checkpoint ZIP archive is unreadable: ${(cause as Error).message}`, { cause });
  }
  const pickles = Object.keys(entries).filter((name) => /^[^/]+\/data\.pkl$/.test(name));
  if (pickles.length !== 1) {
    throw failed(`checkpoint ZIP archive must hold exactly one <folder>/data.pkl, found ${pickles.length}`);
  }
  const prefix = (pickles[0] as string).slice(0, -'data.pkl'.length);
  return { prefix, entries };
}

/**
 * Reads every tensor of a `torch.save` checkpoint (SPEC section 3) without running any of its code:
 * only the globals a state dict needs are resolved, anything else is refused with `UNSAFE_CHECKPOINT`.
 * Returns the pickled top-level object with tensors in place (usually an OrderedDict).
 */
export function readCheckpointObject(bytes: Uint8Array): PickleValue {
  const { prefix, entries } = openZip(bytes);
  const byteorder = entries[`${prefix}byteorder`];
  if (byteorder && new TextDecoder().decode(byteorder).trim() !== 'little') {
    throw failed('checkpoint was saved on a big-endian machine; re-save it on a little-endian one');
  }
  const storages = new Map<string, StorageRef>();
  const persistentLoad = (pid: PickleValue): PickleValue => {
    if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) {
      throw new BlurgateError('UNSAFE_CHECKPOINT', 'checkpoint pickle has a persistent id that is not a torch storage; refusing to load it');
    }
    const [, type, key, , numel] = pid as PickleValue[];
    if (!(type instanceof StorageClass)) throw failed('checkpoint storage id does not name a torch storage class');
    if (typeof key !== 'string' || typeof numel !== 'number') throw failed('checkpoint storage id is malformed');
    const existing = storages.get(key);
    if (existing) return existing;
    const info = STORAGE_TYPES[type.name] as { dtype: TorchDtype; bytes: number };
    const data = entries[`${prefix}data/${key}`];
    if (!data) throw failed(`checkpoint storage ${prefix}data/${key} is missing from the archive`);
    if (data.length < numel * info.bytes) {
      throw failed(`checkpoint storage data/${key} holds ${data.length} bytes, ${numel} ${info.dtype} elements need ${numel * info.bytes}`);
    }
    const ref = new StorageRef(info.dtype, key, numel, data);
    storages.set(key, ref);
    return ref;
  };
  const pickle = entries[`${prefix}data.pkl`] as Uint8Array;
  return unwrapTensors(restrictedUnpickle(pickle, { resolveGlobal, persistentLoad }));
}

function unwrapTensors(value: PickleValue): PickleValue {
  if (value instanceof LoadedTensor) return value.tensor;
  if (value instanceof PickleDict) {
    const out = new PickleDict(value.pythonType);
    for (const [k, v] of value.entries) out.entries.set(k, unwrapTensors(v));
    return out;
  }
  return value;
}

function isTensor(v: PickleValue): v is CheckpointTensor {
  return typeof v === 'object' && v !== null && 'shape' in v && ('values' in v || 'integers' in v);
}

function tensorEntries(dict: PickleDict): Map<string, CheckpointTensor> | undefined {
  const out = new Map<string, CheckpointTensor>();
  for (const [k, v] of dict.entries) {
    if (typeof k !== 'string' || !isTensor(v)) return undefined;
    out.set(k, v);
  }
  return out.size > 0 ? out : undefined;
}

/**
 * Reads a `torch.save` checkpoint and returns its state dict: a plain `state_dict()`, or one wrapped as
 * `{"model_state_dict": ...}` / `{"state_dict": ...}`; a `module.` prefix (DataParallel) is removed.
 */
export function readCheckpoint(bytes: Uint8Array): StateDict {
  const top = readCheckpointObject(bytes);
  if (!(top instanceof PickleDict)) throw failed('checkpoint does not hold a dict of tensors (a state dict)');
  let tensors = tensorEntries(top);
  if (!tensors) {
    for (const wrapper of ['model_state_dict', 'state_dict', 'model']) {
      const inner = top.entries.get(wrapper);
      if (inner instanceof PickleDict) tensors = tensorEntries(inner);
      if (tensors) break;
    }
  }
  if (!tensors) {
    const keys = [...top.entries.keys()].filter((k) => typeof k === 'string').slice(0, 8);
    throw failed(
      `checkpoint holds no state dict: expected a dict of tensors, or one under "model_state_dict" or "state_dict" (top-level keys: ${keys.join(', ') || 'none'})`,
    );
  }
  const keys = [...tensors.keys()];
  if (keys.every((k) => k.startsWith('module.'))) {
    tensors = new Map([...tensors].map(([k, v]) => [k.slice('module.'.length), v]));
  }
  return tensors;
}
