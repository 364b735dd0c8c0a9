#!/usr/bin/env node
// Micro-benchmark of core's preprocessing alone (not a test): `prepare(image).modelInput(...)` on decoded photos
// (the fixture photo china.png resized by sharp to camera sizes, JPEG q90, decoded to RGB), single 384 and the five
// TTA scales, 4 channels, WebAssembly SIMD kernels. With `--baseline DIR` (a copy of an older build's
// packages/core/dist) the old and the current build run INTERLEAVED in one process (old, new, old, new, ...), so a
// loaded machine slows both alike; it prints medians and new/old ratios and checks both give the same bytes.
// Each timed call gives its inputs back to the preprocessor afterwards when it can (`recycle`), as classify() does.
//
//   node packages/node/bench/preprocess-ab.mjs [--baseline DIR] [--repeats 41] [--js]
//
// Make a baseline: build core at the old commit, then `cp -r packages/core/dist BASELINE_DIR`.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..', '..');
const currentDist = join(repo, 'packages/core/dist');

const { values: args } = parseArgs({
  options: {
    baseline: { type: 'string' },
    repeats: { type: 'string', default: '41' },
    js: { type: 'boolean', default: false },
  },
});
const repeats = Number(args.repeats);
const SIZES = [
  [640, 427],
  [1280, 720],
  [1600, 1067],
  [1920, 1080],
];
const TTA = [256, 320, 384, 448, 512];

/** A preprocessor from a core dist directory (its index.js and its kernels). */
async function preprocessorFrom(dist, wasm) {
  const core = await import(pathToFileURL(join(dist, 'index.js')).href);
  if (!wasm) return core.createPreprocessor();
  const bytes = new Uint8Array(readFileSync(join(dist, 'preprocess-kernels.wasm')));
  return core.createPreprocessor({ wasm: await core.instantiatePreprocessKernels(bytes, WebAssembly) });
}

const variants = [];
if (args.baseline) variants.push({ name: 'old', preprocessor: await preprocessorFrom(resolve(args.baseline), true) });
variants.push({ name: 'new', preprocessor: await preprocessorFrom(currentDist, true) });
if (args.js) variants.push({ name: 'js', preprocessor: await preprocessorFrom(currentDist, false) });

async function photo(width, height) {
  const jpeg = await sharp(join(repo, 'packages/node/test/fixtures/images/china.png'))
    .resize(width, height, { fit: 'fill' })
    .jpeg({ quality: 90 })
    .toBuffer();
  const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height, channels: 3 };
}

const modes = [
  { name: 'single 384', run: (p, image) => [p.prepare(image).modelInput(384, 4)] },
  {
    name: 'TTA 256-512',
    run: (p, image) => {
      const prepared = p.prepare(image);
      return TTA.map((s) => prepared.modelInput(s, 4));
    },
  },
];

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
};

console.log(`node ${process.version}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}, ${repeats} repeats`);
const header = ['image', 'mode', ...variants.map((v) => `${v.name} ms`)];
if (args.baseline) header.push('new/old');
console.log(header.join('\t'));
for (const [width, height] of SIZES) {
  const image = await photo(width, height);
  for (const mode of modes) {
    const times = variants.map(() => []);
    // Warm-up, and the outputs must agree (a faster kernel that changes a bit is no faster kernel).
    const outputs = variants.map((v) => mode.run(v.preprocessor, image));
    for (let o = 0; o < outputs[0].length; o++) {
      for (let v = 1; v < variants.length; v++) {
        const a = outputs[0][o];
        const b = outputs[v][o];
        const plane = a.length / 4;
        for (let i = 0; i < plane * 3; i++) {
          if (a[i] !== b[i]) throw new Error(`${variants[v].name} differs from ${variants[0].name} at ${i}`);
        }
      }
    }
    for (let r = 0; r < repeats; r++) {
      for (let v = 0; v < variants.length; v++) {
        // Alternate the order too, so neither variant always runs right after the other.
        const index = r % 2 === 0 ? v : variants.length - 1 - v;
        const { preprocessor } = variants[index];
        const start = performance.now();
        const inputs = mode.run(preprocessor, image);
        // What classify() does once the model has run: give the arrays back (builds without recycle allocate anew).
        if (preprocessor.recycle) for (const input of inputs) preprocessor.recycle(input);
        times[index].push(performance.now() - start);
      }
    }
    const medians = times.map(median);
    const row = [`${width}×${height}`, mode.name, ...medians.map((m) => m.toFixed(2))];
    if (args.baseline) row.push((medians[1] / medians[0]).toFixed(3));
    console.log(row.join('\t'));
  }
}
console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
