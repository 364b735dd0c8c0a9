// A model session on its own thread. onnxruntime-node's run holds the thread that calls it (its backend resolves
// `binding.run(...)` inside a setImmediate), so with the session on the main thread nothing else runs there while the
// model does. Here one dedicated worker thread owns the session; the main thread posts inputs and keeps working
// (building the next TTA scale or image) until the logits come back.
//
// Hand-written RPC rather than a pool such as piscina: this is one long-lived, stateful session per thread (loaded
// once, run many times, freed on dispose), not stateless tasks spread over interchangeable workers, and piscina's
// task model would reload or multiplex the session. The protocol is four messages (run, result, dispose, disposed).
import { Worker } from 'node:worker_threads';
import {
  type BlurgateError,
  errorFromFailure,
  ModelError,
  ModelInputPool,
  type ModelSession,
  type TensorDims,
} from '@blurgate/core';
import { type OnnxSessionSettings, sessionDisposedError } from './onnx-session.js';
import type { SessionAnswer, SessionRequest, SessionThreadData } from './session-worker.js';
import { builtWorkerFile } from './worker-file.js';

type Loaded = Extract<SessionAnswer, { type: 'loaded' }>;

interface PendingRun {
  readonly resolve: (logits: Float32Array) => void;
  readonly reject: (error: BlurgateError) => void;
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

function threadStopped(why: string): ModelError {
  return new ModelError(
    'RUNTIME_FAILED',
    `the model's session thread stopped (${why}); load the model again (e.g. create a new gate)`,
  );
}

/**
 * How an input crosses to the thread: copied into a staging array of this client's, whose buffer is transferred to
 * the thread and comes back with the answer, to be reused. The caller's array is only read (it stays usable: gates
 * recycle it into their preprocessor's pool). onnxruntime-node refuses arrays on a SharedArrayBuffer ("Invalid
 * argument"), so sharing is out. Chosen over a structured-clone copy of the input by an interleaved A/B of the round
 * trip to a worker that reads the input and answers two floats (node 20, a loaded 2-core machine, medians of 300,
 * two runs): 4×384² 0.09-0.10 ms staged+transferred vs 0.22-0.30 ms cloned; 4×512² 0.19-0.29 vs 0.49-0.67 ms.
 */
class SessionThread implements ModelSession {
  /** `run` leaves the calling thread free: core builds the next TTA scale beside it. */
  readonly runsOffThread = true;
  readonly #worker: Worker;
  readonly #pending = new Map<number, PendingRun>();
  readonly #staging = new ModelInputPool(2, 8);
  readonly #loaded: Promise<Loaded>;
  #model: Loaded | null = null;
  #settleLoad: { resolve(loaded: Loaded): void; reject(error: BlurgateError): void } | null = null;
  #nextId = 0;
  /** Set once the thread has stopped unasked: every later call fails with it. */
  #stopped: ModelError | null = null;
  #disposing: Promise<void> | null = null;

