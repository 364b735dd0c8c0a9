import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/model-store.ts', 'src/cli.ts'],
  format: ['esm'],
  dts: { entry: ['src/index.ts', 'src/model-store.ts'] },
  sourcemap: true,
  clean: true,
  target: 'es2022',
});
