#!/usr/bin/env node
// Per-image latency of @blurgate/web in headless Chromium (WASM; threads off, and on via COOP/COEP)
// beside @blurgate/node (onnxruntime single-threaded) in the same run, single-scale (384) and 5-scale TTA.
// Second table: the same pipeline composed from core in both (decode, createBlurClassifier with the WebAssembly SIMD
// preprocessing kernels, one model thread), the network alone and the preprocessing alone, browser against node, one
// row per browser and execution provider: Debian's Chromium on WASM, and when a Chromium with a WebNN backend is at
// hand (the @sparticuz/chromium devDependency, or BLURGATE_WEBNN_CHROMIUM; Debian's build has none), that browser on
// WASM and on WebNN's CPU device. Each row times node right before the browser, so its ratios compare neighbours.
// Not part of the tests.
//
//   node packages/web/bench/run.mjs [--model path.onnx] [--image path.png] [--runs 5] [--threads N]
//
// Needs built dist of core, node and web (`pnpm turbo run build --filter=@blurgate/web...`) and /usr/bin/chromium.
// Default model: the full-size MobileNetV3-Large 4-channel ONNX with random weights that @blurgate/node's bench
// uses (fine for timing, never a model), written on first use by tools/fixtures/make_onnx_fixtures.py --bench-model.
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readFile } from 'node:fs/promises';
import { createBlurClassifier, createPreprocessor, DEFAULT_SCALES, FAST_SCALES } from '@blurgate/core';
import { createBlurGate, createOnnxRuntime, decodeImage, loadPreprocessKernels } from '@blurgate/node';
import { chromium } from 'playwright-core';
import { findWebNNChromium, WEBNN_CHROMIUM_FLAGS } from '../test/support/webnn-chromium.mjs';

const WEB = fileURLToPath(new URL('../', import.meta.url));
const REPO = path.resolve(WEB, '../..');
const CHROMIUM = process.env.BLURGATE_CHROMIUM ?? '/usr/bin/chromium';
const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    image: { type: 'string', default: path.join(REPO, 'packages/node/test/fixtures/images/china.png') },
    runs: { type: 'string', default: '5' },
    threads: { type: 'string', default: String(Math.min(4, availableParallelism())) },
  },
});
const runs = Number(args.runs);
const threads = Number(args.threads);
const model = args.model ?? benchModel();
const image = path.resolve(args.image);
for (const file of [model, image]) if (!file.startsWith(REPO + path.sep)) throw new Error(`${file}: must be inside the repository (it is served to the browser)`);
if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}: apt-get install chromium`);

/** The full-size random-weight model @blurgate/node's bench uses (same script, same seed), written on first use. */
function benchModel() {
  const candidates = [path.join(REPO, 'packages/node/.cache/mnv3-large-4ch.onnx'), path.join(WEB, '.cache/mnv3-large-4ch.onnx')];
  const found = candidates.find(existsSync);
  if (found) return found;
  if (existsSync('/usr/bin/python3')) {
    console.error(`writing ${candidates[1]} (full-size MobileNetV3-Large, random weights) with /usr/bin/python3 ...`);
    mkdirSync(path.dirname(candidates[1]), { recursive: true });
    execFileSync('/usr/bin/python3', [path.join(REPO, 'tools/fixtures/make_onnx_fixtures.py'), '--bench-model', candidates[1]], { stdio: 'inherit' });
    return candidates[1];
  }
  console.error('no full-size bench model and no /usr/bin/python3 to write one: timing the tiny test model instead');
  return path.join(REPO, 'packages/node/test/fixtures/models/tiny-4ch.onnx');
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };

/** A static server for the repo on 127.0.0.1, with COOP/COEP when `isolated` (cross-origin isolation -> WASM threads). */
function serve(isolated) {
  const server = createServer((request, response) => {
    const headers = { 'Cache-Control': 'no-store' };
    if (isolated) Object.assign(headers, { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' });
    const file = path.join(REPO, path.normalize(decodeURIComponent(new URL(request.url, 'http://x').pathname)));
    if (!file.startsWith(REPO + path.sep) || !existsSync(file) || !statSync(file).isFile()) return response.writeHead(404, headers).end();
    response.writeHead(200, { ...headers, 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(response);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * Median ms of `fn` over `runs` calls after three warm-ups (V8 compiles WebAssembly with its baseline compiler
 * first and optimises hot functions in the background: the first calls do not show the kernels' speed).
 */
async function timeMedian(fn) {
  for (let i = 0; i < 3; i++) await fn();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return median(times);
}

async function benchNode(fast) {
  const gate = await createBlurGate({ model, fast, runtime: createOnnxRuntime({ intraOpNumThreads: 1 }) });
  const ms = await timeMedian(() => gate.classify(image));
  await gate.dispose();
  return ms;
}

/** Opens the harness page on a fresh local server (COOP/COEP when `isolated`), runs `fn(page)`, closes both. */
async function withHarnessPage(context, isolated, fn) {
  const server = await serve(isolated);
  const url = `http://127.0.0.1:${server.address().port}`;
  const page = await context.newPage();
  try {
    await page.goto(`${url}/packages/web/test/harness.html`);
    await page.waitForFunction(() => 'blurgate' in globalThis);
    // The in-page twin of timeMedian, and measurePipeline by its source (functions cannot cross into page.evaluate).
    await page.evaluate(`globalThis.measurePipeline = ${measurePipeline.toString()}`);
    await page.evaluate(() => {
      globalThis.timeMedian = async (fn, runs) => {
        for (let i = 0; i < 3; i++) await fn();
        const times = [];
        for (let i = 0; i < runs; i++) {
          const start = performance.now();
          await fn();
          times.push(performance.now() - start);
        }
        return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
      };
    });
    return await fn(page);
  } finally {
    await page.close();
    server.closeAllConnections();
    server.close();
  }
}

