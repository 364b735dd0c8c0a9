import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ModelSession, createBlurClassifier, modelInputTensor, toRgb } from '@blurgate/core';
import { createOnnxRuntime, decodeImage } from '@blurgate/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertCheckpoint } from '../../src/checkpoint/index.js';
import { type ReferenceOutput, readCheckpointReference } from './checkpoint-reference.js';

// The whole chain against the Python reference predictor: PNG decode (sharp), Pillow-exact resize,
// normalisation and FreqAux in @blurgate/core, the converted model in @blurgate/node's runtime, TTA, routing.
const FIXTURES = fileURLToPath(new URL('../fixtures/checkpoints/', import.meta.url));
const IMAGES = fileURLToPath(new URL('../../../node/test/fixtures/images/', import.meta.url));
const expected = readCheckpointReference();

describe.each([
  { file: 'large.pt', freqAuxInGraph: false },
  { file: 'large.pt', freqAuxInGraph: true },
  { file: 'small.pt', freqAuxInGraph: false },
])(
  '$file (freqAuxInGraph=$freqAuxInGraph) through @blurgate/node matches the reference predictor',
  ({ file, freqAuxInGraph }) => {
    const images = expected.models[file].images;
    let session: ModelSession;
    beforeAll(async () => {
      const { onnx } = await convertCheckpoint(new Uint8Array(readFileSync(`${FIXTURES}${file}`)), { freqAuxInGraph });
      session = await createOnnxRuntime({ intraOpNumThreads: 1 }).loadModel(onnx);
    });
    afterAll(async () => session?.dispose());

    it.each(Object.keys(images))(
      '%s: logits within 1e-4 at every scale, TTA probabilities and label equal',
      async (name) => {
        const want = images[name] as ReferenceOutput;
        const rgb = toRgb(await decodeImage(`${IMAGES}${name}`));
        for (const s of expected.scales) {
          const logits = await session.run(modelInputTensor(rgb, s, session.inputChannels), [
            1,
            session.inputChannels,
            s,
            s,
          ]);
          const [a, b] = want.logits[String(s)] as [number, number];
          expect(Math.abs((logits[0] as number) - a), `${name} @${s}`).toBeLessThan(1e-4);
          expect(Math.abs((logits[1] as number) - b), `${name} @${s}`).toBeLessThan(1e-4);
        }
        const prediction = await createBlurClassifier(session).classify(rgb);
        expect(Math.abs(prediction.probBlurred - want.probBlurred)).toBeLessThan(1e-4);
        expect(prediction.label).toBe(want.label);
      },
    );
  },
);
