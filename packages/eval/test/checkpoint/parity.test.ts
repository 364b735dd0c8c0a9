import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConvertedModel, convertCheckpoint } from '../../src/checkpoint/index.js';
import { type ReferenceOutput, readCheckpointReference } from './checkpoint-reference.js';
import { openSession } from './ort.js';
import { normalisedPattern, withFreqAux } from './pattern-images.js';

// PyTorch's numbers, written by tools/fixtures/make_checkpoint_fixtures.py
const FIXTURES = fileURLToPath(new URL('../fixtures/checkpoints/', import.meta.url));
const expected = readCheckpointReference();

function softmax(logits: Float32Array): [number, number] {
  const m = Math.max(logits[0] as number, logits[1] as number);
  const a = Math.exp((logits[0] as number) - m);
  const b = Math.exp((logits[1] as number) - m);
  return [a / (a + b), b / (a + b)];
}

function route(pSharp: number, pBlurred: number): string {
  if (Math.max(pSharp, pBlurred) < 0.6) return 'uncertain';
  return pBlurred >= 0.5 ? 'blurred' : 'sharp';
}

const CASES: { file: string; freqAuxInGraph: boolean }[] = [
  { file: 'large.pt', freqAuxInGraph: false },
  { file: 'large.pt', freqAuxInGraph: true },
  { file: 'small.pt', freqAuxInGraph: false },
  { file: 'small.pt', freqAuxInGraph: true },
  { file: 'small-wrapped.pt', freqAuxInGraph: false },
  { file: 'small-half.pt', freqAuxInGraph: false },
];

describe.each(CASES)(
  '$file converted with freqAuxInGraph=$freqAuxInGraph matches PyTorch',
  ({ file, freqAuxInGraph }) => {
    const reference = expected.models[file];
    if (!reference) throw new Error(`expected.json has no ${file}`);
    let converted: ConvertedModel;
    let session: Awaited<ReturnType<typeof openSession>>;

    beforeAll(async () => {
      converted = await convertCheckpoint(new Uint8Array(readFileSync(`${FIXTURES}${file}`)), { freqAuxInGraph });
      session = await openSession(converted.onnx);
    });
    afterAll(async () => session?.close());

    it('reports the architecture, input channels and parameter count', () => {
      expect(converted.architecture).toBe(reference.architecture);
      expect(converted.inputChannels).toBe(freqAuxInGraph ? 3 : 4);
      expect(converted.parameterCount).toBe(reference.parameters);
      // every key but the 4 freq_aux buffers feeds the backbone; the in-graph export also reads those
      expect(converted.keysUsed).toBe(freqAuxInGraph ? reference.keys : reference.keys - 4);
    });

    it.each(expected.patterns.map((name, kind) => ({ name, kind })))(
      '$name: logits within 1e-4 at every scale, same label',
      async ({ name, kind }) => {
        const want = reference.outputs[name] as ReferenceOutput;
        const probs: [number, number][] = [];
        for (const s of expected.scales) {
          const rgb = normalisedPattern(kind, s);
          const input = freqAuxInGraph ? rgb : withFreqAux(rgb, s);
          const logits = await session.run(input, [1, freqAuxInGraph ? 3 : 4, s, s]);
          const [a, b] = want.logits[String(s)] as [number, number];
          expect(Math.abs((logits[0] as number) - a), `${name} @${s} logit 0`).toBeLessThan(1e-4);
          expect(Math.abs((logits[1] as number) - b), `${name} @${s} logit 1`).toBeLessThan(1e-4);
          probs.push(softmax(logits));
        }
        const pSharp = probs.reduce((t, p) => t + p[0], 0) / probs.length;
        const pBlurred = probs.reduce((t, p) => t + p[1], 0) / probs.length;
        expect(pBlurred).toBeCloseTo(want.probBlurred, 5);
        expect(route(pSharp, pBlurred)).toBe(want.label);
      },
    );
  },
);
