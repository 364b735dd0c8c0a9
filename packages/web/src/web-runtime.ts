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
import { WEBNN_DEVICE_TYPES, type WebNNDeviceType, webnnUnavailableReason } from './webnn-availability.js';

type Ort = typeof OrtModule;

/** Execution providers this package supports. */
export type WebExecutionProvider = 'wasm' | 'webgpu' | 'webnn';

const EXECUTION_PROVIDERS: readonly WebExecutionProvider[] = ['wasm', 'webgpu', 'webnn'];

/** Where onnxruntime-web's `.mjs`/`.wasm` files are served from (a folder URL ending in `/`, or both files). */
export type WasmPaths = string | { readonly mjs?: string | URL; readonly wasm?: string | URL };

export interface WebRuntimeOptions {
  /**
   * Where the `ort-wasm-simd-threaded*.{mjs,wasm}` files are served from. Copy them from
   * `node_modules/onnxruntime-web/dist/` to your site and point here; no CDN is used.
   * When omitted, onnxruntime-web resolves them next to its own module (what bundlers such as Vite expect).
   */
  readonly wasmPaths?: WasmPaths;
  /**
   * Tried in order; WASM is always the last resort. `['wasm']` (default); `['webgpu', 'wasm']` uses WebGPU when
   * the browser offers an adapter; `['webnn', 'wasm']` uses the browser's WebNN (`navigator.ml`, device
   * {@link WebRuntimeOptions.webnnDeviceType}) when it creates a context. On a CPU, Chromium's WebNN (TFLite and
   * XNNPACK, one thread) ran the full-size MobileNetV3-Large about 2.5x faster than the WASM provider, with the
   * same probabilities within 1e-4. WebNN needs one static input shape per graph: a WebNN session is compiled per
   * scale on its first use (1-2 s each for that model), and a shape WebNN refuses runs on WASM instead.
   * Why a provider was skipped is in {@link WebRuntime.fallbackReason}.
   */
  readonly executionProviders?: readonly WebExecutionProvider[];
  /** WebNN device when `executionProviders` lists `'webnn'`: `'cpu'` (default), `'gpu'` or `'npu'`. */
  readonly webnnDeviceType?: WebNNDeviceType;
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
  /** The provider in use: `wasm`, `webgpu` or `webnn`; known after the first `loadModel`. */
  readonly backend: WebExecutionProvider;
  /**
   * Why a provider listed before {@link WebRuntime.backend} was not used (e.g. the browser has no WebNN, or
   * WebNN refused a scale's graph and that scale runs on WASM); `undefined` when the first choice runs everything.
   */
  readonly fallbackReason: string | undefined;
}

/**
 * Creates an onnxruntime-web runtime. Nothing is configured or loaded until the first `loadModel`
 * (no side effects at import). onnxruntime-web's `env` is global per page and fixed once its WASM
 * is initialised, so the first runtime that loads a model decides threads and file paths.
 *
 * @param options - WASM file location, execution providers (`wasm`, `webgpu`, `webnn`), threads, optimisation level.
 * @returns A runtime for `createBlurGate({ runtime })`; `backend` and `fallbackReason` tell what it chose.
 * @throws OptionError for an unknown provider, a bad `numThreads` or `webnnDeviceType`.
 * @example
 * ```ts
 * const runtime = createWebRuntime({ executionProviders: ['webnn', 'wasm'], wasmPaths: '/ort/' });
 * const gate = await createBlurGate({ model: '/models/blurgate/model.onnx', runtime });
 * console.log(runtime.backend, runtime.fallbackReason); // 'webnn' undefined, or 'wasm' and why
 * ```
 */