const pageArgs = () => ({ modelUrl: `/${path.relative(REPO, model)}`, imageUrl: `/${path.relative(REPO, image)}`, runs });

async function benchBrowser(context, isolated, fast) {
  return withHarnessPage(context, isolated, (page) =>
    page.evaluate(
      async ({ modelUrl, imageUrl, fast, runs, threads }) => {
        const { web } = globalThis.blurgate;
        const runtime = web.createWebRuntime({ wasmPaths: '/packages/web/node_modules/onnxruntime-web/dist/', numThreads: threads });
        const gate = await web.createBlurGate({ model: modelUrl, runtime, fast });
        const blob = await (await fetch(imageUrl)).blob();
        const ms = await globalThis.timeMedian(() => gate.classify(blob), runs);
        await gate.dispose();
        return { ms, threads: runtime.threads, isolated: crossOriginIsolated };
      },
      { ...pageArgs(), fast, threads },
    ),
  );
}

/**
 * Median ms of decode + classify, of the network alone (`session.run` on the prepared inputs, all scales) and of the
 * preprocessing alone (all scales), for one pipeline. Runs in node and, by its source, in the page: keep it
 * self-contained.
 */
async function measurePipeline(decode, classifier, session, preprocessor, scales, channels, time) {
  const pixels = await decode();
  const prepared = preprocessor.prepare(pixels);
  const inputs = scales.map((s) => [prepared.modelInput(s, channels), [1, channels, s, s]]);
  return {
    gate: await time(async () => classifier.classify(await decode())),
    model: await time(async () => {
      for (const [input, dims] of inputs) await session.run(input, dims);
    }),
    prep: await time(() => {
      const prepared = preprocessor.prepare(pixels);
      for (const s of scales) prepared.modelInput(s, channels);
    }),
    backend: preprocessor.backend,
  };
}

/** Median ms of decode + classify with core's classifier and the kernels, and of the preprocessing alone, in node. */
async function benchNodeKernels(fast) {
  const session = await createOnnxRuntime({ intraOpNumThreads: 1 }).loadModel(await readFile(model));
  const preprocessor = createPreprocessor({ wasm: await loadPreprocessKernels() });
  const classifier = createBlurClassifier(session, { scales: fast ? FAST_SCALES : DEFAULT_SCALES, preprocessor });
  const scales = fast ? FAST_SCALES : DEFAULT_SCALES;
  const result = await measurePipeline(() => decodeImage(image), classifier, session, preprocessor, scales, session.inputChannels, timeMedian);
  await session.dispose();
  return result;
}

/**
 * The same in the page: web.decodeImage + core.createBlurClassifier with web.loadPreprocessKernels(), 1 WASM thread,
 * the execution provider `provider` ('wasm' or 'webnn'; a WebNN row must not fall back: it throws then).
 */
