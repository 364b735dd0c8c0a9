/**
 * The Web Worker script: owns one blur gate and answers the client in `client.ts`.
 * Built as one self-contained module (core and onnxruntime-web bundled in) because import maps
 * do not apply inside workers.
 */
import { type BlurGate, BlurgateError, failureOf } from '@blurgate/core';
import { createBlurGate } from '../blur-gate.js';
import type { WebImageInput } from '../decode-image.js';
import { createWebRuntime } from '../web-runtime.js';
import type { FromWorker, ToWorker, WorkerInput } from './protocol.js';

interface WorkerScope {
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  postMessage(message: FromWorker): void;
}

const scope = globalThis as unknown as WorkerScope;
let gate: Promise<BlurGate<WebImageInput>> | null = null;
const running = new Map<number, AbortController>();

scope.onmessage = (event) => {
  const message = event.data;
  switch (message.type) {
    case 'init': {
      const runtime = createWebRuntime(message.settings.runtime);
      gate = createBlurGate({
        ...message.settings,
        runtime,
        onProgress: (progress) => scope.postMessage({ type: 'progress', id: message.id, progress }),
      });
      gate.then(
        (g) =>
          scope.postMessage({
            type: 'ready',
            id: message.id,
            info: {
              scales: g.scales,
              thresholds: g.thresholds,
              model: g.model,
              runtimeName: g.runtimeName,
              runtimeFallbackReason: runtime.fallbackReason,
            },
          }),
        (error: unknown) => scope.postMessage({ type: 'failed', id: message.id, error: failureOf(error) }),
      );
      break;
    }
    case 'classify':
      void classify(message.id, message.input);
      break;
    case 'abort':
      running.get(message.id)?.abort();
      break;
    case 'dispose':
      void dispose(message.id);
      break;
  }
};

async function classify(id: number, input: WorkerInput): Promise<void> {
  const controller = new AbortController();
  running.set(id, controller);
  try {
    if (!gate) throw new BlurgateError('RUNTIME_FAILED', 'The worker received classify before init.');
    const g = await gate;
    const options = { signal: controller.signal };
    const prediction =
      input instanceof Blob
        ? await g.classify(input, options)
        : 'url' in input
          ? await g.classify(input.url, options)
          : await g.classifyPixels(input, options);
    scope.postMessage({ type: 'result', id, prediction });
  } catch (error) {
    scope.postMessage({ type: 'failed', id, error: failureOf(error) });
  } finally {
    running.delete(id);
  }
}

async function dispose(id: number): Promise<void> {
  try {
    if (gate) await (await gate).dispose();
  } catch {
    // A gate that never loaded has nothing to free.
  }
  scope.postMessage({ type: 'done', id });
}
