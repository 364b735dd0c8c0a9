import {
  type AbortSignalLike,
  abortedError,
  type BlurGate,
  BlurgateError,
  type BlurPrediction,
  type ClassifyOptions,
  checkConcurrency,
  classifyStream,
  DEFAULT_CONCURRENCY,
  errorFromFailure,
  ModelError,
  OptionError,
  type PixelImage,
  throwIfAborted,
} from '@blurgate/core';
import type { BlurGateOptions } from '../blur-gate.js';
import { decodeImage, type WebImageInput } from '../decode-image.js';
import type { WasmPaths, WebRuntimeOptions } from '../web-runtime.js';
import type { FromWorker, GateInfo, ToWorker, WorkerInput } from './protocol.js';

/** The worker builds its own preprocessor (the WebAssembly kernels): `preprocessor` does not cross postMessage. */
export interface BlurGateWorkerOptions extends Omit<BlurGateOptions, 'runtime' | 'preprocessor'> {
  /**
   * onnxruntime-web settings for the worker. `wasmPaths` is required: the worker bundles onnxruntime-web,
   * so it cannot find `ort-wasm-simd-threaded.{mjs,wasm}` on its own. Relative URLs resolve against the page.
   */
  readonly runtime: WebRuntimeOptions & { readonly wasmPaths: WasmPaths };
  /** A Worker running `@blurgate/web/blurgate-worker.js`, or its URL. Default: the file beside this module. */
  readonly worker?: Worker | string | URL;
}

/** A blur gate whose decoding (Blobs, URLs) and inference run in a Web Worker: core's {@link BlurGate}, plus the worker. */
export interface BlurGateWorker extends BlurGate<WebImageInput> {
  /** The worker; terminated by `dispose()`. */
  readonly worker: Worker;
  /**
   * Why the worker's runtime skipped a provider listed before the one it runs (`runtimeName`), e.g. `['webnn',
   * 'wasm']` in a browser without WebNN; `undefined` when the first choice runs. As known when the model loaded.
   */
  readonly runtimeFallbackReason: string | undefined;
}

interface Pending {
  resolve(message: FromWorker): void;
  reject(error: BlurgateError): void;
  onProgress?: BlurGateOptions['onProgress'];
}

/**
 * Starts the worker, loads the model in it and returns a gate with the same methods and results as
 * `createBlurGate`. DOM-only inputs (img, canvas, ImageData, ImageBitmap) are read on the calling thread
 * and their pixels transferred; Blobs and URLs are decoded in the worker. The worker runs
 * `createBlurGate`, so the manifest, checksum and options work exactly as there; its failures come
 * back as the same typed errors (core's `errorFromFailure`).
 *
 * @param options - `createBlurGate`'s options, with `runtime` as plain settings (`wasmPaths` required)
 *   and optionally the `worker` (a Worker or its URL).
 * @returns The gate (core's `BlurGate`) plus its `worker`; `dispose()` also terminates the worker.
 * @throws As `createBlurGate`; {@link OptionError} without `runtime.wasmPaths`.
 * @example
 * ```ts
 * const gate = await createBlurGateWorker({ model: '/models/blurgate-synth/1.0.0/model.onnx', runtime: { wasmPaths: '/ort/' } });
 * const { label } = await gate.classify(file);
 * ```
 */
