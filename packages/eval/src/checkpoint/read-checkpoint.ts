import { BlurgateError } from '@blurgate/core';
import { unzipSync } from 'fflate';
import { type CheckpointLimits, DEFAULT_CHECKPOINT_LIMITS, checkpointLimit } from './checkpoint-limits.js';
import { type PickleCallable, PickleDict, type PickleValue, restrictedUnpickle } from './restricted-unpickler.js';
import { STORAGE_TYPES, decodeFloatStorage, decodeIntegerStorage, isFloatingDtype } from './storage-decode.js';
import { type CheckpointTensor, type StateDict, type TorchDtype, elementCount, formatShape } from './tensor.js';

/**
 * A storage named by a persistent id. Its bytes are inflated after the pickle is read (only the
 * storages the pickle references are inflated), decoded on first use, and shared by the tensors
 * that view it.
 */
class StorageRef {
  private floats: Float32Array | undefined;
  private ints: BigInt64Array | undefined;
  bytes: Uint8Array | undefined;
  constructor(
    readonly dtype: TorchDtype,
    readonly key: string,
    readonly numel: number,
    /** Bytes per element as stored. */
    readonly elementBytes: number,
  ) {}
  private data(): Uint8Array {
    if (!this.bytes) throw failed(`checkpoint storage data/${this.key} was not read`);
    return this.bytes;
  }
  floatData(): Float32Array {
    this.floats ??= decodeFloatStorage(this.data(), this.dtype, this.numel);
    return this.floats;
  }
  integerData(): BigInt64Array {
    this.ints ??= decodeIntegerStorage(this.data(), this.dtype, this.numel);
    return this.ints;
  }
  /** Bytes this storage takes once decoded (float32 or int64 elements). */
  get decodedBytes(): number {
    return this.numel * (isFloatingDtype(this.dtype) ? 4 : 8);
  }
}

/** A tensor view checked against its storage; its values are copied out after the storages are read. */
interface TensorView {
  readonly storage: StorageRef;
  readonly offset: number;
  readonly size: readonly number[];
  readonly stride: readonly number[];
}

/** Marks the tensors `_rebuild_tensor_v2` made, so a state dict can tell them from other values. */
class LoadedTensor {
  private built: CheckpointTensor | undefined;
  constructor(readonly view: TensorView) {}
  get tensor(): CheckpointTensor {
    this.built ??= materialize(this.view);
    return this.built;
  }
}

function failed(message: string): BlurgateError {
  return new BlurgateError('CONVERSION_FAILED', message);
}

function unsafeView(message: string): BlurgateError {
  return new BlurgateError('UNSAFE_CHECKPOINT', message);
}

function asIntList(v: PickleValue, what: string): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isSafeInteger(x))) {
    throw failed(`checkpoint tensor ${what} is not a tuple of integers`);
  }
  return v as number[];
}

/**
 * Checks a view `(offset, size, stride)` of a storage of `numel` elements before anything is
 * allocated for it: sizes and strides are non-negative, no dimension longer than 1 has stride 0 (so
 * the view never has more elements than its storage), and every element it touches lies inside the
 * storage. Returns the view's element count.
 */
function checkView(numel: number, offset: number, size: readonly number[], stride: readonly number[]): number {
  const describe = (): string =>
    `checkpoint tensor view (offset ${offset}, size ${formatShape(size)}, stride ${stride.join(',')})`;
  if (!Number.isSafeInteger(offset) || offset < 0) throw unsafeView(`${describe()} has a negative or invalid offset`);
  if (size.some((d) => d < 0)) throw unsafeView(`${describe()} has a negative size`);
  if (stride.some((s) => s < 0)) throw unsafeView(`${describe()} has a negative stride`);
  if (size.some((d, i) => d > 1 && stride[i] === 0)) {
    throw unsafeView(`${describe()} repeats elements (stride 0 on a dimension longer than 1); a state dict never does`);
  }
  let n = 1;
  for (const d of size) {
    n *= d;
    if (n > numel && n !== 0) break;
  }
  if (n === 0 || size.includes(0)) return 0;
  let last = offset;
  for (let d = 0; d < size.length; d++) last += ((size[d] as number) - 1) * (stride[d] as number);
  if (n > numel || !Number.isSafeInteger(last) || last >= numel) {
    throw unsafeView(`${describe()} lies outside its storage of ${numel} elements`);
  }
  return n;
}

