import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BlurgateError } from '@blurgate/core';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../src/index.js';
import { runCli } from './cli-process.js';
import { IMAGES, TINY_4CH, withTempDir } from './helpers.js';

// Fuzz (issue 16): seeded mutations of real images of every accepted format. Each input must give
// exactly one result with a code, nothing may crash, and the CLI's peak RSS must stay bounded.

const SEEDS = [
  'china.jpg',
  'cmyk.jpg',
  'flower.png',
  'palette.png',
  'rgb16.png',
  'flower.webp',
  'flower.avif',
  'texture.tiff',
  'two-frames.gif',
];
const MUTANTS_PER_SEED = 24;
const KNOWN_CODES = new Set([
  'INVALID_IMAGE',
  'DECODE_FAILED',
  'IMAGE_TOO_LARGE',
  'INPUT_NOT_FOUND',
  'READ_FAILED',
  'UNSUPPORTED_FORMAT',
  'DECODE_TIMEOUT',
]);

/**
 * Deterministic numbers in [0, 1) from sha256(seed, counter), so a failure names a reproducible mutant.
 * (eval has a mulberry32 helper, but @blurgate/node cannot depend on @blurgate/eval.)
 */
function seededRandom(seed: number): () => number {
  let counter = 0;
  return () => createHash('sha256').update(`${seed}:${counter++}`).digest().readUInt32LE(0) / 2 ** 32;
}

/** One mutation of `original`: bit flips, boundary values, header-size bytes, a cut, or a repeated slice. */
function mutate(original: Buffer, random: () => number): Buffer {
  const pick = (n: number): number => Math.floor(random() * n);
  const bytes = Buffer.from(original);
  switch (pick(6)) {
    case 0:
      for (let i = 0, n = 1 + pick(12); i < n; i++) bytes[pick(bytes.length)] ^= 1 << pick(8);
      return bytes;
    case 1: {
      const values = [0x00, 0xff, 0x7f, 0x80, 0x01];
      for (let i = 0, n = 1 + pick(6); i < n; i++) bytes[pick(bytes.length)] = values[pick(values.length)] as number;
      return bytes;
    }
    case 2:
      // The first 64 bytes hold the sizes of most headers: make them large.
      for (let i = 0, n = 1 + pick(4); i < n; i++) bytes[8 + pick(Math.min(56, bytes.length - 8))] = 0xff - pick(16);
      return bytes;
    case 3:
      return bytes.subarray(0, 1 + pick(bytes.length - 1));
    case 4: {
      const from = pick(bytes.length);
      const slice = bytes.subarray(from, from + 1 + pick(2048));
      const at = pick(bytes.length);
      return Buffer.concat([bytes.subarray(0, at), slice, slice, bytes.subarray(at)]);
    }
    default: {
      const at = pick(bytes.length);
      return Buffer.concat([
        bytes.subarray(0, at),
        Buffer.alloc(1 + pick(64), pick(256)),
        bytes.subarray(at + pick(64)),
      ]);
    }
  }
}

async function mutants(): Promise<{ name: string; bytes: Buffer }[]> {
  const random = seededRandom(1616);
  const out: { name: string; bytes: Buffer }[] = [];
  for (const seed of SEEDS) {
    const original = await readFile(join(IMAGES, seed));
    for (let i = 0; i < MUTANTS_PER_SEED; i++)
      out.push({ name: `${String(i).padStart(2, '0')}-${seed}`, bytes: mutate(original, random) });
  }
  return out;
}

describe('fuzz: mutated images', () => {
  it(`${SEEDS.length * MUTANTS_PER_SEED} mutants through decodeImage: each decodes or fails with a coded, one-line ImageInputError`, async () => {
    for (const { name, bytes } of await mutants()) {
      try {
        const image = await decodeImage(bytes, { maxPixels: 16_000_000, timeoutSeconds: 10 });
        expect(image.width * image.height, name).toBeGreaterThan(0);
      } catch (error) {
        expect(error, name).toBeInstanceOf(BlurgateError);
        expect(KNOWN_CODES.has((error as BlurgateError).code), `${name}: ${(error as BlurgateError).code}`).toBe(true);
        expect((error as Error).message, name).not.toMatch(/\n/);
      }
    }
  }, 90_000);

  it('the CLI gives one coded JSON line per mutant, exits 0 or 1, and its peak RSS stays under 600 MiB', async () => {
    await withTempDir(async (dir) => {
      const all = await mutants();
      for (const { name, bytes } of all) await writeFile(join(dir, name), bytes);
      const run = await runCli(
        [
          'classify',
          '.',
          '--model',
          TINY_4CH,
          '--fast',
          '--json',
          '--max-pixels',
          '16000000',
          '--decode-timeout',
          '10',
          '--concurrency',
          '2',
        ],
        dir,
      );
      expect([0, 1], run.stderr).toContain(run.code);
      const records = run.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { file: string; status: string; error: { code: string } | null });
      expect(records.map((r) => r.file).sort()).toEqual(all.map((m) => m.name).sort());
      for (const r of records) {
        if (r.status === 'error')
          expect(KNOWN_CODES.has(r.error?.code ?? ''), `${r.file}: ${r.error?.code}`).toBe(true);
      }
      expect(run.maxRssMiB).toBeLessThan(600);
      console.log(
        `fuzz: ${records.filter((r) => r.status === 'ok').length}/${records.length} classified, peak RSS ${Math.round(run.maxRssMiB)} MiB`,
      );
    });
  }, 90_000);
});
