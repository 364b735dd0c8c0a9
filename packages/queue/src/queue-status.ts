import type { Metrics } from 'bullmq';
import { Queue } from 'bullmq';
import { OptionError } from '@blurgate/core';
import { type QueueModelRecord, readModelRecord } from './model-record.js';
import { checkQueueName, KEY_PREFIX, queueKeys } from './queue-keys.js';
import { connectRedis, redisOptions } from './redis-connection.js';

/** Where a queue stands. Counts are inputs; `done + pending = enqueued`. */
export interface QueueStatus {
  readonly queue: string;
  readonly model: QueueModelRecord | null;
  /** Inputs ever enqueued. */
  readonly enqueued: number;
  /** Waiting for a worker (includes retries waiting out their backoff: `delayed`). */
  readonly waiting: number;
  /** Retries waiting out their backoff (part of `waiting`). */
  readonly delayed: number;
  /** In a worker's hands. */
  readonly active: number;
  /** Finished: classified or failed, collected or not. */
  readonly done: number;
  /** Finished with an error (part of `done`). */
  readonly failed: number;
  /** Results collect has written to disk and removed from Redis (part of `done`). */
  readonly collected: number;
  /** Workers connected to the queue now. */
  readonly workers: number;
  /** Recent rate (about the last five minutes), images per second; 0 when idle. */
  readonly imagesPerSecond: number;
  /** Seconds until `pending` is done at that rate, or null when the rate is 0. */
  readonly etaSeconds: number | null;
}

/**
 * Finished jobs per second from BullMQ's per-minute metrics: the current partial minute plus up
 * to four whole minutes before it.
 */
function recentRate(metrics: Metrics, now: number): { jobs: number; seconds: number } {
  const { count, prevTS, prevCount } = metrics.meta;
  if (!prevTS) return { jobs: 0, seconds: 0 };
  const minutes = Math.min(4, metrics.data.length);
  let jobs = count - prevCount;
  for (let i = 0; i < minutes; i++) jobs += metrics.data[i];
  return { jobs, seconds: Math.max(0, (now - prevTS) / 1000) + minutes * 60 };
}

/**
 * Reads a queue's counts, rate and ETA (a handful of Redis commands; cheap to poll).
 *
 * @throws {OptionError} for a bad queue name.
 */
export async function readQueueStatus(
  redisUrl: string,
  queueName: string,
  now: () => number = Date.now,
): Promise<QueueStatus> {
  const nameProblem = checkQueueName(queueName);
  if (nameProblem) throw new OptionError(nameProblem);
  const keys = queueKeys(queueName);
  const redis = await connectRedis(redisUrl);
  const queue = new Queue(queueName, { connection: redisOptions(redisUrl), prefix: KEY_PREFIX, skipMetasUpdate: true });
  // Connection trouble reaches us as rejected or waiting commands; BullMQ would also print it.
  queue.on('error', () => undefined);
  try {
    const [model, enqueued, collectedHash, counts, completedMetrics, failedMetrics, workers] = await Promise.all([
      readModelRecord(redis, keys.model),
      redis.llen(keys.order),
      redis.hgetall(keys.collected),
      queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed'),
      queue.getMetrics('completed'),
      queue.getMetrics('failed'),
      queue.getWorkersCount(),
    ]);
    const collectedOk = Number(collectedHash.ok ?? 0);
    const collectedError = Number(collectedHash.error ?? 0);
    const delayed = counts.delayed ?? 0;
    const waiting = (counts.waiting ?? 0) + (counts.prioritized ?? 0) + delayed;
    const active = counts.active ?? 0;
    const collected = collectedOk + collectedError;
    const done = (counts.completed ?? 0) + (counts.failed ?? 0) + collected;
    const failed = (counts.failed ?? 0) + collectedError;
    const at = now();
    const c = recentRate(completedMetrics, at);
    const f = recentRate(failedMetrics, at);
    const seconds = Math.max(c.seconds, f.seconds);
    const pending = waiting + active;
    const imagesPerSecond = seconds > 0 ? (c.jobs + f.jobs) / seconds : 0;
    const etaSeconds = pending === 0 ? 0 : imagesPerSecond > 0 ? pending / imagesPerSecond : null;
    return {
      queue: queueName,
      model,
      enqueued,
      waiting,
      delayed,
      active,
      done,
      failed,
      collected,
      workers,
      imagesPerSecond,
      etaSeconds,
    };
  } finally {
    await queue.close();
    await redis.quit().catch(() => undefined);
  }
}

function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The status as a few lines for a person. */
export function formatQueueStatus(status: QueueStatus): string {
  const model = status.model
    ? `${status.model.name}@${status.model.version}, scales ${status.model.scales.join(',')}`
    : 'none recorded yet';
  const eta =
    status.etaSeconds === null
      ? 'unknown (no recent progress)'
      : status.etaSeconds === 0
        ? 'done'
        : duration(status.etaSeconds);
  return [
    `queue ${status.queue} (model ${model}), ${status.workers} worker connection${status.workers === 1 ? '' : 's'}`,
    `  enqueued ${status.enqueued}  waiting ${status.waiting}${status.delayed ? ` (${status.delayed} retrying)` : ''}  active ${status.active}  done ${status.done}  failed ${status.failed}  collected ${status.collected}`,
    `  ${status.imagesPerSecond.toFixed(1)} images/s  ETA ${eta}`,
  ].join('\n');
}
