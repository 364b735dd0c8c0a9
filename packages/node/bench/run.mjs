#!/usr/bin/env node
// blurgate benchmark (not part of the tests): latency, throughput and where the time goes, for a
// full-size MobileNetV3-Large 4-channel model. Runs the built package (pnpm --filter @blurgate/node build).
//
//   pnpm --filter @blurgate/node bench [-- --model file.onnx] [--images dir] [--runs 5] [--files 16] [--reference]
//                                      [--large 8] [--rss-images 1000] [--cold-runs 5]
//
// First table: the issue-12 goals as ratios, in one run: the gate (core's classifier + preprocessing, WebAssembly
// SIMD kernels and, for comparison, the JS path) from decoded pixels against the model alone, single 384 and 5-scale
// TTA, 640×427 to 1920×1080; the gate from a 1600×1067 JPEG file (sharp decode + classify) against the model alone;
// with --reference, the PyTorch reference predictor (tools/reference/blurgate_reference.py via
// bench/reference_bench.py, /usr/bin/python3 with torch, 1 thread) on the same network and file.
// The model runs single-threaded for the ratios (intraOpNumThreads 1), as the browser's does in the web bench.
// Beside each gate figure: the same with the session on a thread of its own (sessionThread 'worker'), where the
// main thread builds the next TTA scale while the model runs; the classifyMany table has the same as a row.
//
// Without --model it uses packages/node/.cache/mnv3-large-4ch.onnx, written on first use by
// tools/fixtures/make_onnx_fixtures.py --bench-model (random weights: fine for timing, never a model).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, link, mkdir, readdir, readFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = resolve(here, '..');
if (!existsSync(join(pkg, 'dist', 'index.js'))) {
  console.error('build first: pnpm turbo run build --filter=@blurgate/node...');
  process.exit(2);
}
const { DEFAULT_SCALES, FAST_SCALES, createBlurClassifier, createPreprocessor } = await import('@blurgate/core');
const { createBlurGate, createOnnxRuntime, decodeImage, loadPreprocessKernels } = await import('../dist/index.js');
const repo = resolve(pkg, '..', '..');
const cache = join(pkg, '.cache');

const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    images: { type: 'string' },
    runs: { type: 'string', default: '5' },
    files: { type: 'string', default: '16' },
    reference: { type: 'boolean', default: false },
    large: { type: 'string', default: '8' },
    'rss-images': { type: 'string', default: '1000' },
    'cold-runs': { type: 'string', default: '5' },
  },
});
const runs = Number(args.runs);
const fileCount = Number(args.files);
const largeCount = Number(args.large);
const rssCount = Number(args['rss-images']);
const coldRuns = Number(args['cold-runs']);

