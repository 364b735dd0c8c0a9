import { failureOf, OptionError } from '@blurgate/core';
import type { BlurGate } from '@blurgate/node';
import { classifyWithGate } from './classify-with-gate.js';
import { type GateFactory, GateSet } from './gate-set.js';
import type { ClassifierInfo, ClassifyOutcome, ClassifyRequestOptions, ImageClassifier } from './image-classifier.js';

export interface InProcessClassifierOptions {
  /** A gate the caller owns (not disposed by the server); requests cannot change its scales. */
  readonly gate?: BlurGate;
  /** Makes the server's gates (disposed on close); requests may ask for other scales. */
  readonly gateFactory?: GateFactory;
  /** Images in progress at once (decoding overlaps the gate's one-at-a-time inference); default 2. */
  readonly concurrency?: number;
}

function infoOf(gate: BlurGate): ClassifierInfo {
  return {
    model: gate.model,
    runtimeName: gate.runtimeName,
    scales: gate.scales,
    thresholds: gate.thresholds,
    execution: { mode: 'in-process', workers: 0 },
  };
}

/**
 * Classifies on the calling thread: for embedding a gate you already have and for tests. Preprocessing
 * is synchronous JavaScript, so it blocks the event loop while it runs; `blurgate serve` uses the
 * worker pool instead.
 */
export function createInProcessClassifier(options: InProcessClassifierOptions): ImageClassifier {
  const { gate } = options;
  const gates = gate ? null : options.gateFactory ? new GateSet(options.gateFactory) : null;
  if (!gate && !gates) throw new OptionError('pass a gate or a gateFactory');
  const defaultGate = (): Promise<BlurGate> => (gate ? Promise.resolve(gate) : (gates as GateSet).defaultGate());
  return {
    concurrency: options.concurrency ?? 2,
    async ready(): Promise<ClassifierInfo> {
      return infoOf(await defaultGate());
    },
    async classify(bytes: Uint8Array, request: ClassifyRequestOptions): Promise<ClassifyOutcome> {
      let chosen: BlurGate;
      try {
        if (gate) {
          const asked = request.scales;
          if (asked && asked.join(',') !== gate.scales.join(',')) {
            throw new OptionError(
              `this server's gate runs scales ${gate.scales.join(',')} only; other scales are not available here`,
            );
          }
          chosen = gate;
        } else {
          chosen = await (gates as GateSet).forScales(request.scales);
        }
      } catch (error) {
        return { status: 'error', error: failureOf(error) };
      }
      return classifyWithGate(chosen, bytes);
    },
    async close(): Promise<void> {
      await gates?.dispose();
    },
  };
}