export async function createBlurGateWorker(options: BlurGateWorkerOptions): Promise<BlurGateWorker> {
  if (!options.runtime?.wasmPaths) {
    throw new OptionError(
      'runtime.wasmPaths is required for the worker: the URL (folder ending in "/") where ort-wasm-simd-threaded.mjs and .wasm from onnxruntime-web/dist are served.',
    );
  }
  throwIfAborted(options.signal, 'model loading');
  const defaultConcurrency = checkConcurrency(options.concurrency ?? DEFAULT_CONCURRENCY);
  const worker = startWorker(options.worker);
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let disposed = false;

  worker.onmessage = (event: MessageEvent<FromWorker>) => {
    const message = event.data;
    const waiter = pending.get(message.id);
    if (!waiter) return;
    if (message.type === 'progress') {
      waiter.onProgress?.(message.progress);
      return;
    }
    pending.delete(message.id);
    if (message.type === 'failed') waiter.reject(errorFromFailure(message.error));
    else waiter.resolve(message);
  };
  worker.onerror = (event: ErrorEvent) => {
    event.preventDefault();
    const error = new ModelError(
      'RUNTIME_FAILED',
      `The blurgate worker failed: ${event.message || 'it could not start (check its URL)'}`,
    );
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  };

  const request = (
    message: ToWorker,
    transfer: Transferable[] = [],
    signal?: AbortSignalLike,
    onProgress?: Pending['onProgress'],
  ) =>
    new Promise<FromWorker>((resolve, reject) => {
      if (disposed) return reject(disposedError());
      if (signal?.aborted) return reject(abortedError(signal));
      const onAbort = () => {
        pending.delete(message.id);
        worker.postMessage({ type: 'abort', id: message.id } satisfies ToWorker);
        reject(abortedError(signal!));
      };
      signal?.addEventListener?.('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener?.('abort', onAbort);
      pending.set(message.id, {
        resolve: (m) => {
          done();
          resolve(m);
        },
        reject: (e) => {
          done();
          reject(e);
        },
        onProgress,
      });
      worker.postMessage(message, transfer);
    });

  const model = options.model;
  const modelForWorker =
    typeof model === 'string' || model instanceof URL
      ? absolute(model)
      : model instanceof ArrayBuffer
        ? new Uint8Array(model)
        : model;
  let info: GateInfo;
  try {
    const ready = await request(
      {
        type: 'init',
        id: nextId++,
        settings: {
          model: modelForWorker,
          runtime: { ...options.runtime, wasmPaths: absoluteWasmPaths(options.runtime.wasmPaths) },
          manifest: options.manifest,
          scales: options.scales,
          fast: options.fast,
          confidenceThreshold: options.confidenceThreshold,
          blurThreshold: options.blurThreshold,
          maxPixels: options.maxPixels,
        },
      },
      [],
      options.signal,
      options.onProgress,
    );
    if (ready.type !== 'ready') throw new ModelError('RUNTIME_FAILED', 'The worker answered init unexpectedly.');
    info = ready.info;
  } catch (error) {
    worker.terminate();
    throw error;
  }

  async function run(
    forWorker: WorkerInput,
    transfer: Transferable[],
    signal?: ClassifyOptions['signal'],
  ): Promise<BlurPrediction> {
    const answer = await request({ type: 'classify', id: nextId++, input: forWorker }, transfer, signal);
    if (answer.type !== 'result') throw new ModelError('RUNTIME_FAILED', 'The worker answered classify unexpectedly.');
    return answer.prediction;
  }

  async function classify(input: WebImageInput, classifyOptions: ClassifyOptions = {}): Promise<BlurPrediction> {
    const signal = classifyOptions.signal;
    if (disposed) throw disposedError();
    const forWorker = await toWorkerInput(input, options.maxPixels, signal);
    return run(forWorker, 'data' in forWorker ? [forWorker.data.buffer as ArrayBuffer] : [], signal);
  }

  async function classifyPixels(image: PixelImage, classifyOptions: ClassifyOptions = {}): Promise<BlurPrediction> {
    if (disposed) throw disposedError();
    // A copy crosses to the worker, so the caller's pixels stay usable.
    return run({ ...image, data: image.data.slice() }, [], classifyOptions.signal);
  }

  return {
    ...info,
    worker,
    classify,
    classifyPixels,
    classifyMany: (inputs, manyOptions = {}) =>
      classifyStream(inputs, classify, {
        concurrency:
          manyOptions.concurrency === undefined ? defaultConcurrency : checkConcurrency(manyOptions.concurrency),
        signal: manyOptions.signal,
      }),
    async dispose() {
      if (disposed) return;
      try {
        await request({ type: 'dispose', id: nextId++ });
      } finally {
        disposed = true;
        worker.terminate();
      }
    },
  };
}

function disposedError(): BlurgateError {
  return new BlurgateError('DISPOSED', 'This blur gate was disposed; create a new one.');
}

function startWorker(worker: Worker | string | URL | undefined): Worker {
  if (worker instanceof Worker) return worker;
  // Bundlers (Vite, webpack 5) recognise this exact pattern and emit the worker file.
  return worker === undefined
    ? new Worker(new URL('./blurgate-worker.js', import.meta.url), { type: 'module', name: 'blurgate' })
    : new Worker(worker, { type: 'module', name: 'blurgate' });
}

async function toWorkerInput(
  input: WebImageInput,
  maxPixels: number | undefined,
  signal?: AbortSignalLike,
): Promise<WorkerInput> {
  if (typeof input === 'string' || input instanceof URL) return { url: absolute(input) };
  if (input instanceof Blob) return input;
  return decodeImage(input, { maxPixels, signal });
}

function absolute(url: string | URL): string {
  const base = (globalThis as { location?: { href: string } }).location?.href;
  return base ? new URL(url, base).href : String(url);
}

function absoluteWasmPaths(paths: WasmPaths): WasmPaths {
  if (typeof paths === 'string') return absolute(paths);
  return {
    ...(paths.mjs !== undefined ? { mjs: absolute(paths.mjs) } : {}),
    ...(paths.wasm !== undefined ? { wasm: absolute(paths.wasm) } : {}),
  };
}
