import { zipSync } from 'fflate';

// Hostile torch.save archives for the hardening tests (issue 16, rows 2, 3 and 9): each is small on
// disk and would cost gigabytes, or crash, in a reader that trusts what the file claims.

const encoder = new TextEncoder();

/** Raw pickle opcodes, protocol 2. */
export class PickleBytes {
  private readonly parts: number[] = [0x80, 0x02];
  private readonly chunks: Uint8Array[] = [];
  op(...codes: number[]): this {
    this.parts.push(...codes);
    return this;
  }
  /** Appends a large run of bytes without spreading them into an argument list. */
  raw(bytes: Uint8Array): this {
    this.flush();
    this.chunks.push(bytes);
    return this;
  }
  global(module: string, name: string): this {
    return this.op(0x63, ...encoder.encode(`${module}\n${name}\n`));
  }
  str(s: string): this {
    const b = encoder.encode(s);
    return this.op(0x58, b.length & 0xff, (b.length >> 8) & 0xff, (b.length >> 16) & 0xff, b.length >>> 24, ...b);
  }
  int(n: number): this {
    return this.op(0x4a, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff);
  }
  tuple(values: readonly number[]): this {
    this.op(0x28);
    for (const v of values) this.int(v);
    return this.op(0x74);
  }
  /** `_rebuild_tensor_v2(storage key, offset, size, stride, False, OrderedDict())` on the stack. */
  tensor(key: string, numel: number, size: readonly number[], stride: readonly number[], offset = 0): this {
    this.global('torch._utils', '_rebuild_tensor_v2').op(0x28);
    this.op(0x28).str('storage').global('torch', 'FloatStorage').str(key).str('cpu').int(numel).op(0x74, 0x51);
    this.int(offset).tuple(size).tuple(stride);
    return this.op(0x89).global('collections', 'OrderedDict').op(0x29, 0x52, 0x74, 0x52);
  }
  bytes(): Uint8Array {
    this.flush();
    const all = [...this.chunks, new Uint8Array([0x2e])];
    const out = new Uint8Array(all.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of all) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
  private flush(): void {
    if (this.parts.length > 0) this.chunks.push(new Uint8Array(this.parts.splice(0)));
  }
}

/** `OrderedDict([(name, tensor), ...])` built by the callback, as torch.save writes it. */
export function stateDictPickle(fill: (p: PickleBytes) => void): Uint8Array {
  const p = new PickleBytes().global('collections', 'OrderedDict').op(0x29, 0x52, 0x28);
  fill(p);
  return p.op(0x75).bytes();
}

type Entry = Uint8Array | [Uint8Array, { level: 0 | 1 }];

/** A torch.save ZIP under `archive/`. */
export function archive(
  pickle: Entry,
  storages: Record<string, Entry> = {},
  extra: Record<string, Entry> = {},
): Uint8Array {
  const files: Record<string, Entry> = {
    'archive/data.pkl': pickle,
    'archive/byteorder': [encoder.encode('little'), { level: 0 }],
  };
  for (const [key, data] of Object.entries(storages)) files[`archive/data/${key}`] = data;
  return zipSync({ ...files, ...extra }, { level: 0 });
}

/** `n` zero bytes, deflated (about n/1000 bytes): zipSync stores it with `level: 1`. */
export function zeros(n: number): [Uint8Array, { level: 1 }] {
  return [new Uint8Array(n), { level: 1 }];
}

/** Row 2: one float, viewed as 2^30 floats with stride 0 (a few hundred bytes on disk). */
export function strideZeroView(): Uint8Array {
  return archive(
    stateDictPickle((p) => p.str('w').tensor('0', 1, [2 ** 30], [0])),
    { '0': new Uint8Array(4) },
  );
}

/** Row 2: two stride-0 dimensions. */
export function twoStrideZeroDims(): Uint8Array {
  return archive(
    stateDictPickle((p) => p.str('w').tensor('0', 1, [65536, 65536], [0, 0])),
    { '0': new Uint8Array(4) },
  );
}

/** Row 2: `views` full views of one storage of `numel` floats (the storage deflated: it is zeros). */
export function manyViewsOfOneStorage(views: number, numel: number): Uint8Array {
  return archive(
    stateDictPickle((p) => {
      for (let i = 0; i < views; i++) p.str(`w${i}`).tensor('0', numel, [numel], [1]);
    }),
    { '0': zeros(numel * 4) },
  );
}

/** Row 3: a `data.pkl` that inflates to `size` bytes (a valid pickle followed by zeros). */
export function hugePickle(size: number): Uint8Array {
  return archive(zeros(size));
}

/** Row 3: a valid one-tensor state dict beside an unrelated entry inflating to `size` bytes. */
export function hugeUnrelatedEntry(size: number): Uint8Array {
  return archive(
    stateDictPickle((p) => p.str('w').tensor('0', 4, [2, 2], [2, 1])),
    { '0': new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer) },
    { 'archive/unrelated.bin': zeros(size) },
  );
}

