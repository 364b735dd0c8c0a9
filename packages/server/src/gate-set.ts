import type { BlurGate } from '@blurgate/node';

/** Makes a gate for a set of TTA scales; `undefined` scales mean the server's defaults. */
export type GateFactory = (options: { readonly scales?: readonly number[] }) => Promise<BlurGate>;

const sameScales = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((s, i) => s === b[i]);

/**
 * The default gate plus gates for other TTA scales asked for per request (`?fast=1`, `?scales=`),
 * made on first use and kept for the next requests; the least recently used beyond `maxCached` is disposed.
 */
export class GateSet {
  readonly #factory: GateFactory;
  readonly #maxCached: number;
  readonly #defaultGate: Promise<BlurGate>;
  readonly #byScales = new Map<string, Promise<BlurGate>>();

  constructor(factory: GateFactory, maxCached = 8) {
    this.#factory = factory;
    this.#maxCached = maxCached;
    this.#defaultGate = factory({});
  }

  /** The gate with the server's default options. */
  defaultGate(): Promise<BlurGate> {
    return this.#defaultGate;
  }

  /** The gate for `scales` (the default gate when they are absent or equal to its scales). */
  async forScales(scales: readonly number[] | undefined): Promise<BlurGate> {
    const fallback = await this.#defaultGate;
    if (scales === undefined || sameScales(scales, fallback.scales)) return fallback;
    const key = scales.join(',');
    let gate = this.#byScales.get(key);
    if (gate) {
      this.#byScales.delete(key); // re-inserted below: most recently used last
    } else {
      gate = this.#factory({ scales });
      gate.catch(() => this.#byScales.delete(key));
    }
    this.#byScales.set(key, gate);
    while (this.#byScales.size > this.#maxCached) {
      const [oldestKey, oldest] = this.#byScales.entries().next().value as [string, Promise<BlurGate>];
      this.#byScales.delete(oldestKey);
      void oldest.then((g) => g.dispose()).catch(() => undefined);
    }
    return gate;
  }

  /** Disposes every gate. */
  async dispose(): Promise<void> {
    const gates = [this.#defaultGate, ...this.#byScales.values()];
    this.#byScales.clear();
    await Promise.all(gates.map((g) => g.then((x) => x.dispose()).catch(() => undefined)));
  }
}