export function createWebRuntime(options: WebRuntimeOptions = {}): WebRuntime {
  const providers = options.executionProviders ?? ['wasm'];
  if (options.numThreads !== undefined && !(Number.isInteger(options.numThreads) && options.numThreads >= 1)) {
    throw new OptionError(`numThreads must be a positive integer, got ${String(options.numThreads)}`);
  }
  if (!Array.isArray(providers) || providers.length === 0) {
    throw new OptionError(`executionProviders must be a non-empty array, e.g. ['webnn', 'wasm'].`);
  }
  for (const provider of providers) {
    if (!EXECUTION_PROVIDERS.includes(provider)) {
      throw new OptionError(`Unknown execution provider "${String(provider)}": use 'wasm', 'webgpu' or 'webnn'.`);
    }
  }
  const deviceType = options.webnnDeviceType ?? 'cpu';
  if (!WEBNN_DEVICE_TYPES.includes(deviceType)) {
    throw new OptionError(`webnnDeviceType must be 'cpu', 'gpu' or 'npu', got ${JSON.stringify(deviceType)}.`);
  }
  if (options.webnnDeviceType !== undefined && !providers.includes('webnn')) {
    throw new OptionError(`webnnDeviceType is used only when executionProviders lists 'webnn'.`);
  }
  let threads = 1;
  let backend: WebExecutionProvider = 'wasm';
  let fallbackReason: string | undefined;
  let version = '';
  return {
    get name() {
      const provider = backend === 'webnn' ? `webnn ${deviceType}` : backend;
      return `onnxruntime-web${version ? ` ${version}` : ''} (${provider}, ${threads} thread${threads === 1 ? '' : 's'})`;
    },
    get threads() {
      return threads;
    },
    get backend() {
      return backend;
    },
    get fallbackReason() {
      return fallbackReason;
    },
    async loadModel(modelBytes: Uint8Array): Promise<ModelSession> {
      if (!supportsWasmSimd()) {
        throw new ModelError(
          'RUNTIME_FAILED',
          'This browser lacks WebAssembly SIMD, which onnxruntime-web needs. Use a current browser.',
        );
      }
      const choice = await chooseBackend(providers, deviceType);
      backend = choice.backend;
      fallbackReason = choice.reason;
      const ort = await loadOrt(backend);
      threads = configureWasm(ort, options);
      version = ort.env.versions?.web ?? '';
      const graphOptimizationLevel = options.graphOptimizationLevel ?? 'all';
      const create = async (sessionOptions: OrtModule.InferenceSession.SessionOptions) => {
        try {
          return await ort.InferenceSession.create(modelBytes, { graphOptimizationLevel, ...sessionOptions });
        } catch (error) {
          throw new ModelError('RUNTIME_FAILED', `onnxruntime-web could not load the model: ${errorText(error)}`, {
            cause: error,
          });
        }
      };
      if (backend !== 'webnn') {
        const session = await create({ executionProviders: backend === 'webgpu' ? ['webgpu', 'wasm'] : ['wasm'] });
        return wrapSession(ort, session, () => Promise.resolve(session));
      }
      // WebNN compiles graphs of static shapes only: one session per input shape, the model's symbolic dimensions
      // (batch, height, width) fixed by freeDimensionOverrides. The WASM session reads the input's metadata and
      // runs any shape WebNN refuses.
      const wasmSession = await create({ executionProviders: ['wasm'] });
      const shapes = new Map<string, OrtModule.InferenceSession>();
      return wrapSession(
        ort,
        wasmSession,
        async (dims) => {
          const key = dims.join('x');
          const known = shapes.get(key);
          if (known) return known;
          let session = wasmSession;
          try {
            session = await ort.InferenceSession.create(modelBytes, {
              graphOptimizationLevel,
              executionProviders: [{ name: 'webnn', deviceType }, 'wasm'],
              freeDimensionOverrides: symbolicDimensions(wasmSession, dims),
            });
          } catch (error) {
            fallbackReason = `WebNN could not compile the model for input ${key}, which runs on WASM: ${errorText(error)}`;
          }
          shapes.set(key, session);
          return session;
        },
        () => Promise.all([...shapes.values()].filter((s) => s !== wasmSession).map((s) => s.release())),
      );
    },
  };
}

/** The first usable provider of `providers` (WASM when none is), and why the ones before it were skipped. */
async function chooseBackend(
  providers: readonly WebExecutionProvider[],
  deviceType: WebNNDeviceType,
): Promise<{ backend: WebExecutionProvider; reason: string | undefined }> {
  const skipped: string[] = [];
  const reason = () => (skipped.length > 0 ? skipped.join('; ') : undefined);
  for (const provider of providers) {
    if (provider === 'wasm') return { backend: 'wasm', reason: reason() };
    if (provider === 'webgpu') {
      if (await hasWebGpuAdapter()) return { backend: 'webgpu', reason: reason() };
      skipped.push('webgpu: the browser offers no WebGPU adapter');
    } else {
      const unavailable = await webnnUnavailableReason(deviceType);
      if (unavailable === null) return { backend: 'webnn', reason: reason() };
      skipped.push(`webnn: ${unavailable}`);
    }
  }
  return { backend: 'wasm', reason: reason() };
}

/** `freeDimensionOverrides` naming each symbolic dimension of the model's first input after `dims`. */
function symbolicDimensions(session: OrtModule.InferenceSession, dims: TensorDims): Record<string, number> {
  const metadata = session.inputMetadata?.[0];
  const shape = metadata?.isTensor ? metadata.shape : [];
  const overrides: Record<string, number> = {};
  shape.forEach((dim, i) => {
    if (typeof dim === 'string' && dims[i] !== undefined) overrides[dim] = dims[i];
  });
  return overrides;
}

async function loadOrt(backend: WebExecutionProvider): Promise<Ort> {
  try {
    // Dynamic imports: the build with WebGPU and WebNN (and its larger .wasm) is fetched only when asked for and
    // available; onnxruntime-web/wasm registers neither provider.
    return backend === 'wasm' ? await import('onnxruntime-web/wasm') : await import('onnxruntime-web/webgpu');
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

/**
 * The ModelSession over `session` (its names and metadata) running each input on `sessionFor(dims)`: `session`
 * itself, or for WebNN the session compiled for that shape. `releaseOthers` frees sessions other than `session`.
 */
function wrapSession(
  ort: Ort,
  session: OrtModule.InferenceSession,
  sessionFor: (dims: TensorDims) => Promise<OrtModule.InferenceSession>,
  releaseOthers: () => Promise<unknown> = () => Promise.resolve(),
): ModelSession {
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
          const outputs = await (await sessionFor(dims)).run({ [inputName]: tensor });
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
        await releaseOthers();
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