/** Copies a checked strided view of a storage into a contiguous array. */
function gather<T extends Float32Array | BigInt64Array>(source: T, make: (n: number) => T, view: TensorView): T {
  const { offset, size, stride } = view;
  const n = elementCount(size);
  const out = make(n);
  if (n === 0) return out;
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

function materialize(view: TensorView): CheckpointTensor {
  const { storage, size } = view;
  const shape = Object.freeze([...size]);
  const dtype = storage.dtype;
  if (isFloatingDtype(dtype)) {
    return { dtype, shape, values: gather(storage.floatData(), (n) => new Float32Array(n), view) };
  }
  const integers = gather(storage.integerData(), (n) => new BigInt64Array(n), view);
  return { dtype: dtype as Exclude<TorchDtype, 'float32' | 'float64' | 'float16' | 'bfloat16'>, shape, integers };
}

/** Counts what the tensors of one checkpoint will take once built, against `maxTensorBytes`. */
class TensorBudget {
  private used = 0;
  private readonly decoded = new Set<StorageRef>();
  constructor(private readonly max: number) {}
  add(view: TensorView, elements: number): void {
    if (!this.decoded.has(view.storage)) {
      this.decoded.add(view.storage);
      this.used += view.storage.decodedBytes;
    }
    this.used += elements * (isFloatingDtype(view.storage.dtype) ? 4 : 8);
    if (this.used > this.max) {
      throw checkpointLimit(
        `its tensors would take more than ${this.max} bytes once decoded (views sharing storages count once each)`,
      );
    }
  }
}

function rebuildTensor(budget: TensorBudget, args: readonly PickleValue[]): LoadedTensor {
  const [storage, offset, sizeValue, strideValue] = args;
  if (!(storage instanceof StorageRef)) throw failed('checkpoint tensor is not backed by a storage');
  if (typeof offset !== 'number') throw failed('checkpoint tensor offset is not an integer');
  const size = asIntList(sizeValue ?? null, 'size');
  const stride = asIntList(strideValue ?? null, 'stride');
  if (size.length !== stride.length) throw failed('checkpoint tensor size and stride differ in length');
  const view: TensorView = { storage, offset, size: Object.freeze([...size]), stride: Object.freeze([...stride]) };
  budget.add(view, checkView(storage.numel, offset, size, stride));
  return new LoadedTensor(view);
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
function whitelist(budget: TensorBudget): (module: string, name: string) => PickleCallable | undefined {
  const rebuild = callable('torch._utils._rebuild_tensor_v2', (args) => rebuildTensor(budget, args));
  return (module, name) => {
    if (module === 'collections' && name === 'OrderedDict') return ORDERED_DICT;
    if (module === 'torch._utils' && name === '_rebuild_tensor_v2') return rebuild;
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
          throw new BlurgateError(
            'UNSAFE_CHECKPOINT',
            `checkpoint pickle calls torch.${name}; refusing to load an untrusted checkpoint`,
          );
        },
      });
    }
    return undefined;
  };
}

/** One entry of the ZIP's central directory, as it declares itself. */
interface ZipEntry {
  readonly name: string;
  readonly size: number;
  readonly originalSize: number;
}

/**
 * A torch.save ZIP archive, read entry by entry: nothing is inflated until asked for, and each entry
 * is checked against the caps by its declared size before inflating (fflate inflates into a buffer
 * of exactly the declared size, so a lying header cannot make it grow).
 */
