import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ClassifyResult } from '@blurgate/core';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createBlurGate, decodeImage, type ImageSource, fastDecodeSize } from '../src/index.js';
import { createPreparePool } from '../src/prepare-pool.js';
import { runCli } from './cli-process.js';
import { IMAGES, TINY_4CH, withTempDir } from './helpers.js';

// Every fixture photo, plus inputs that fail: one per failure kind.
const FIXTURES = readdirSync(IMAGES)
  .filter((name) => !name.endsWith('.md'))
  .sort()
  .map((name) => join(IMAGES, name));

async function all(gate: Awaited<ReturnType<typeof createBlurGate>>, inputs: ImageSource[], concurrency = 3) {
  const results: ClassifyResult<ImageSource>[] = [];
  for await (const result of gate.classifyMany(inputs, { concurrency })) results.push(result);
  return results;
}

describe('prepare pool (workers decode and preprocess, the model runs on the main thread)', () => {
  it('gives bit-identical results to the in-process path, in input order, with per-image failures as results', async () => {
    const inputs: ImageSource[] = [
      ...FIXTURES,
      join(IMAGES, 'missing.jpg'),
      new Uint8Array([1, 2, 3, 4]),
      readFileSync(join(IMAGES, 'flower.png')),
      { path: Buffer.from(join(IMAGES, 'china.jpg')), name: 'china by bytes' },
    ];
    for (const scales of [[384], [256, 320, 384, 448, 512]]) {
      const plain = await createBlurGate({ model: TINY_4CH, scales });
      const pooled = await createBlurGate({ model: TINY_4CH, scales, workers: 2 });
      const [a, b] = [await all(plain, inputs), await all(pooled, inputs)];
      await Promise.all([plain.dispose(), pooled.dispose()]);
      expect(b.map((r) => r.input)).toEqual(inputs);
      expect(b.map((r) => r.status)).toEqual(a.map((r) => r.status));
      expect(b.filter((r) => r.status === 'ok').length).toBeGreaterThanOrEqual(FIXTURES.length - 1);
      // toEqual on numbers is Object.is: probabilities are bit-equal, not close.
      expect(b).toEqual(a);
      const failures = b.filter((r) => r.status === 'error').map((r) => r.status === 'error' && r.error.code);
      expect(failures).toEqual(expect.arrayContaining(['INPUT_NOT_FOUND', 'DECODE_FAILED']));
    }
  });

  it('recycled inputs go back to a worker with the next task (transferred, not copied) and are refilled exactly', async () => {
    const pool = createPreparePool(1, {});
    try {
      const request = { scales: [256, 384], channels: 4 as const, minSide: 16, maxPixels: 50_000_000 };
      const china = join(IMAGES, 'china.jpg');
      const first = await pool.prepare(china, request);
      const expected = first.inputs.map((array) => array.slice());
      pool.recycle(first);
      // Another image in between: the recycled arrays are overwritten with its values, then with china's again.
      const flower = await pool.prepare(join(IMAGES, 'flower.png'), request);
      expect(first.inputs.map((array) => array.length)).toEqual([0, 0]);
      pool.recycle(flower);
      const again = await pool.prepare(china, request);
      expect(flower.inputs.map((array) => array.length)).toEqual([0, 0]);
      expect(again.inputs).toEqual(expected);
    } finally {
      await pool.close();
    }
  });

  it('abort ends a pooled batch with ABORTED', async () => {
    const gate = await createBlurGate({ model: TINY_4CH, fast: true, workers: 1 });
    const controller = new AbortController();
    const inputs = Array.from({ length: 40 }, () => join(IMAGES, 'china.jpg'));
    let seen = 0;
    await expect(
      (async () => {
        for await (const _ of gate.classifyMany(inputs, { concurrency: 2, signal: controller.signal })) {
          if (++seen === 2) controller.abort();
        }
      })(),
    ).rejects.toMatchObject({ code: 'ABORTED' });
    expect(seen).toBe(2);
    await gate.dispose();
    await expect(gate.classify(inputs[0])).rejects.toMatchObject({ code: 'DISPOSED' });
  });

  it('dispose during a pooled batch ends it with DISPOSED, not per-image failures', async () => {
    const gate = await createBlurGate({ model: TINY_4CH, scales: [256, 384, 512], workers: 1, concurrency: 4 });
    const inputs = Array.from({ length: 30 }, () => join(IMAGES, 'china.jpg'));
    const statuses: string[] = [];
    await expect(
      (async () => {
        for await (const result of gate.classifyMany(inputs)) {
          statuses.push(result.status);
          if (statuses.length === 1) void gate.dispose();
        }
      })(),
    ).rejects.toMatchObject({ code: 'DISPOSED' });
    expect(statuses.every((s) => s === 'ok')).toBe(true);
    await gate.dispose();
  });

  it('refuses a bad worker count', async () => {
    await expect(createBlurGate({ model: TINY_4CH, workers: -1 })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    await expect(createBlurGate({ model: TINY_4CH, inferenceThreads: 0 })).rejects.toMatchObject({
      code: 'INVALID_OPTION',
    });
  });

  it('dispose shuts the pool down: a process that uses it exits on its own', async () => {
    await withTempDir(async (dir) => {
      const script = join(dir, 'pool-exit.mjs');
      const entry = pathToFileURL(join(import.meta.dirname, '..', 'dist', 'index.js')).href;
      writeFileSync(
        script,
        `import { createBlurGate } from ${JSON.stringify(entry)};
const gate = await createBlurGate({ model: ${JSON.stringify(TINY_4CH)}, fast: true, workers: 2 });
const r = await gate.classify(${JSON.stringify(join(IMAGES, 'flower.png'))});
await gate.dispose();
console.log(r.label);
`,
      );
      const run = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 30_000 });
      expect(run.signal).toBeNull(); // not killed by the timeout: nothing kept the process alive
      expect(run.status).toBe(0);
      expect(run.stdout.trim()).toMatch(/^(sharp|blurred|uncertain)$/);
    });
  });
});

