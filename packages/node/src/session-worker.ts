// The worker thread of one session thread (session-thread.ts): owns one onnxruntime-node session, runs the inputs
// the main thread posts and answers with the logits. The input arrays arrive transferred and go back transferred
// with the answer (the main thread's staging buffers, reused); the model's bytes arrive with `workerData`.
import { parentPort, workerData } from 'node:worker_threads';
import { type ClassifyFailure, failureOf, type TensorDims } from '@blurgate/core';
import { loadOnnxSession, type OnnxModelSession, type OnnxSessionSettings } from './onnx-session.js';

/** What the thread starts with. */
export interface SessionThreadData {
  readonly modelBytes: Uint8Array;
  readonly settings: OnnxSessionSettings;
}

/** The main thread's requests. */
export type SessionRequest =
  | { readonly type: 'run'; readonly id: number; readonly input: Float32Array; readonly dims: TensorDims }
  | { readonly type: 'dispose' };

/** The thread's answers; every `run` answer carries its input back. Failures travel as core's records (`failureOf`):
 * errors lose their class across threads. */
export type SessionAnswer =
  | {
      readonly type: 'loaded';
      readonly inputNames: readonly string[];
      readonly outputNames: readonly string[];
      readonly inputChannels: 3 | 4;
    }
  | { readonly type: 'load-failed'; readonly failure: ClassifyFailure }
  | { readonly type: 'result'; readonly id: number; readonly logits: Float32Array; readonly input: Float32Array }
  | {
      readonly type: 'run-failed';
      readonly id: number;
      readonly failure: ClassifyFailure;
      readonly input: Float32Array;
    }
  | { readonly type: 'disposed' };

const port = parentPort;
if (port === null) throw new Error('session-worker.js runs only as a worker thread (see session-thread.ts)');
const answer = (message: SessionAnswer, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

const { modelBytes, settings } = workerData as SessionThreadData;
let session: OnnxModelSession | null = null;
const running = new Set<Promise<void>>();

async function run(request: Extract<SessionRequest, { type: 'run' }>, loaded: OnnxModelSession): Promise<void> {
  const { id, input } = request;
  const giveBack = [input.buffer as ArrayBuffer];
  try {
    // A copy of the two logits: the output's buffer belongs to onnxruntime.
    const logits = (await loaded.run(input, request.dims)).slice();
    answer({ type: 'result', id, logits, input }, giveBack);
  } catch (error) {
    answer({ type: 'run-failed', id, failure: failureOf(error), input }, giveBack);
  }
}

port.on('message', (request: SessionRequest) => {
  if (request.type === 'run' && session !== null) {
    const done = run(request, session).finally(() => running.delete(done));
    running.add(done);
  } else if (request.type === 'dispose') {
    void Promise.allSettled([...running])
      .then(() => session?.dispose())
      .finally(() => answer({ type: 'disposed' }));
  }
});

try {
  session = await loadOnnxSession(modelBytes, settings);
  const { inputNames, outputNames, inputChannels } = session;
  answer({ type: 'loaded', inputNames, outputNames, inputChannels });
} catch (error) {
  answer({ type: 'load-failed', failure: failureOf(error) });
}
