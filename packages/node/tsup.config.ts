import { defineConfig } from 'tsup';

export default defineConfig({
  // prepare-worker: the entry of the prepare pool's worker threads (loaded by file name, see prepare-pool.ts).
  entry: ['src/index.ts', 'src/model-store.ts', 'src/cli.ts', 'src/prepare-worker.ts'],
  format: ['esm'],
  dts: { entry: ['src/index.ts', 'src/model-store.ts'] },
  sourcemap: true,
  clean: true,
  target: 'es2022',
});
