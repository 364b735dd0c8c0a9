import { defineConfig } from 'tsup';

// classify-worker.ts is its own entry: piscina loads it by file name in each worker thread.
export default defineConfig({
  entry: ['src/index.ts', 'src/classify-worker.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  sourcemap: true,
  clean: true,
  target: 'es2022',
});