class CheckpointZip {
  readonly prefix: string;
  private readonly entries = new Map<string, ZipEntry>();
  private inflated = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly limits: CheckpointLimits,
  ) {
    const isZip = bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
    if (!isZip) {
      const legacy = bytes.length > 2 && bytes[0] === 0x80;
      throw failed(
        legacy
          ? 'this is a legacy (pre-1.6, non-ZIP) torch.save file, which blurgate does not read; re-save it with PyTorch >= 1.6: torch.save(torch.load(path), path)'
          : 'not a PyTorch checkpoint: expected a torch.save ZIP archive (a .pt file beginning with "PK")',
      );
    }
    this.unzip((entry) => {
      if (this.entries.size >= limits.maxZipEntries)
        throw checkpointLimit(`its ZIP archive has more than ${limits.maxZipEntries} entries`);
      this.entries.set(entry.name, entry);
      return false;
    });
    const pickles = [...this.entries.keys()].filter((name) => /^[^/]+\/data\.pkl$/.test(name));
    if (pickles.length !== 1) {
      throw failed(`checkpoint ZIP archive must hold exactly one <folder>/data.pkl, found ${pickles.length}`);
    }
    this.prefix = (pickles[0] as string).slice(0, -'data.pkl'.length);
  }

  has(name: string): boolean {
    return this.entries.has(`${this.prefix}${name}`);
  }

  /** Declared inflated size of an entry (under the archive's folder). */
  declaredSize(name: string): number | undefined {
    return this.entries.get(`${this.prefix}${name}`)?.originalSize;
  }

  /** Inflates the named entries (under the archive's folder), each within `maxEach` bytes and all within the total cap. */
  read(names: readonly string[], maxEach: number): Map<string, Uint8Array> {
    const wanted = new Set(names.map((n) => `${this.prefix}${n}`));
    const found = this.unzip((entry) => {
      if (!wanted.has(entry.name)) return false;
      const size = Math.max(entry.size, entry.originalSize);
      // DEFLATE cannot expand more than 1032:1; a header claiming more lies, and would make us allocate it.
      if (entry.originalSize > entry.size * 1032 + 1024) {
        throw new BlurgateError(
          'UNSAFE_CHECKPOINT',
          `checkpoint ZIP entry ${entry.name} claims to inflate ${entry.size} bytes to ${entry.originalSize}, more than DEFLATE can`,
        );
      }
      if (size > maxEach)
        throw checkpointLimit(`its entry ${entry.name} inflates to ${size} bytes, over the limit of ${maxEach}`);
      this.inflated += size;
      if (this.inflated > this.limits.maxInflatedBytes) {
        throw checkpointLimit(`its entries inflate to more than ${this.limits.maxInflatedBytes} bytes in total`);
      }
      return true;
    });
    const out = new Map<string, Uint8Array>();
    for (const [name, data] of Object.entries(found)) out.set(name.slice(this.prefix.length), data);
    return out;
  }

  private unzip(filter: (entry: ZipEntry) => boolean): Record<string, Uint8Array> {
    try {
      return unzipSync(this.bytes, {
        filter: (f) => filter({ name: f.name, size: f.size, originalSize: f.originalSize }),
      });
    } catch (cause) {
      if (cause instanceof BlurgateError) throw cause;
      throw new BlurgateError(
        'CONVERSION_FAILED',
        `checkpoint ZIP archive is unreadable: ${(cause as Error).message}`,
        { cause },
      );
    }
  }
}

/**
 * Reads every tensor of a `torch.save` checkpoint (SPEC section 3) without running any of its code:
 * only the globals a state dict needs are resolved, anything else is refused with `UNSAFE_CHECKPOINT`.
 * Memory is bounded by `limits` (see {@link CheckpointLimits}): only `data.pkl` and the storages it
 * references are inflated, and every tensor view is checked against its storage before anything is
 * allocated for it.
 *
 * @param bytes the checkpoint file's bytes
 * @param limits caps on what reading may cost; each defaults to {@link DEFAULT_CHECKPOINT_LIMITS}
 * @returns the pickled top-level object with tensors in place (usually an OrderedDict)
 * @throws {BlurgateError} `UNSAFE_CHECKPOINT` (a global outside the whitelist, an impossible view),
 *   `CHECKPOINT_LIMIT` (a cap exceeded) or `CONVERSION_FAILED` (not a readable checkpoint)
 * @example
 * const top = readCheckpointObject(new Uint8Array(await readFile('best.pt')));
 */
export function readCheckpointObject(bytes: Uint8Array, limits: Partial<CheckpointLimits> = {}): PickleValue {
  try {
    return readObject(bytes, limits);
  } catch (error) {
    if (error instanceof BlurgateError) throw error;
    throw new BlurgateError(
      'CONVERSION_FAILED',
      `checkpoint is unreadable: ${String((error as Error)?.message ?? error)}`,
      { cause: error },
    );
  }
}

