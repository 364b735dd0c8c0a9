import { BlurgateError } from '@blurgate/core';
import { type CheckpointTensor, type StateDict, formatShape } from './tensor.js';

/** An expected dimension: a number must match, `null` accepts any size. */
export type ExpectedDim = number | null;

/**
 * Reads tensors from a state dict by key, checking each shape and remembering which keys were used,
 * so conversion can refuse a checkpoint with missing, mis-shaped or unexpected keys by name.
 */
export class StateDictReader {
  private readonly used = new Set<string>();

  constructor(
    private readonly stateDict: StateDict,
    /** Prepended to every key, e.g. `backbone.` */
    private readonly prefix: string,
  ) {}

  /** Full key as written in the checkpoint. */
  key(name: string): string {
    return `${this.prefix}${name}`;
  }

  has(name: string): boolean {
    return this.stateDict.has(this.key(name));
  }

  /** The raw tensor (any dtype) or undefined; marks it used. */
  optional(name: string): CheckpointTensor | undefined {
    const key = this.key(name);
    const tensor = this.stateDict.get(key);
    if (tensor) this.used.add(key);
    return tensor;
  }

  /** A floating tensor of the expected shape; `why` says what it is for the error message. */
  float(
    name: string,
    expected: readonly ExpectedDim[],
    why: string,
  ): { shape: readonly number[]; values: Float32Array } {
    const key = this.key(name);
    const tensor = this.stateDict.get(key);
    const expectedText = expected.map((d) => (d === null ? 'N' : String(d))).join('×');
    if (!tensor) {
      throw new BlurgateError(
        'CONVERSION_FAILED',
        `checkpoint key ${key} is missing: expected a ${expectedText} tensor (${why})`,
      );
    }
    const matches =
      tensor.shape.length === expected.length && expected.every((d, i) => d === null || d === tensor.shape[i]);
    if (!matches) {
      throw new BlurgateError(
        'CONVERSION_FAILED',
        `checkpoint key ${key} has shape ${formatShape(tensor.shape)}, expected ${expectedText} (${why})`,
      );
    }
    if (!('values' in tensor)) {
      throw new BlurgateError(
        'CONVERSION_FAILED',
        `checkpoint key ${key} is an ${tensor.dtype} tensor, expected floating point (${why})`,
      );
    }
    this.used.add(key);
    return { shape: tensor.shape, values: tensor.values };
  }

  /** Marks a BatchNorm's `num_batches_tracked` used (it does not affect inference). */
  touch(name: string): void {
    const key = this.key(name);
    if (this.stateDict.has(key)) this.used.add(key);
  }

  /** Keys read so far. */
  get usedCount(): number {
    return this.used.size;
  }

  /** Keys under `prefix` that were never read, in checkpoint order. */
  unusedKeys(): string[] {
    return [...this.stateDict.keys()].filter((k) => k.startsWith(this.prefix) && !this.used.has(k));
  }
}
