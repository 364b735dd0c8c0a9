import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const ORT_DIST = here('../node_modules/onnxruntime-web/dist/');
const FIXTURES = here('../../node/test/fixtures/');
const DEFAULT_MODEL = here('../../../models/blurgate-synth/2.3.0/');
const SAMPLES = here('../../../samples/');
const SAMPLE_FILES = readdirSync(SAMPLES).filter((name) => /\.(jpe?g|png|webp)$/i.test(name));

/** Files the page loads at run time, self-hosted beside it: onnxruntime-web's WASM, the model, sample photos. */
const STATIC_FILES: Record<string, string> = {
  'ort/ort-wasm-simd-threaded.mjs': `${ORT_DIST}ort-wasm-simd-threaded.mjs`,
  'ort/ort-wasm-simd-threaded.wasm': `${ORT_DIST}ort-wasm-simd-threaded.wasm`,
  // The shipped default model, and the test suite's model (`?model=./models/tiny-4ch.onnx`, used by the demo test).
  // The default model as a model folder: manifest.json beside model.onnx sets its scales and thresholds.
  'models/blurgate-synth/2.3.0/model.onnx': `${DEFAULT_MODEL}model.onnx`,
  'models/blurgate-synth/2.3.0/manifest.json': `${DEFAULT_MODEL}manifest.json`,
  'models/tiny-4ch.onnx': `${FIXTURES}models/tiny-4ch.onnx`,
  'fixtures/texture-blurred.png': `${FIXTURES}images/texture-blurred.png`,
  ...Object.fromEntries(SAMPLE_FILES.map((name) => [`samples/${name}`, `${SAMPLES}${name}`])),
};

function selfHostedFiles(): Plugin {
  return {
    name: 'blurgate-demo-static-files',
    generateBundle() {
      for (const [fileName, source] of Object.entries(STATIC_FILES)) {
        this.emitFile({ type: 'asset', fileName, source: readFileSync(source) });
      }
    },
  };
}

// COOP/COEP make the page cross-origin isolated, so onnxruntime-web can use WASM threads.
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  root: here('.'),
  base: './',
  resolve: {
    // The demo uses the built package, as an app would.
    alias: {
      '@blurgate/web/worker': here('../dist/worker.js'),
      '@blurgate/web': here('../dist/index.js'),
    },
  },
  worker: { format: 'es' },
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    target: 'es2022',
    // main-thread.html checks that the main entry works bundled with its default runtime (no wasmPaths).
    rollupOptions: { input: { index: here('index.html'), 'main-thread': here('main-thread.html') } },
  },
  plugins: [selfHostedFiles()],
  preview: { host: '127.0.0.1', port: 4174, strictPort: false, headers: isolationHeaders },
});