function readObject(bytes: Uint8Array, limits: Partial<CheckpointLimits>): PickleValue {
  const caps: CheckpointLimits = { ...DEFAULT_CHECKPOINT_LIMITS, ...limits };
  const zip = new CheckpointZip(bytes, caps);
  const head = zip.read(['byteorder', 'data.pkl'], caps.maxPickleBytes);
  const byteorder = head.get('byteorder');
  if (byteorder && new TextDecoder().decode(byteorder).trim() !== 'little') {
    throw failed('checkpoint was saved on a big-endian machine; re-save it on a little-endian one');
  }
  const storages = new Map<string, StorageRef>();
  const persistentLoad = (pid: PickleValue): PickleValue => {
    if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) {
      throw new BlurgateError(
        'UNSAFE_CHECKPOINT',
        'checkpoint pickle has a persistent id that is not a torch storage; refusing to load it',
      );
    }
    const [, type, key, , numel] = pid as PickleValue[];
    if (!(type instanceof StorageClass)) throw failed('checkpoint storage id does not name a torch storage class');
    if (typeof key !== 'string' || typeof numel !== 'number') throw failed('checkpoint storage id is malformed');
    const existing = storages.get(key);
    if (existing) return existing;
    const info = STORAGE_TYPES[type.name] as { dtype: TorchDtype; bytes: number };
    if (!Number.isSafeInteger(numel) || numel < 0)
      throw unsafeView(`checkpoint storage data/${key} declares ${numel} elements`);
    const declared = zip.declaredSize(`data/${key}`);
    if (declared === undefined) throw failed(`checkpoint storage ${zip.prefix}data/${key} is missing from the archive`);
    if (declared < numel * info.bytes) {
      throw failed(
        `checkpoint storage data/${key} holds ${declared} bytes, ${numel} ${info.dtype} elements need ${numel * info.bytes}`,
      );
    }
    const ref = new StorageRef(info.dtype, key, numel, info.bytes);
    storages.set(key, ref);
    return ref;
  };
  const pickle = head.get('data.pkl') as Uint8Array;
  const budget = new TensorBudget(caps.maxTensorBytes);
  const top = restrictedUnpickle(pickle, {
    resolveGlobal: whitelist(budget),
    persistentLoad,
    maxItems: caps.maxPickleItems,
    maxDepth: caps.maxPickleDepth,
  });
  // Only now, and only the storages the pickle referenced, are inflated.
  const data = zip.read(
    [...storages.keys()].map((key) => `data/${key}`),
    caps.maxInflatedBytes,
  );
  for (const [key, ref] of storages) {
    const bytesOf = data.get(`data/${key}`);
    if (!bytesOf || bytesOf.length < ref.numel * ref.elementBytes) {
      throw failed(`checkpoint storage data/${key} is shorter than its ${ref.numel} elements`);
    }
    ref.bytes = bytesOf;
  }
  return unwrapTensors(top);
}

/** Replaces the tensors in dicts by their values; iterative, and a dict reached twice (or holding itself) is copied once. */
function unwrapTensors(value: PickleValue): PickleValue {
  if (value instanceof LoadedTensor) return value.tensor;
  if (!(value instanceof PickleDict)) return value;
  const copies = new Map<PickleDict, PickleDict>();
  const copyOf = (dict: PickleDict): PickleDict => {
    let copy = copies.get(dict);
    if (!copy) {
      copy = new PickleDict(dict.pythonType);
      copies.set(dict, copy);
      pending.push(dict);
    }
    return copy;
  };
  const pending: PickleDict[] = [];
  const root = copyOf(value);
  for (let dict = pending.pop(); dict; dict = pending.pop()) {
    const copy = copies.get(dict) as PickleDict;
    for (const [k, v] of dict.entries) {
      copy.entries.set(k, v instanceof LoadedTensor ? v.tensor : v instanceof PickleDict ? copyOf(v) : v);
    }
  }
  return root;
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
export function readCheckpoint(bytes: Uint8Array, limits: Partial<CheckpointLimits> = {}): StateDict {
  const top = readCheckpointObject(bytes, limits);
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
