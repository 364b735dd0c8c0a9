import { defineConfig } from 'tsup';

export default defineConfig({
  // prepare-worker and session-worker: entries of worker threads (loaded by file name, see worker-file.ts).
  entry: ['src/index.ts', 'src/model-store.ts', 'src/cli.ts', 'src/prepare-worker.ts', 'src/session-worker.ts'],
  format: ['esm'],
  dts: { entry: ['src/index.ts', 'src/model-store.ts'] },
  sourcemap: true,
  clean: true,
  target: 'es2022',
});
