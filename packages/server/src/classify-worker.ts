// The piscina worker: each worker thread owns its gates (one model session, shared between the gates
// of different TTA scales) and decodes, preprocesses and runs one image at a time off the main thread.
import { workerData } from 'node:worker_threads';
import { failureOf } from '@blurgate/core';
import { createBlurGate, createOnnxRuntime } from '@blurgate/node';
import { classifyWithGate } from './classify-with-gate.js';
import { GateSet } from './gate-set.js';
import type { ClassifyWorkerData, ClassifyWorkerReply, ClassifyWorkerTask } from './classify-worker-protocol.js';
import { createTimedSharedRuntime } from './timed-shared-runtime.js';

const options = workerData as ClassifyWorkerData;
const runtime = createTimedSharedRuntime(createOnnxRuntime({ intraOpNumThreads: options.intraOpNumThreads }));
const gates = new GateSet(
  ({ scales }) =>
    createBlurGate({
      model: options.model,
      fast: scales ? undefined : options.fast,
      scales,
      maxPixels: options.maxPixels,
      runtime,
    }),
  options.maxCachedGates,
);
// Load the model as soon as the worker starts; a failure is answered to every task.
gates.defaultGate().catch(() => undefined);

export default async function classifyTask(task: ClassifyWorkerTask): Promise<ClassifyWorkerReply> {
  if (task.kind === 'info') {
    try {
      const gate = await gates.defaultGate();
      return {
        kind: 'info',
        info: { model: gate.model, runtimeName: gate.runtimeName, scales: gate.scales, thresholds: gate.thresholds },
      };
    } catch (error) {
      return { kind: 'failed', error: failureOf(error) };
    }
  }
  let gate: Awaited<ReturnType<GateSet['forScales']>>;
  try {
    gate = await gates.forScales(task.scales);
  } catch (error) {
    return { kind: 'outcome', outcome: { status: 'error', error: failureOf(error) } };
  }
  const outcome = await classifyWithGate(gate, task.bytes, {
    maxPixels: options.maxPixels,
    takeInferenceMs: () => runtime.takeInferenceMs(),
  });
  return { kind: 'outcome', outcome };
}
