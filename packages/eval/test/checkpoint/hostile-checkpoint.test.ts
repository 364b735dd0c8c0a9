import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BlurgateError } from '@blurgate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../src/checkpoint/index.js';
import { seededRandom } from '../../src/evaluation/index.js';
import {
  deepNesting,
  hugePickle,
  hugeUnrelatedEntry,
  lyingEntrySize,
  manyAppends,
  manyViewsOfOneStorage,
  negativeSize,
  oneHugeAppends,
  selfReference,
  storageShorterThanClaimed,
  strideZeroView,
  twoStrideZeroDims,
} from './hostile-checkpoints.js';

const MiB = 1024 * 1024;
const DIST = resolve(fileURLToPath(new URL('../../dist/index.js', import.meta.url)));
const FIXTURES = fileURLToPath(new URL('../fixtures/checkpoints/', import.meta.url));
const run = promisify(execFile);

function outcome(bytes: Uint8Array): { code: string; message: string } {
  try {
    readCheckpoint(bytes);
    return { code: 'OK', message: '' };
  } catch (error) {
    if (error instanceof BlurgateError) return { code: error.code, message: error.message };
    return { code: 'UNCODED', message: String((error as Error)?.stack ?? error) };
  }
}

/**
 * Reads each file in a fresh Node (the built reader) and returns its outcome and the child's peak RSS:
 * what a user's `blurgate-eval convert` would cost.
 */
async function readInChild(path: string): Promise<{ code: string; maxRssMiB: number }> {
  const script = `
    import { readFileSync } from 'node:fs';
    const { readCheckpoint } = await import(${JSON.stringify(DIST)});
    let code = 'OK';
    try { readCheckpoint(new Uint8Array(readFileSync(process.argv[1]))); } catch (e) { code = e?.code ?? 'UNCODED:' + e?.message; }
    process.stdout.write(JSON.stringify({ code, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
  `;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script, path], { timeout: 60_000 });
  return JSON.parse(stdout);
}

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'blurgate-hostile-ckpt-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('hostile checkpoints are refused with a code, in bounded memory (issue 16 rows 2, 3, 9)', () => {
  it.each([
    ['a stride-0 view of 2^30 floats', strideZeroView, 'UNSAFE_CHECKPOINT', /stride 0/],
    ['two stride-0 dimensions', twoStrideZeroDims, 'UNSAFE_CHECKPOINT', /stride 0/],
    [
      '600 views of one 1M-float storage',
      () => manyViewsOfOneStorage(600, 1_000_000),
      'CHECKPOINT_LIMIT',
      /tensors would take more than/,
    ],
    ['a data.pkl inflating to 100 MiB', () => hugePickle(100 * MiB), 'CHECKPOINT_LIMIT', /data\.pkl inflates to/],
    ['a dict that holds itself', selfReference, 'CONVERSION_FAILED', /holds itself/],
    ['5M APPENDs', () => manyAppends(5_000_000), 'CHECKPOINT_LIMIT', /more than 1000000 values/],
    ['one APPENDS of 2M items', () => oneHugeAppends(2_000_000), 'CHECKPOINT_LIMIT', /more than 1000000 values/],
    ['100000 nested lists', () => deepNesting(100_000), 'CHECKPOINT_LIMIT', /nests containers more than 64 deep/],
    ['a size of -5', negativeSize, 'UNSAFE_CHECKPOINT', /negative size/],
    [
      'a storage claiming more elements than its entry',
      storageShorterThanClaimed,
      'CONVERSION_FAILED',
      /holds 16 bytes/,
    ],
    [
      'an entry header claiming 1 GiB from 16 deflated bytes',
      () => lyingEntrySize(1024 * MiB),
      'UNSAFE_CHECKPOINT',
      /more than DEFLATE can/,
    ],
  ])('%s', (_, make, code, message) => {
    const got = outcome(make());
    expect(got.code).toBe(code);
    expect(got.message).toMatch(message);
  });

  it('reads a state dict beside a 64 MiB unrelated entry without inflating that entry', () => {
    const sd = readCheckpoint(hugeUnrelatedEntry(64 * MiB));
    expect([...sd.keys()]).toEqual(['w']);
  });

  it.skipIf(!existsSync(DIST))(
    'peak RSS of a fresh process reading each one stays under 200 MiB',
    async () => {
      const cases: Record<string, Uint8Array> = {
        'stride-zero': strideZeroView(),
        'many-views': manyViewsOfOneStorage(600, 1_000_000),
        'huge-pickle': hugePickle(200 * MiB),
        'unrelated-entry': hugeUnrelatedEntry(200 * MiB),
        'appends-5m': manyAppends(5_000_000),
      };
      const results: Record<string, { code: string; maxRssMiB: number }> = {};
      for (const [name, bytes] of Object.entries(cases)) {
        const path = join(dir, `${name}.pt`);
        await writeFile(path, bytes);
        results[name] = await readInChild(path);
      }
      expect(Object.fromEntries(Object.entries(results).map(([k, v]) => [k, v.code]))).toEqual({
        'stride-zero': 'UNSAFE_CHECKPOINT',
        'many-views': 'CHECKPOINT_LIMIT',
        'huge-pickle': 'CHECKPOINT_LIMIT',
        'unrelated-entry': 'OK',
        'appends-5m': 'CHECKPOINT_LIMIT',
      });
      // Node itself takes about 50 MiB; inflating either 200 MiB entry would pass 250.
      for (const [name, r] of Object.entries(results)) expect(r.maxRssMiB, name).toBeLessThan(200);
      console.log(
        'peak RSS (MiB) of a fresh process per hostile checkpoint:',
        JSON.stringify(Object.fromEntries(Object.entries(results).map(([k, v]) => [k, Math.round(v.maxRssMiB)]))),
      );
    },
    120_000,
  );
});

describe('fuzz: seeded mutations of a real checkpoint give a tensor dict or a coded refusal', () => {
  const original = new Uint8Array(readFileSync(`${FIXTURES}small.pt`));
  const random = seededRandom(16);
  const pick = (n: number): number => Math.floor(random() * n);
  /** One mutation: flip bytes, overwrite with boundary values, cut, or duplicate a slice. */
  const mutate = (): Uint8Array => {
    const bytes = original.slice();
    const kind = pick(4);
    if (kind === 0) {
      for (let i = 0, n = 1 + pick(16); i < n; i++) bytes[pick(bytes.length)] ^= 1 << pick(8);
      return bytes;
    }
    if (kind === 1) {
      const boundary = [0x00, 0xff, 0x7f, 0x80];
      for (let i = 0, n = 1 + pick(8); i < n; i++)
        bytes[pick(bytes.length)] = boundary[pick(boundary.length)] as number;
      return bytes;
    }
    if (kind === 2) return bytes.subarray(0, pick(bytes.length));
    const from = pick(bytes.length);
    const length = pick(4096);
    const at = pick(bytes.length);
    const out = new Uint8Array(bytes.length + length);
    out.set(bytes.subarray(0, at));
    out.set(bytes.subarray(from, from + length), at);
    out.set(bytes.subarray(at), at + length);
    return out;
  };

  it('300 mutations: no uncoded error, no crash', () => {
    const codes = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const got = outcome(mutate());
      expect(got.code, got.message).not.toBe('UNCODED');
      codes.set(got.code, (codes.get(got.code) ?? 0) + 1);
    }
    expect(codes.size).toBeGreaterThan(1);
  });
});
