import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { instantiatePreprocessKernels, type PreprocessKernels, type WebAssemblyLike } from '../src/index.js';

/** The kernels core's build compiles (tests run against the built module, as node and web load it). */
export const BUILT_KERNELS_PATH = fileURLToPath(new URL('../dist/preprocess-kernels.wasm', import.meta.url));

/** This runtime's WebAssembly, as core's injected interface (core itself never reads globals). */
export const testWebAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyLike }).WebAssembly;

/** The built kernel module's bytes; throws a clear error when core has not been built. */
export function builtKernelBytes(): Uint8Array<ArrayBuffer> {
  if (!existsSync(BUILT_KERNELS_PATH)) {
    throw new Error(`${BUILT_KERNELS_PATH} is missing: run pnpm build (it compiles the kernels)`);
  }
  return new Uint8Array(readFileSync(BUILT_KERNELS_PATH));
}

/** A fresh instance of the built kernels (each instance has its own memory). */
export function loadBuiltKernels(): Promise<PreprocessKernels> {
  return instantiatePreprocessKernels(builtKernelBytes(), testWebAssembly);
}
