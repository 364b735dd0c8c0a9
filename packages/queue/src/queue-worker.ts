import { type ClassificationRecord, OptionError } from '@blurgate/core';
import { type BlurGate, createBlurGate } from '@blurgate/node';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker, type WorkerOptions } from 'bullmq';
import { createJobProcessor } from './classify-job.js';
import type { FetchImageOptions } from './fetch-image.js';
import type { ClassifyJobData } from './job-options.js';
import {
  assertSameModel,
  ensureModelRecord,
  modelRecordOf,
  type QueueModelRecord,
  readModelRecord,
  settingsDifference,
} from './model-record.js';
import { checkQueueName, KEY_PREFIX, queueKeys } from './queue-keys.js';
import { connectRedis, redisOptions } from './redis-connection.js';

export interface QueueWorkerOptions extends FetchImageOptions {
  readonly redis: string;
  readonly queue: string;
  /** Model spec as for `createBlurGate` (path, folder, name@version); default the installed default model. */
  readonly model?: string;
  /** Jobs in hand at once (decoding overlaps inference); default 2. */
  readonly concurrency?: number;
  readonly maxPixels?: number;
  /**
   * How long a job's lock lives without renewal, in ms (default 30000). A killed worker's jobs go
   * back to the queue within about twice this; the stalled-job check runs at the same interval.
   */
  readonly lockDurationMs?: number;
  /** Shown as the worker's name in BullMQ (job.processedBy). */
  readonly name?: string;
}

/** A running worker; `close()` finishes the jobs in hand, then frees the model and connections. */
export interface QueueWorker {
  readonly worker: Worker<ClassifyJobData, ClassificationRecord>;
  readonly gate: BlurGate;
  /** The queue's model record this worker classifies with. */
  readonly model: QueueModelRecord;
  close(): Promise<void>;
}

/**
 * BullMQ worker settings of every blurgate worker (exported so the benchmark's no-model workers
 * measure Redis with exactly these).
 */
export function queueWorkerSettings(
  options: Pick<QueueWorkerOptions, 'redis' | 'concurrency' | 'lockDurationMs' | 'name'>,
): WorkerOptions {
  const lockDuration = options.lockDurationMs ?? 30_000;
  return {
    connection: redisOptions(options.redis),
    prefix: KEY_PREFIX,
    name: options.name,
    concurrency: options.concurrency ?? 2,
    lockDuration,
    stalledInterval: lockDuration,
    // A job whose worker died twice is failed (RUNTIME_FAILED) rather than crashing workers forever.
    maxStalledCount: 2,
    // Per-minute completed/failed counts: what `status` computes images/s from.
    metrics: { maxDataPoints: 24 * 60 },
    // After a Redis outage, retry finishing a job after 1 s instead of BullMQ's 15 s.
    runRetryDelay: 1000,
  };
}

/** After the jobs in hand are classified, how long close() lets BullMQ save their results. */
const CLOSE_GRACE_MS = 5000;

async function gateFor(options: QueueWorkerOptions, settings?: QueueModelRecord): Promise<BlurGate> {
  return createBlurGate({
    model: options.model,
    maxPixels: options.maxPixels,
    scales: settings?.scales,
    confidenceThreshold: settings?.confidenceThreshold,
    blurThreshold: settings?.blurThreshold,
  });
}

/**
 * Loads the model, checks it is the queue's (or records it, when the queue is new) and starts a
 * BullMQ worker that classifies with the queue's scales and thresholds.
 *
 * @param options - redis URL, queue name, model and tuning.
 * @returns the running worker.
 * @throws {ModelError} UNSUPPORTED_MODEL when the queue was created for another model (nothing
 *   is processed); other BlurgateErrors when the model cannot be loaded.
 * @example
 * ```ts
 * const w = await startQueueWorker({ redis: 'redis://127.0.0.1:6379', queue: 'photos', concurrency: 2 });
 * process.once('SIGTERM', () => void w.close());
 * ```
 */
export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorker> {
  const nameProblem = checkQueueName(options.queue);
  if (nameProblem) throw new OptionError(nameProblem);
  const concurrency = options.concurrency ?? 2;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new OptionError(`concurrency must be a positive integer, got ${concurrency}`);
  const keys = queueKeys(options.queue);
  const redis = await connectRedis(options.redis);
  let gate: BlurGate | null = null;
  try {
    const existing = await readModelRecord(redis, keys.model);
    gate = await gateFor(options, existing ?? undefined);
    const mine = modelRecordOf(gate);
    const held = existing ?? (await ensureModelRecord(redis, keys.model, mine));
    assertSameModel(options.queue, held, mine);
    if (settingsDifference(held, mine)) {
      // Another process created the queue between our read and write, with other settings.
      await gate.dispose();
      gate = await gateFor(options, held);
    }
    // Jobs whose processing has not returned yet: on close, these are the work worth waiting for.
    const classify = createJobProcessor(gate, options);
    let inHand = 0;
    let idle: (() => void) | null = null;
    const processor = async (job: Parameters<typeof classify>[0]): Promise<ClassificationRecord> => {
      inHand++;
      try {
        return await classify(job);
      } finally {
        inHand--;
        if (inHand === 0) idle?.();
      }
    };
    const worker = new Worker<ClassifyJobData, ClassificationRecord>(
      options.queue,
      processor,
      queueWorkerSettings(options),
    );
    const running = gate;
    let closing: Promise<void> | null = null;
    return {
      worker,
      gate: running,
      model: held,
      close() {
        closing ??= (async () => {
          let closed = false;
          const graceful = worker.close().then(() => {
            closed = true;
          });
          // BullMQ's close waits until the results are saved, retrying while Redis is down. Once
          // every job in hand has been classified, give it a few seconds, then disconnect: a result
          // that could not be saved is classified again after its lock expires, never lost.
          const processed = inHand === 0 ? Promise.resolve() : new Promise<void>((resolve) => (idle = resolve));
          await Promise.race([graceful, processed.then(() => sleep(CLOSE_GRACE_MS))]);
          // With Redis down, even a forced disconnect can wait for a socket event: bound it too.
          if (!closed) await Promise.race([worker.disconnect().catch(() => undefined), sleep(2000)]);
          await running.dispose();
          await Promise.race([redis.quit().catch(() => undefined), sleep(1000)]);
          redis.disconnect();
        })();
        return closing;
      },
    };
  } catch (error) {
    await gate?.dispose();
    redis.disconnect();
    throw error;
  }
}
