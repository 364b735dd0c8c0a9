/**
 * Runs async tasks one after another, in call order; a failed task does not block the next.
 * The gate runs one inference at a time through one of these (ONNX Runtime already uses every
 * core inside one run, so concurrent runs only add contention, and onnxruntime-web's single WASM
 * heap must not see two at once); decoding of the next images overlaps it.
 * Hand-written (10 lines) rather than p-queue/p-limit: core has no dependencies and needs nothing else.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  /** Schedules `task` after every task queued before it. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves when every task queued so far has settled. */
  async idle(): Promise<void> {
    await this.tail;
  }
}