/** Row 9: a dict that holds itself. */
export function selfReference(): Uint8Array {
  // EMPTY_DICT, BINPUT 0, 'self', BINGET 0, SETITEM
  return archive(new PickleBytes().op(0x7d, 0x71, 0x00).str('self').op(0x68, 0x00, 0x73).bytes());
}

/** Row 9: a list with `n` APPENDs (protocol 2's way of building a long list). */
export function manyAppends(n: number): Uint8Array {
  const body = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) body.set([0x4b, i & 0xff, 0x61], i * 3); // BININT1 i, APPEND
  return archive(new PickleBytes().op(0x5d).raw(body).bytes());
}

/** Row 9: one APPENDS of `n` items (a spread of them overflows the call stack). */
export function oneHugeAppends(n: number): Uint8Array {
  const body = new Uint8Array(n * 2);
  for (let i = 0; i < n; i++) body.set([0x4b, i & 0xff], i * 2);
  return archive(new PickleBytes().op(0x5d, 0x28).raw(body).op(0x65).bytes());
}

/** Row 9: `depth` nested lists. */
export function deepNesting(depth: number): Uint8Array {
  const p = new PickleBytes();
  for (let i = 0; i < depth; i++) p.op(0x5d);
  for (let i = 0; i < depth - 1; i++) p.op(0x61);
  return archive(p.bytes());
}

/** Row 9: a tensor of size -5. */
export function negativeSize(): Uint8Array {
  return archive(
    stateDictPickle((p) => p.str('w').tensor('0', 4, [-5], [1])),
    { '0': new Uint8Array(16) },
  );
}

/** A storage that claims more elements than its entry holds. */
export function storageShorterThanClaimed(): Uint8Array {
  return archive(
    stateDictPickle((p) => p.str('w').tensor('0', 1_000_000, [4], [1])),
    { '0': new Uint8Array(16) },
  );
}

/**
 * A ZIP whose central directory says the storage inflates to `claimed` bytes while its deflate stream
 * holds 16: rewrites the central directory's uncompressed-size field of `archive/data/0`.
 */
export function lyingEntrySize(claimed: number): Uint8Array {
  const zip = archive(
    stateDictPickle((p) => p.str('w').tensor('0', 4, [4], [1])),
    { '0': [new Uint8Array(16), { level: 1 }] },
  );
  const name = encoder.encode('archive/data/0');
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  for (let at = 0; at + 46 < zip.length; at++) {
    if (view.getUint32(at, true) !== 0x02014b50) continue;
    const nameLength = view.getUint16(at + 28, true);
    const entryName = zip.subarray(at + 46, at + 46 + nameLength);
    if (entryName.length === name.length && entryName.every((b, i) => b === name[i])) {
      view.setUint32(at + 24, claimed, true);
      return zip;
    }
  }
  throw new Error('central directory entry not found');
}