  /** Starts the thread, which loads the model at once (`loaded()` says when). */
  constructor(modelBytes: Uint8Array, settings: OnnxSessionSettings, workerFile: URL) {
    const workerData: SessionThreadData = { modelBytes, settings };
    this.#loaded = new Promise<Loaded>((resolve, reject) => {
      this.#settleLoad = { resolve, reject };
    });
    // One set of listeners for the thread's whole life.
    this.#worker = new Worker(workerFile, { workerData });
    this.#worker.on('message', (answer: SessionAnswer) => this.#answered(answer));
    this.#worker.on('error', (error) => this.#stop(threadStopped(describe(error))));
    this.#worker.on('exit', (code) => this.#stop(threadStopped(`exit code ${code}`)));
  }

  /** Resolves once the model is loaded (the thread then no longer keeps the process alive while idle). */
  async loaded(): Promise<this> {
    try {
      this.#model = await this.#loaded;
    } catch (error) {
      await this.#worker.terminate();
      throw error;
    }
    // Idle, the thread does not keep the process alive (a script that forgets dispose() still exits).
    if (this.#pending.size === 0) this.#worker.unref();
    return this;
  }

  get inputNames(): readonly string[] {
    return this.#loadedModel().inputNames;
  }

  get outputNames(): readonly string[] {
    return this.#loadedModel().outputNames;
  }

  get inputChannels(): 3 | 4 {
    return this.#loadedModel().inputChannels;
  }

  #loadedModel(): Loaded {
    if (this.#model === null) throw new ModelError('RUNTIME_FAILED', 'the model session is not loaded yet');
    return this.#model;
  }

  run(input: Float32Array, dims: TensorDims): Promise<Float32Array> {
    if (this.#disposing !== null) return Promise.reject(sessionDisposedError());
    if (this.#stopped !== null) return Promise.reject(this.#stopped);
    if (!(input instanceof Float32Array)) {
      return Promise.reject(new ModelError('RUNTIME_FAILED', 'the model input must be a Float32Array'));
    }
    const staging = this.#staging.take(input.length);
    staging.set(input);
    const id = this.#nextId++;
    return new Promise<Float32Array>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      // A call in flight keeps the process alive until it is answered.
      if (this.#pending.size === 1) this.#worker.ref();
      const request: SessionRequest = { type: 'run', id, input: staging, dims: [...dims] };
      this.#worker.postMessage(request, [staging.buffer as ArrayBuffer]);
    });
  }

  dispose(): Promise<void> {
    this.#disposing ??= this.#free();
    return this.#disposing;
  }

  async #free(): Promise<void> {
    if (this.#stopped === null) {
      this.#worker.ref();
      // The thread lets runs already posted finish, frees the session, then says so.
      await new Promise<void>((resolve) => {
        const done = (answer: SessionAnswer): void => {
          if (answer.type === 'disposed') resolve();
        };
        this.#worker.on('message', done);
        this.#worker.once('exit', () => resolve());
        this.#worker.postMessage({ type: 'dispose' } satisfies SessionRequest);
      });
    }
    this.#stopped ??= threadStopped('disposed');
    this.#failPending(sessionDisposedError());
    await this.#worker.terminate();
  }

  #answered(answer: SessionAnswer): void {
    if (answer.type === 'loaded') this.#settleLoad?.resolve(answer);
    else if (answer.type === 'load-failed') this.#settleLoad?.reject(errorFromFailure(answer.failure));
    if (answer.type !== 'result' && answer.type !== 'run-failed') return;
    const pending = this.#pending.get(answer.id);
    if (pending === undefined) return;
    this.#pending.delete(answer.id);
    if (this.#pending.size === 0) this.#worker.unref();
    this.#staging.give(answer.input);
    if (answer.type === 'result') pending.resolve(answer.logits);
    else pending.reject(errorFromFailure(answer.failure));
  }

  #stop(error: ModelError): void {
    if (this.#stopped !== null) return;
    this.#stopped = error;
    this.#settleLoad?.reject(error);
    this.#failPending(error);
  }

  #failPending(error: BlurgateError): void {
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}

/**
 * Starts a worker thread that loads `modelBytes` into an onnxruntime-node session built with `settings` (the same
 * as on the main thread) and returns the {@link ModelSession} that talks to it. `dispose()` frees the session and
 * ends the thread; an idle thread never keeps the process alive.
 *
 * @param modelBytes - the ONNX bytes (copied to the thread; the caller's stay usable).
 * @param settings - onnxruntime's session settings.
 * @param workerFile - the thread's entry; the built session-worker.js unless a test brings another.
 * @returns the session, once loaded.
 * @throws ModelError('UNSUPPORTED_MODEL') as the main-thread runtime does for bytes ONNX Runtime cannot load;
 *   ModelError('RUNTIME_FAILED') when the thread cannot start.
 * @example
 * const session = await loadSessionThread(bytes, { intraOpNumThreads: 1 });
 * const logits = await session.run(input, [1, 4, 384, 384]);
 * await session.dispose();
 */
export function loadSessionThread(
  modelBytes: Uint8Array,
  settings: OnnxSessionSettings,
  workerFile: URL = builtWorkerFile('session-worker.js'),
): Promise<ModelSession> {
  return new SessionThread(modelBytes, settings, workerFile).loaded();
}