async function benchBrowserKernels(context, fast, provider) {
  return withHarnessPage(context, false, (page) =>
    page.evaluate(
      async ({ modelUrl, imageUrl, fast, runs, provider }) => {
        const { web, core } = globalThis.blurgate;
        const runtime = web.createWebRuntime({
          wasmPaths: '/packages/web/node_modules/onnxruntime-web/dist/',
          numThreads: 1,
          executionProviders: [provider, 'wasm'].filter((p, i, all) => all.indexOf(p) === i),
        });
        const session = await runtime.loadModel(new Uint8Array(await (await fetch(modelUrl)).arrayBuffer()));
        const preprocessor = core.createPreprocessor({ wasm: await web.loadPreprocessKernels() });
        const scales = fast ? core.FAST_SCALES : core.DEFAULT_SCALES;
        const classifier = core.createBlurClassifier(session, { scales, preprocessor });
        const blob = await (await fetch(imageUrl)).blob();
        const time = (fn) => globalThis.timeMedian(fn, runs);
        const result = await globalThis.measurePipeline(() => web.decodeImage(blob), classifier, session, preprocessor, scales, session.inputChannels, time);
        await session.dispose();
        if (runtime.backend !== provider || runtime.fallbackReason) throw new Error(`${provider} row ran on ${runtime.backend}: ${runtime.fallbackReason}`);
        return { ...result, runtime: runtime.name };
      },
      { ...pageArgs(), fast, provider },
    ),
  );
}

/** A headless Chromium with a fresh profile; `close()` also removes the profile. */
async function launchBrowser(executablePath, extraArgs = []) {
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'blurgate-bench-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
  const version = context.browser()?.version() ?? '?';
  return { context, version, close: async () => { await context.close(); await rm(userDataDir, { recursive: true, force: true }); } };
}

const debian = await launchBrowser(CHROMIUM);
const context = debian.context;
const webnnChromium = findWebNNChromium();
const upstream = 'path' in webnnChromium ? await launchBrowser(webnnChromium.path, WEBNN_CHROMIUM_FLAGS) : null;
try {
  console.log(`model ${path.relative(REPO, model)}, image ${path.relative(REPO, image)}, median of ${runs} runs after 3 warm-ups, ${availableParallelism()} CPUs`);
  console.log('Gates as shipped (createBlurGate; node with 1 onnxruntime thread)');
  console.log('mode            node ms   web 1 thread ms (x node)   web threaded ms (x node)');
  for (const [name, fast] of [['single-scale', true], ['5-scale TTA', false]]) {
    const node = await benchNode(fast);
    const single = await benchBrowser(context, false, fast);
    const multi = await benchBrowser(context, true, fast);
    if (single.threads !== 1 || !multi.isolated) throw new Error('thread detection did not behave as expected');
    const cell = (r) => `${r.ms.toFixed(1)} (${(r.ms / node).toFixed(2)}x, ${r.threads} thr)`;
    console.log(`${name.padEnd(14)} ${node.toFixed(1).padStart(8)}   ${cell(single).padEnd(26)} ${cell(multi)}`);
  }
  console.log('\nSame kernels both sides (decode + core classifier, WebAssembly SIMD preprocessing, 1 model thread); goal browser <= 2.5x node');
  console.log('"model" is the network alone (session.run over the scales). Browsers: Debian\'s Chromium' +
    (upstream ? `, and upstream Chromium ${upstream.version} (WebNN CPU backend) for the last two rows of each mode` : `; no WebNN row: ${webnnChromium.reason}`));
  console.log('mode           browser, provider         node ms   browser ms (x node)   model node ms   model browser ms (x node)   prep node ms   prep browser ms (x node)   prep');
  const rows = [[`Chromium ${debian.version.split('.')[0]}, wasm`, context, 'wasm']];
  if (upstream) rows.push([`Chromium ${upstream.version.split('.')[0]}, wasm`, upstream.context, 'wasm'], [`Chromium ${upstream.version.split('.')[0]}, webnn cpu`, upstream.context, 'webnn']);
  for (const [name, fast] of [['single-scale', true], ['5-scale TTA', false]]) {
    for (const [label, rowContext, provider] of rows) {
      const node = await benchNodeKernels(fast);
      const web = await benchBrowserKernels(rowContext, fast, provider);
      const cell = (b, n) => `${b.toFixed(1)} (${(b / n).toFixed(2)}x)`;
      console.log(
        `${name.padEnd(14)} ${label.padEnd(24)} ${node.gate.toFixed(1).padStart(8)}   ${cell(web.gate, node.gate).padEnd(21)} ${node.model.toFixed(1).padStart(13)}   ${cell(web.model, node.model).padEnd(27)} ${node.prep.toFixed(1).padStart(12)}   ${cell(web.prep, node.prep).padEnd(26)} ${node.backend}/${web.backend}`,
      );
    }
  }
} finally {
  await debian.close();
  await upstream?.close();
}
