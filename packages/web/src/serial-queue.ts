/**
 * Runs async tasks one after another. onnxruntime-web sessions must not run concurrently
 * (the WASM backend rejects overlapping `run` calls), so every session owns one queue.
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
