#!/usr/bin/env node
// Minified + gzip size of what an app ships for each entry, as a bundler would produce it:
// the built dist entry bundled with its own chunks, @blurgate/core included, onnxruntime-web left out
// (its loader is fetched lazily on the first model load and its .wasm is served separately).
//   node packages/web/bench/bundle-size.mjs   (after `pnpm --filter @blurgate/web build`)
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

const WEB = fileURLToPath(new URL('../', import.meta.url));
const size = (bytes) => `${(bytes.length / 1024).toFixed(1)} KB min, ${(gzipSync(bytes, { level: 9 }).length / 1024).toFixed(1)} KB gzip`;

for (const entry of ['index', 'worker']) {
  const result = await build({
    configFile: false,
    logLevel: 'silent',
    worker: { format: 'es' },
    build: {
      write: false,
      minify: 'esbuild',
      lib: { entry: `${WEB}dist/${entry}.js`, formats: ['es'], fileName: entry },
      rollupOptions: { external: [/^onnxruntime-web/] },
    },
  });
  const output = (Array.isArray(result) ? result[0] : result).output;
  const main = output.find((o) => o.type === 'chunk' && o.isEntry);
  console.log(`@blurgate/web${entry === 'index' ? '' : '/worker'} (${entry}.js + core): ${size(Buffer.from(main.code))}`);
}
const worker = readFileSync(`${WEB}dist/blurgate-worker.js`);
console.log(`blurgate-worker.js (worker script, core inside, onnxruntime-web loader in a lazy chunk): ${size(worker)}`);
for (const [name, file] of [['onnxruntime-web/wasm loader (ort.wasm.min.mjs)', 'ort.wasm.min.mjs'], ['ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.mjs'], ['ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.wasm']]) {
  console.log(`${name}: ${size(readFileSync(`${WEB}node_modules/onnxruntime-web/dist/${file}`))}`);
}