describe('fastDecode (JPEG shrink-on-load, opt-in)', () => {
  it('reduces the shorter side to 1.5 × the scale, only when it is at least 4.5 × the scale', () => {
    expect(fastDecodeSize(4000, 3000, 384)).toEqual({ width: 768, height: 576 });
    expect(fastDecodeSize(3000, 4000, 512)).toEqual({ width: 768, height: 1024 });
    expect(fastDecodeSize(4000, 3000, 768)).toBeNull();
    expect(fastDecodeSize(1600, 1067, 384)).toBeNull();
  });

  it('decodes a large JPEG smaller only when asked, and both paths classify it', async () => {
    await withTempDir(async (dir) => {
      const big = join(dir, 'big.jpg');
      await sharp(join(IMAGES, 'china.png')).resize(4000, 3000, { fit: 'fill' }).jpeg({ quality: 90 }).toFile(big);
      const exact = await decodeImage(big);
      const shrunk = await decodeImage(big, { shrinkOnLoadTo: 384 });
      expect([exact.width, exact.height]).toEqual([4000, 3000]);
      expect([shrunk.width, shrunk.height]).toEqual([768, 576]);
      // PNGs are never shrunk.
      const png = await decodeImage(join(IMAGES, 'china.png'), { shrinkOnLoadTo: 32 });
      expect(png.width).toBe((await decodeImage(join(IMAGES, 'china.png'))).width);
      for (const workers of [0, 1]) {
        const gate = await createBlurGate({ model: TINY_4CH, fast: true, fastDecode: true, workers });
        const result = await gate.classify(big);
        expect(result.probBlurred).toBeGreaterThanOrEqual(0);
        await gate.dispose();
      }
    });
  });
});

describe('CLI --workers, --session-thread and --fast-decode', () => {
  it('classify --workers 2 and --session-thread print the same JSON lines as the main-thread path and exit', async () => {
    const photos = ['china.jpg', 'flower.png', 'texture-blurred.png', 'exif-orientation-6.jpg'].map((n) =>
      join(IMAGES, n),
    );
    const base = ['classify', ...photos, '--json', '--fast', '--model', TINY_4CH, '--no-progress'];
    const plain = await runCli(base, IMAGES);
    const pooled = await runCli([...base, '--workers', '2'], IMAGES);
    const fast = await runCli([...base, '--workers', '1', '--fast-decode'], IMAGES);
    // The model on its own thread, TTA (the scales pipelined), with and without the pool: the same lines.
    const tta = base.filter((arg) => arg !== '--fast');
    const ttaPlain = await runCli(tta, IMAGES);
    const ttaThread = await runCli([...tta, '--session-thread'], IMAGES);
    const ttaBoth = await runCli([...tta, '--session-thread', '--workers', '1'], IMAGES);
    expect([plain.code, pooled.code, fast.code, ttaPlain.code, ttaThread.code, ttaBoth.code]).toEqual([
      0, 0, 0, 0, 0, 0,
    ]);
    expect(pooled.stdout).toBe(plain.stdout);
    expect(ttaThread.stdout).toBe(ttaPlain.stdout);
    expect(ttaBoth.stdout).toBe(ttaPlain.stdout);
    expect(ttaPlain.stdout).not.toBe(plain.stdout);
    expect(fast.stdout.trim().split('\n')).toHaveLength(photos.length);
    expect((await runCli([...base, '--workers', 'x'], IMAGES)).code).toBe(2);
  });
});
