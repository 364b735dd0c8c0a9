import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // semver (CommonJS) is bundled into dist/index.js so that core stays one plain ES module: the browser harness
  // loads it through an import map, with no bundler to convert CommonJS.
  noExternal: ['semver'],
});
