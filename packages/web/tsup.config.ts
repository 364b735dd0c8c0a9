import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // Library entries: core and onnxruntime-web stay external so the app's bundler dedupes them.
    entry: { index: 'src/index.ts', worker: 'src/worker.ts' },
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: false,
    target: 'es2022',
    platform: 'browser',
  },
  {
    // The worker script is self-contained (import maps do not apply inside workers). The extern-wasm build
    // of onnxruntime-web loads its .mjs/.wasm from `wasmPaths`, so those stay separate, self-hosted files.
    entry: { 'blurgate-worker': 'src/worker/blurgate-worker.ts' },
    format: ['esm'],
    sourcemap: true,
    clean: false,
    minify: true,
    target: 'es2022',
    platform: 'browser',
    noExternal: [/.*/],
    esbuildOptions(options) {
      options.conditions = ['onnxruntime-web-use-extern-wasm'];
    },
  },
]);
