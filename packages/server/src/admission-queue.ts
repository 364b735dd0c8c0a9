import pLimit, { type LimitFunction } from 'p-limit';

/** A task that never started: its request timed out or the client went away while it waited. */
export class DroppedFromQueue extends Error {
  constructor() {
    super('dropped from the queue before it started');
    this.name = 'DroppedFromQueue';
  }
}

/**
 * Runs at most `concurrency` images at once and lets at most `maxWaiting` more wait; a request whose
 * images do not all fit is refused whole (the caller answers 503 with Retry-After), so memory stays
 * bounded under any load.
 */
export class AdmissionQueue {
  readonly concurrency: number;
  readonly maxWaiting: number;
  readonly #limit: LimitFunction;
  /** Images admitted and not finished (running + waiting). */
  #admitted = 0;

  constructor(concurrency: number, maxWaiting: number) {
    this.concurrency = concurrency;
    this.maxWaiting = maxWaiting;
    this.#limit = pLimit(concurrency);
  }

  /** Images running now. */
  get running(): number {
    return this.#limit.activeCount;
  }

  /** Images waiting for a free slot. */
  get waiting(): number {
    return this.#limit.pendingCount;
  }

  /** Whether `count` more images fit now. */
  canAdmit(count: number): boolean {
    return this.#admitted + count <= this.concurrency + this.maxWaiting;
  }

  /**
   * Queues one task when there is room (check {@link canAdmit} for a whole request first). When
   * `signal` aborts before the task started, it is dropped and the promise rejects with
   * {@link DroppedFromQueue}; a task that started runs to its end.
   */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    this.#admitted += 1;
    return this.#limit(async () => {
      if (signal?.aborted) throw new DroppedFromQueue();
      return task();
    }).finally(() => {
      this.#admitted -= 1;
    });
  }
}
