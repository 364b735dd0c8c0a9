import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BlurgateError } from '@blurgate/core';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import {
  type CheckpointTensor,
  convertCheckpoint,
  readCheckpoint,
  readCheckpointObject,
} from '../../src/checkpoint/index.js';
import { readCheckpointReference } from './checkpoint-reference.js';
import { writeTorchSave } from './torch-save-writer.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/checkpoints/', import.meta.url));
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(`${FIXTURES}${name}`));
const expected = readCheckpointReference();

function codeOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (error instanceof BlurgateError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('did not throw');
}

describe('readCheckpoint on files written by PyTorch 1.13', () => {
  it('reads views (offsets, strides), float16, bfloat16, float64, int64 and scalars exactly as PyTorch', () => {
    const sd = readCheckpoint(fixture('views.pt'));
    expect([...sd.keys()]).toEqual(Object.keys(expected.views));
    for (const [key, want] of Object.entries(expected.views)) {
      const tensor = sd.get(key) as CheckpointTensor;
      expect(tensor.shape, key).toEqual(want.shape);
      if (want.integers) {
        expect('integers' in tensor && [...tensor.integers].map(String), key).toEqual(want.integers);
      } else {
        expect('values' in tensor && [...tensor.values], key).toEqual(want.values?.map(Math.fround));
      }
    }
  });

  it('unwraps {"model_state_dict": ...} and strips the module. prefix', () => {
    const plain = readCheckpoint(fixture('small.pt'));
    const wrapped = readCheckpoint(fixture('small-wrapped.pt'));
    expect([...wrapped.keys()]).toEqual([...plain.keys()]);
    const key = 'backbone.features.0.0.weight';
    expect((wrapped.get(key) as { values: Float32Array }).values).toEqual(
      (plain.get(key) as { values: Float32Array }).values,
    );
  });

  it('keeps the dtype of a float16 checkpoint and widens its values to float32', () => {
    const tensor = readCheckpoint(fixture('small-half.pt')).get('backbone.features.0.0.weight');
    expect(tensor?.dtype).toBe('float16');
    expect(tensor && 'values' in tensor && tensor.values).toBeInstanceOf(Float32Array);
  });
});

describe('untrusted pickles are refused', () => {
  it('refuses GLOBAL os.system before calling anything', () => {
    const { code, message } = codeOf(() => readCheckpoint(fixture('malicious-os-system.pt')));
    expect(code).toBe('UNSAFE_CHECKPOINT');
    expect(message).toContain('os.system');
    expect(message).toContain('refusing to load an untrusted checkpoint');
  });

  it('refuses an object whose __reduce__ is posix.system (as torch.save writes it)', async () => {
    await expect(convertCheckpoint(fixture('malicious-reduce.pt'))).rejects.toMatchObject({
      code: 'UNSAFE_CHECKPOINT',
      message: expect.stringContaining('posix.system'),
    });
  });

  it.each([
    [
      'builtins.eval via STACK_GLOBAL',
      [
        0x80,
        0x04,
        0x8c,
        8,
        ...'builtins'.split('').map((c) => c.charCodeAt(0)),
        0x8c,
        4,
        ...'eval'.split('').map((c) => c.charCodeAt(0)),
        0x93,
        0x2e,
      ],
      'builtins.eval',
    ],
    [
      'a REDUCE of a storage class',
      [0x80, 0x02, 0x63, ...'torch\nFloatStorage\n'.split('').map((c) => c.charCodeAt(0)), 0x29, 0x52, 0x2e],
      'torch.FloatStorage',
    ],
    [
      'INST subprocess.Popen',
      [0x28, 0x69, ...'subprocess\nPopen\n'.split('').map((c) => c.charCodeAt(0)), 0x2e],
      'subprocess.Popen',
    ],
  ])('refuses %s', (_, opcodes, named) => {
    const zip = zipSync({ 'x/data.pkl': [new Uint8Array(opcodes), { level: 0 }] });
    const { code, message } = codeOf(() => readCheckpointObject(zip));
    expect(code).toBe('UNSAFE_CHECKPOINT');
    expect(message).toContain(named);
  });

  it('says what to do with a legacy (non-ZIP) torch.save file and with a file that is no checkpoint', () => {
    expect(codeOf(() => readCheckpoint(new Uint8Array([0x80, 0x02, 0x8a, 0x0a]))).message).toContain('legacy');
    expect(codeOf(() => readCheckpoint(new TextEncoder().encode('<html>404</html>'))).message).toContain(
      'not a PyTorch checkpoint',
    );
  });
});

describe('the TypeScript torch.save writer round-trips through the reader', () => {
  it('reads a transposed view with an offset into a larger storage', () => {
    const storage = new Float32Array(20).map((_, i) => i);
    const sd = readCheckpoint(
      writeTorchSave(
        new Map([['t', { shape: [3, 2], values: storage, offset: 4, stride: [1, 3] }]]),
        'any-folder-name',
      ),
    );
    expect([...(sd.get('t') as { values: Float32Array }).values]).toEqual([4, 7, 5, 8, 6, 9]);
  });

  it('refuses a view that reaches past its storage', () => {
    const zip = writeTorchSave(new Map([['t', { shape: [4, 4], values: new Float32Array(10) }]]));
    expect(codeOf(() => readCheckpoint(zip)).message).toContain('outside its storage');
  });
});
