/**
 * Runs async tasks one after another. Every web session owns one: runs start in call order and never
 * compete for onnxruntime-web's single WASM heap and thread pool (a queued run's tensors are made
 * only when its turn comes, so a burst of calls does not pile up copies of the input in WASM memory).
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  /** Schedules `task` after every task queued before it; a failed task does not block the queue. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