async function benchModel() {
  if (args.model) return resolve(args.model);
  const path = join(cache, 'mnv3-large-4ch.onnx');
  if (!existsSync(path)) {
    console.error(`writing ${path} (full-size MobileNetV3-Large, random weights) with /usr/bin/python3 ...`);
    execFileSync('/usr/bin/python3', [join(repo, 'tools/fixtures/make_onnx_fixtures.py'), '--bench-model', path], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  return path;
}

/** Real photos at camera-like sizes: the two fixture photos resized, as JPEG. */
async function benchImages() {
  if (args.images) {
    const dir = resolve(args.images);
    return (await readdir(dir)).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).sort().map((f) => join(dir, f));
  }
  const dir = join(cache, 'bench-images');
  await mkdir(dir, { recursive: true });
  // The test fixtures (two CC BY 2.0 photos), never a package reserved for the model's independent check.
  const sources = [join(pkg, 'test/fixtures/images/china.png'), join(pkg, 'test/fixtures/images/flower.png')];
  const out = [];
  for (const [i, src] of sources.entries()) {
    for (const [w, h] of [
      [640, 427],
      [1280, 720],
      [1600, 1067],
      [1920, 1080],
    ]) {
      const file = join(dir, `photo${i}-${w}x${h}.jpg`);
      if (!existsSync(file)) await sharp(src).resize(w, h, { fit: 'fill' }).jpeg({ quality: 90 }).toFile(file);
      out.push(file);
    }
  }
  return out;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const fmt = (x) => x.toFixed(1).padStart(8);

function table(title, header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

/**
 * Median ms of `fn` over `runs` timed calls after three warm-ups (V8 compiles WebAssembly with its baseline compiler
 * first and optimises hot functions in the background: the first calls do not show the kernels' speed).
 */
async function timeIt(fn) {
  for (let i = 0; i < 3; i++) await fn();
  const times = [];
  for (let r = 0; r < runs; r++) {
    const t = process.hrtime.bigint();
    await fn();
    times.push(ms(t));
  }
  return median(times);
}

/** Medians of each of `fns` over `count` rounds in which every fn runs once, in turn (after three warm-up rounds). */
async function timeInterleaved(fns, count) {
  for (let i = 0; i < 3; i++) for (const fn of fns) await fn();
  const times = fns.map(() => []);
  for (let r = 0; r < count; r++) {
    for (const [i, fn] of fns.entries()) {
      const t = process.hrtime.bigint();
      await fn();
      times[i].push(ms(t));
    }
  }
  return times.map(median);
}

const ratio = (a, b) => `${(a / b).toFixed(2)}x`;
const sizeOf = (file) => (/(\d+x\d+)/.exec(file) ?? [null, file.split('/').pop()])[1];

/** The reference predictor's medians, or a reason it did not run. */
function referenceTimes(file) {
  if (!existsSync('/usr/bin/python3')) return { skipped: 'no /usr/bin/python3' };
  try {
    const out = execFileSync('/usr/bin/python3', [join(here, 'reference_bench.py'), file, '--runs', String(runs), '--threads', '1'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    return JSON.parse(out.trim().split('\n').pop());
  } catch (error) {
    return { skipped: `reference predictor failed: ${error.message.split('\n')[0]}` };
  }
}

/**
 * The issue-12 goals as ratios against the model alone, everything single-threaded (one onnxruntime thread, one
 * JS thread): the model alone is session.run on ready inputs; the gate is core's classifier with its preprocessor.
 */
async function goalRatios(modelPath, images) {
  const runtime = createOnnxRuntime({ intraOpNumThreads: 1 });
  const session = await runtime.loadModel(await readFile(modelPath));
  // The same model on a session thread of its own (sessionThread 'worker', 1 onnxruntime thread): the main thread
  // builds scale k+1 while scale k runs there, so TTA can hide preprocessing on a second core.
  const threaded = await createOnnxRuntime({ intraOpNumThreads: 1, sessionThread: 'worker' }).loadModel(await readFile(modelPath));
  const channels = session.inputChannels;
  const kernels = await loadPreprocessKernels();
  const fast = createPreprocessor({ wasm: kernels });
  const plain = createPreprocessor();
  console.log(`\npreprocessing backends: ${fast.backend} (kernels) and ${plain.backend}; onnxruntime 1 thread`);
  const rows = [];
  const photo0 = images.filter((f) => f.includes('photo0-'));
  const fileGoal = photo0.find((f) => f.includes('1600x1067'));
  const modelAlone = new Map();
  for (const [mode, scales] of [
    ['single 384', FAST_SCALES],
    ['TTA 5 scales', DEFAULT_SCALES],
  ]) {
    const inputs = scales.map((s) => [s, new Float32Array(channels * s * s).fill(0.1)]);
    const model = await timeIt(async () => {
      for (const [s, input] of inputs) await session.run(input, [1, channels, s, s]);
    });
    modelAlone.set(mode, model);
    const modelThreaded = await timeIt(async () => {
      for (const [s, input] of inputs) await threaded.run(input, [1, channels, s, s]);
    });
    const withKernels = createBlurClassifier(session, { scales, preprocessor: fast });
    const withJs = createBlurClassifier(session, { scales, preprocessor: plain });
    const onThread = createBlurClassifier(threaded, { scales, preprocessor: createPreprocessor({ wasm: kernels }) });
    for (const file of photo0) {
      const pixels = await decodeImage(file);
      const gate = await timeIt(() => withKernels.classify(pixels));
      const gateJs = await timeIt(() => withJs.classify(pixels));
      const gateThreaded = await timeIt(() => onThread.classify(pixels));
      rows.push([
        mode,
        sizeOf(file),
        fmt(model),
        fmt(gate),
        ratio(gate, model),
        '<= 1.25x',
        fmt(gateJs),
        ratio(gateJs, model),
        fmt(modelThreaded),
        fmt(gateThreaded),
        ratio(gateThreaded, model),
      ]);
    }
  }
  table(
    'Gate from decoded pixels vs the model alone (ms, median; 1 onnxruntime thread; "thread": the session on a thread of its own, sessionThread worker, ratio to the same model alone on the main thread)',
    ['mode', 'image', 'model', 'gate', 'gate/model', 'goal', 'gate (JS path)', 'JS/model', 'model (thread)', 'gate (thread)', 'thread/model'],
    rows,
  );
  await threaded.dispose();

  const fileRows = [];
  let fromFile = {};
  if (fileGoal) {
    for (const [mode, scales] of [
      ['single 384', FAST_SCALES],
      ['TTA 5 scales', DEFAULT_SCALES],
    ]) {
      const classifier = createBlurClassifier(session, { scales, preprocessor: fast });
      const inputs = scales.map((s) => [s, new Float32Array(channels * s * s).fill(0.1)]);
      let probBlurred = 0;
      // Interleaved (model, decode, gate, model, ...) and 4× the runs: a 5-run median of the file gate moved by
      // up to 40% between runs of this bench, and the model-alone figure taken minutes earlier drifts too.
      const [model, decode, total] = await timeInterleaved(
        [
          async () => {
            for (const [s, input] of inputs) await session.run(input, [1, channels, s, s]);
          },
          () => decodeImage(fileGoal),
          async () => {
            probBlurred = (await classifier.classify(await decodeImage(fileGoal))).probBlurred;
          },
        ],
        runs * 4,
      );
      fromFile[mode] = { total, probBlurred };
      fileRows.push([mode, sizeOf(fileGoal), fmt(model), fmt(decode), fmt(total), ratio(total, model), mode === 'single 384' ? '<= 1.6x' : '']);
    }
    table('Gate from the file (sharp decode + classify) vs the model alone (ms, median of 4 × runs, interleaved; 1 thread)', ['mode', 'image', 'model', 'decode', 'gate', 'gate/model', 'goal'], fileRows);
  }

  if (args.reference && fileGoal) {
    const ref = referenceTimes(fileGoal);
    if (ref.skipped) {
      console.log(`\nreference predictor: skipped (${ref.skipped})`);
    } else {
      const refRows = [
        ['single 384', ref.single_ms, ref.single_prob_blurred, fromFile['single 384']],
        ['TTA 5 scales', ref.tta_ms, ref.tta_prob_blurred, fromFile['TTA 5 scales']],
      ].map(([mode, refMs, refProb, ours]) => [
        mode,
        fmt(refMs),
        fmt(ours.total),
        `${(refMs / ours.total).toFixed(2)}x`,
        mode === 'TTA 5 scales' ? '>= 6x' : '',
        Math.abs(refProb - ours.probBlurred).toExponential(1),
      ]);
      table(
        `PyTorch reference predictor (torch ${ref.torch}, ${ref.threads} thread, Pillow decode) vs blurgate from the same ${sizeOf(fileGoal)} file`,
        ['mode', 'reference', 'blurgate', 'speed-up', 'goal', '|dp_blurred|'],
        refRows,
      );
    }
  }
  await session.dispose();
}

async function main() {
  const modelPath = await benchModel();
  const images = await benchImages();
  const runtime = createOnnxRuntime();
  console.log(`blurgate bench: ${runtime.name}, ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, node ${process.version}`);
  console.log(`model ${modelPath}; ${images.length} images; ${runs} timed runs per figure (median) after warm-ups (3 for the ratio tables, 1 for the split)`);
  await goalRatios(modelPath, images);

  // Where the time goes: decode (sharp), preprocessing (core: RGB, resize, normalise, FreqAux), inference (ORT).
  const session = await runtime.loadModel(await readFile(modelPath));
  const preprocessor = createPreprocessor({ wasm: await loadPreprocessKernels() });
  if (session.inputChannels !== 4) console.log(`note: the model takes ${session.inputChannels} channels`);
  const split = [];
  for (const [name, scales] of [
    ['single 384', FAST_SCALES],
    ['TTA 5 scales', DEFAULT_SCALES],
  ]) {
    for (const file of images) {
      const times = { decode: [], prep: [], infer: [] };
      for (let r = 0; r <= runs; r++) {
        let t = process.hrtime.bigint();
        const decoded = await decodeImage(file);
        const decode = ms(t);
        let infer = 0;
        t = process.hrtime.bigint();
        const prepared = preprocessor.prepare(decoded);
        let prep = ms(t);
        for (const s of scales) {
          t = process.hrtime.bigint();
          const input = prepared.modelInput(s, session.inputChannels);
          prep += ms(t);
          t = process.hrtime.bigint();
          await session.run(input, [1, session.inputChannels, s, s]);
          infer += ms(t);
        }
        if (r === 0) continue; // warm-up
        times.decode.push(decode);
        times.prep.push(prep);
        times.infer.push(infer);
      }
      const d = median(times.decode);
      const p = median(times.prep);
      const i = median(times.infer);
      const total = d + p + i;
      const pct = (x) => `${((100 * x) / total).toFixed(0)}%`;
      const [, size] = /(\d+x\d+)/.exec(file) ?? [null, file.split('/').pop()];
      split.push([name, size, fmt(total), fmt(d), fmt(p), fmt(i), pct(d), pct(p), pct(i)]);
    }
  }
  await session.dispose();
  table(
    `Per-image latency (ms, median) and share of time: decode (sharp) / preprocessing (core, ${preprocessor.backend}) / inference (onnxruntime-node, default threads)`,
    ['mode', 'image', 'total', 'decode', 'prep', 'infer', 'decode%', 'prep%', 'infer%'],
    split,
  );

  // End-to-end latency through the public API and throughput over a directory with classifyMany, as a ratio to the
  // model-alone rate (onnxruntime with the machine's threads, one image at a time on ready inputs): the goal is
  // >= 0.85x, i.e. decoding and preprocessing hidden beside inference. `workers` 0 preprocesses on the main thread
  // between runs (onnxruntime-node's run holds it; sharp decodes beside); 1 and 2 use the piscina prepare pool, with
  // onnxruntime on the remaining cores (createBlurGate's default) or, for comparison, on all of them.
  const dir = join(cache, 'bench-dir');
  await mkdir(dir, { recursive: true });
  const files = [];
  for (let k = 0; k < fileCount; k++) {
    const src = images[k % images.length];
    const dst = join(dir, `${String(k).padStart(3, '0')}-${src.split('/').pop()}`);
    if (!existsSync(dst)) await copyFile(src, dst);
    files.push(dst);
  }
  const rows = [];
  const cores = availableParallelism();
  for (const [name, opts, scales] of [
    ['single 384', { fast: true }, FAST_SCALES],
    // Explicit scales: a model whose manifest defaults to one scale would otherwise time single-scale twice.
    ['TTA 5 scales', { scales: DEFAULT_SCALES }, DEFAULT_SCALES],
  ]) {
    const modelRate = 1000 / (await modelAloneMs(modelPath, scales, cores));
    // The same model alone with only the row's onnxruntime threads: with workers on the other core, that is the
    // rate the split can reach at best (on 2 cores, decoding and preprocessing cannot be hidden beside a model
    // that already uses both cores: the ratio to the all-cores rate is bounded by the CPU time they take).
    const sameThreadRates = new Map();
    const modelRateAt = async (threads) => {
      if (!sameThreadRates.has(threads)) sameThreadRates.set(threads, 1000 / (await modelAloneMs(modelPath, scales, threads)));
      return sameThreadRates.get(threads);
    };
    // [workers, onnxruntime threads, session thread]: the default split (cores minus workers), 1 worker beside every
    // core, and the session on a thread of its own with 1 onnxruntime thread while the main thread decodes and
    // preprocesses beside it (its rate/same is against the model alone with 1 thread).
    for (const [workers, threads, sessionThread] of [
      [0, cores, 'main'],
      [1, Math.max(1, cores - 1), 'main'],
      [1, cores, 'main'],
      [2, Math.max(1, cores - 2), 'main'],
      [0, 1, 'worker'],
    ]) {
      const gate = await createBlurGate({ model: modelPath, workers, inferenceThreads: threads, sessionThread, ...opts });
      const lat = [];
      for (let r = 0; r <= runs; r++) {
        const t = process.hrtime.bigint();
        await gate.classify(images[r % images.length]);
        if (r > 0) lat.push(ms(t));
      }
      for (const concurrency of [1, 2, 4]) {
        for await (const _ of gate.classifyMany(files.slice(0, Math.min(files.length, 4 + workers)), { concurrency })) {
          // warm-up: the pool's workers compile their kernels
        }
        const t = process.hrtime.bigint();
        let n = 0;
        for await (const res of gate.classifyMany(files, { concurrency })) {
          if (res.status !== 'ok') throw new Error(`${res.input}: ${res.error.message}`);
          n++;
        }
        const seconds = ms(t) / 1000;
        const rate = n / seconds;
        const sameRate = await modelRateAt(threads);
        rows.push([name, sessionThread, workers, threads, concurrency, n, fmt(median(lat)), fmt(seconds * 1000), rate.toFixed(2), modelRate.toFixed(2), ratio(rate, modelRate), '>= 0.85x', sameRate.toFixed(2), ratio(rate, sameRate)]);
      }
      await gate.dispose();
    }
  }
  table(
    `createBlurGate: classify() latency and classifyMany() throughput over ${files.length} mixed-size JPEGs vs the model-alone rate (onnxruntime ${cores} threads, ready inputs)`,
    ['mode', 'session', 'workers', 'ort threads', 'in flight', 'images', 'classify ms', 'batch ms', 'images/s', 'model/s', 'rate/model', 'goal', 'model/s same threads', 'rate/same'],
    rows,
  );

  await fastDecodeTable(modelPath);
  await cliColdStart(modelPath);
  await cliPeakRss(modelPath);
}

/** Median ms of the model alone on ready inputs at `scales`, with `threads` onnxruntime threads. */
async function modelAloneMs(modelPath, scales, threads) {
  const session = await createOnnxRuntime({ intraOpNumThreads: threads }).loadModel(await readFile(modelPath));
  const inputs = scales.map((s) => [s, new Float32Array(session.inputChannels * s * s).fill(0.1)]);
  const t = await timeIt(async () => {
    for (const [s, input] of inputs) await session.run(input, [1, session.inputChannels, s, s]);
  });
  await session.dispose();
  return t;
}

/** JPEGs at `width × height` from the test fixture photos (upscaled, some mirrored or tiled), written once. */
async function fixturePhotos(dirName, count, sizes, quality = 90) {
  const sources = ['china.png', 'flower.png', 'texture.png', 'china-blurred.png', 'flower-blurred.png', 'texture-blurred.png'].map((f) =>
    join(pkg, 'test/fixtures/images', f),
  );
  const dir = join(cache, dirName);
  await mkdir(dir, { recursive: true });
  const out = [];
  for (let k = 0; k < count; k++) {
    const [w, h] = sizes[k % sizes.length];
    const file = join(dir, `${String(k).padStart(4, '0')}-${w}x${h}.jpg`);
    if (!existsSync(file)) {
      const src = sources[k % sources.length];
      let pipeline = sharp(src).resize(w, h, { fit: 'fill' });
      if ((k >> 1) % 2) pipeline = pipeline.flop();
      if ((k >> 2) % 2) pipeline = pipeline.modulate({ brightness: 0.85 + 0.05 * (k % 6) });
      await pipeline.jpeg({ quality }).toFile(file);
    }
    out.push(file);
  }
  return out;
}

/**
 * fastDecode (JPEG shrink-on-load) on large photos: its speed-up over the exact decode, and how often its label
 * agrees with the exact path's. Agreement needs a trained model: the installed default model when there is one,
 * else the bench model (random weights: then the agreement figure means little, and the table says so).
 */
async function fastDecodeTable(benchModelPath) {
  if (largeCount < 1) return;
  const photos = await fixturePhotos('large-photos', largeCount, [
    [4000, 3000],
    [3000, 4000],
    [4032, 3024],
  ], 92);
  let model = undefined;
  let modelNote = 'installed default model';
  try {
    await (await createBlurGate({ fast: true })).dispose();
  } catch {
    model = benchModelPath;
    modelNote = 'bench model, random weights: agreement not meaningful';
  }
  const rows = [];
  for (const [name, opts] of [
    ['single 384', { fast: true }],
    ['TTA 5 scales', { scales: DEFAULT_SCALES }],
  ]) {
    const results = {};
    for (const fastDecode of [false, true]) {
      const gate = await createBlurGate({ model, fastDecode, ...opts });
      await gate.classify(photos[0]);
      const t = process.hrtime.bigint();
      const out = [];
      for await (const res of gate.classifyMany(photos)) {
        if (res.status !== 'ok') throw new Error(`${res.input}: ${res.error.message}`);
        out.push(res);
      }
      results[fastDecode] = { ms: ms(t), out };
      await gate.dispose();
    }
    const exact = results.false;
    const fast = results.true;
    const agree = exact.out.filter((r, i) => r.label === fast.out[i].label).length;
    const maxDiff = Math.max(...exact.out.map((r, i) => Math.abs(r.probBlurred - fast.out[i].probBlurred)));
    rows.push([
      name,
      photos.length,
      fmt(exact.ms / photos.length),
      fmt(fast.ms / photos.length),
      ratio(exact.ms, fast.ms),
      `${agree}/${photos.length}`,
      maxDiff.toExponential(1),
    ]);
  }
  table(
    `fastDecode (JPEG shrink-on-load, opt-in) on ${photos.length} large photos (12 MP, from the test fixtures; ${modelNote}); ms per image through classifyMany`,
    ['mode', 'photos', 'exact ms', 'fast ms', 'speed-up', 'same label', 'max |dp_blurred|'],
    rows,
  );
}

/** Runs the built CLI once; returns wall ms to its exit and its peak RSS (MiB), from a preloaded exit hook. */
function runCli(args) {
  const reportRss = 'data:text/javascript,process.on("exit",()=>process.stderr.write("maxrss_kib="+process.resourceUsage().maxRSS+"\\n"))';
  const t = process.hrtime.bigint();
  const run = spawnSync(process.execPath, ['--import', reportRss, join(pkg, 'dist', 'cli.js'), ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const wall = ms(t);
  if (run.status !== 0) throw new Error(`blurgate ${args.join(' ')} exited ${run.status}: ${run.stderr.slice(-500)}`);
  const rss = Number((/maxrss_kib=(\d+)/.exec(run.stderr) ?? [null, 'NaN'])[1]) / 1024;
  return { wall, rss, lines: run.stdout.trim().split('\n').length };
}

/** CLI cold start: a new process classifying one sample, start to exit (the first and only result), median. */
async function cliColdStart(benchModelPath) {
  const sample = join(repo, 'samples', 'sharp-opencv_board_000.jpg');
  const rows = [];
  for (const [what, modelArgs] of [
    ['installed default model', []],
    [`--model ${benchModelPath.split('/').pop()}`, ['--model', benchModelPath]],
  ]) {
    const times = [];
    try {
      for (let r = 0; r < coldRuns; r++) times.push(runCli(['classify', sample, '--json', '--fast', '--no-progress', ...modelArgs]).wall);
    } catch (error) {
      rows.push([what, 'skipped', error.message.split('\n')[0].slice(0, 80)]);
      continue;
    }
    rows.push([what, fmt(median(times)), `${Math.min(...times).toFixed(1)}-${Math.max(...times).toFixed(1)}`]);
  }
  table(`CLI cold start to the first result: \`blurgate classify samples/${sample.split('/').pop()} --json --fast\` (ms, median of ${coldRuns})`, ['model', 'ms', 'range'], rows);
}

/** Peak RSS of `blurgate classify` on folders of 100 and N small JPEGs: it should stay flat as N grows. */
async function cliPeakRss(benchModelPath) {
  if (rssCount < 1) return;
  const sizes = [
    [640, 480],
    [800, 600],
    [1024, 768],
  ];
  const all = await fixturePhotos('rss-images', rssCount, sizes, 85);
  const rows = [];
  for (const n of [...new Set([Math.min(100, rssCount), rssCount])]) {
    // A folder holding exactly the first n images (hard links: no extra space).
    const dir = join(cache, `rss-folder-${n}`);
    await mkdir(dir, { recursive: true });
    for (const file of all.slice(0, n)) {
      const dst = join(dir, file.split('/').pop());
      if (!existsSync(dst)) await link(file, dst);
    }
    for (const workers of [0, 1]) {
      const { wall, rss, lines } = runCli(['classify', dir, '--json', '--fast', '--no-progress', '--model', benchModelPath, '--workers', String(workers)]);
      rows.push([n, workers, lines, fmt(rss), fmt(wall / 1000)]);
    }
  }
  table(`Peak RSS of \`blurgate classify DIR --json --fast --model ${benchModelPath.split('/').pop()}\` (640×480 to 1024×768 JPEGs)`, ['images', 'workers', 'results', 'peak RSS MiB', 'seconds'], rows);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
