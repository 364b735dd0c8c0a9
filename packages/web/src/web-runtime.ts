import {
  type InferenceRuntime,
  ModelError,
  type ModelSession,
  OptionError,
  readInputChannels,
  SerialQueue,
  type TensorDims,
} from '@blurgate/core';
import type * as OrtModule from 'onnxruntime-web';

type Ort = typeof OrtModule;

/** Execution providers this package supports. */
export type WebExecutionProvider = 'wasm' | 'webgpu';

/** Where onnxruntime-web's `.mjs`/`.wasm` files are served from (a folder URL ending in `/`, or both files). */
export type WasmPaths = string | { readonly mjs?: string | URL; readonly wasm?: string | URL };

export interface WebRuntimeOptions {
  /**
   * Where the `ort-wasm-simd-threaded*.{mjs,wasm}` files are served from. Copy them from
   * `node_modules/onnxruntime-web/dist/` to your site and point here; no CDN is used.
   * When omitted, onnxruntime-web resolves them next to its own module (what bundlers such as Vite expect).
   */
  readonly wasmPaths?: WasmPaths;
  /** `['wasm']` (default) or `['webgpu', 'wasm']`: WebGPU is used only when the browser offers an adapter. */
  readonly executionProviders?: readonly WebExecutionProvider[];
  /**
   * WASM threads. Used only when the page is cross-origin isolated (COOP/COEP headers); otherwise 1.
   * Default: half the logical cores, at most 4.
   */
  readonly numThreads?: number;
  /** onnxruntime graph optimisations; default `all`. */
  readonly graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
}

/** The web runtime: core's InferenceRuntime plus what it decided about the browser. */
export interface WebRuntime extends InferenceRuntime {
  /** WASM threads in use (1 when the page is not cross-origin isolated). Known after the first `loadModel`. */
  readonly threads: number;
  /** `wasm` or `webgpu`; known after the first `loadModel`. */
  readonly backend: WebExecutionProvider;
}

/**
 * Creates an onnxruntime-web runtime. Nothing is configured or loaded until the first `loadModel`
 * (no side effects at import). onnxruntime-web's `env` is global per page and fixed once its WASM
 * is initialised, so the first runtime that loads a model decides threads and file paths.
 */
export function createWebRuntime(options: WebRuntimeOptions = {}): WebRuntime {
  const providers = options.executionProviders ?? ['wasm'];
  if (options.numThreads !== undefined && !(Number.isInteger(options.numThreads) && options.numThreads >= 1)) {
    throw new OptionError(`numThreads must be a positive integer, got ${String(options.numThreads)}`);
  }
  for (const provider of providers) {
    if (provider !== 'wasm' && provider !== 'webgpu') {
      throw new OptionError(`Unknown execution provider "${String(provider)}": use 'wasm' or 'webgpu'.`);
    }
  }
  let threads = 1;
  let backend: WebExecutionProvider = 'wasm';
  let version = '';
  return {
    get name() {
      return `onnxruntime-web${version ? ` ${version}` : ''} (${backend}, ${threads} thread${threads === 1 ? '' : 's'})`;
    },
    get threads() {
      return threads;
    },
    get backend() {
      return backend;
    },
    async loadModel(modelBytes: Uint8Array): Promise<ModelSession> {
      if (!supportsWasmSimd()) {
        throw new ModelError(
          'RUNTIME_FAILED',
          'This browser lacks WebAssembly SIMD, which onnxruntime-web needs. Use a current browser.',
        );
      }
      backend = providers.includes('webgpu') && (await hasWebGpuAdapter()) ? 'webgpu' : 'wasm';
      const ort = await loadOrt(backend);
      threads = configureWasm(ort, options);
      version = ort.env.versions?.web ?? '';
      let session: OrtModule.InferenceSession;
      try {
        session = await ort.InferenceSession.create(modelBytes, {
          executionProviders: backend === 'webgpu' ? ['webgpu', 'wasm'] : ['wasm'],
          graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
        });
      } catch (error) {
        throw new ModelError('RUNTIME_FAILED', `onnxruntime-web could not load the model: ${errorText(error)}`, {
          cause: error,
        });
      }
      return wrapSession(ort, session);
    },
  };
}

async function loadOrt(backend: WebExecutionProvider): Promise<Ort> {
  try {
    // Dynamic imports: the WebGPU build (and its larger .wasm) is fetched only when asked for and available.
    return backend === 'webgpu' ? await import('onnxruntime-web/webgpu') : await import('onnxruntime-web/wasm');
  } catch (error) {
    throw new ModelError('RUNTIME_FAILED', `Could not load onnxruntime-web: ${errorText(error)}`, { cause: error });
  }
}

function configureWasm(ort: Ort, options: WebRuntimeOptions): number {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 2;
  const wanted = options.numThreads ?? Math.min(4, Math.max(1, Math.ceil(cores / 2)));
  // SharedArrayBuffer (and with it WASM threads) exists only in cross-origin isolated pages.
  const threads = isolated ? wanted : 1;
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.proxy = false;
  if (options.wasmPaths !== undefined) ort.env.wasm.wasmPaths = options.wasmPaths;
  return threads;
}

function wrapSession(ort: Ort, session: OrtModule.InferenceSession): ModelSession {
  const inputChannels = readInputChannels(session.inputMetadata?.[0]);
  const inputName = session.inputNames[0]!;
  const outputName = session.outputNames[0]!;
  const queue = new SerialQueue();
  let disposed = false;
  return {
    inputNames: [...session.inputNames],
    outputNames: [...session.outputNames],
    inputChannels,
    run(input: Float32Array, dims: TensorDims): Promise<Float32Array> {
      return queue.run(async () => {
        if (disposed) throw new ModelError('RUNTIME_FAILED', 'The model session was disposed.');
        const tensor = new ort.Tensor('float32', input, [...dims]);
        try {
          const outputs = await session.run({ [inputName]: tensor });
          const logits = outputs[outputName];
          if (logits?.type !== 'float32') {
            throw new ModelError('UNSUPPORTED_MODEL', `The model's output "${outputName}" is not a float32 tensor.`);
          }
          const data = Float32Array.from(logits.data as Float32Array);
          logits.dispose();
          return data;
        } catch (error) {
          if (error instanceof ModelError) throw error;
          throw new ModelError('RUNTIME_FAILED', `Inference failed: ${errorText(error)}`, { cause: error });
        } finally {
          tensor.dispose();
        }
      });
    },
    dispose(): Promise<void> {
      return queue.run(async () => {
        if (disposed) return;
        disposed = true;
        await session.release();
      });
    },
  };
}

async function hasWebGpuAdapter(): Promise<boolean> {
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<unknown> } } }).navigator?.gpu;
  if (!gpu) return false;
  try {
    return (await gpu.requestAdapter()) != null;
  } catch {
    return false;
  }
}

// The smallest module using a v128 instruction: validates only where WASM SIMD exists.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

function supportsWasmSimd(): boolean {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
