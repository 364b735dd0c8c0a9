import type { InputProblem } from '@blurgate/node';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { type ClassificationRecord, OptionError } from '@blurgate/core';
import { type InputSources, expandInputs } from './input-sources.js';
import { type ClassifyJobData, JOB_NAME, jobOptions, type RetryOptions } from './job-options.js';
import { canonicalInput, jobIdOf } from './job-id.js';
import { assertSameModel, ensureModelRecord, type QueueModelRecord, settingsDifference } from './model-record.js';
import { checkQueueName, KEY_PREFIX, queueKeys } from './queue-keys.js';
import { connectRedis, redisOptions } from './redis-connection.js';

export interface EnqueueOptions extends InputSources, RetryOptions {
  readonly redis: string;
  readonly queue: string;
  /** The model (and scales, thresholds) the caller classifies with; recorded when the queue is created. */
  readonly model: QueueModelRecord;
  /** Inputs per Redis round trip; default 500. */
  readonly batchSize?: number;
  /**
   * Back-pressure: wait while this many inputs are enqueued but not yet collected (each holds a
   * job, then a result, in Redis). With `collect` running alongside, Redis memory stays bounded
   * however long the input list is. Default: no limit.
   */
  readonly maxPending?: number;
  /** How often to look again while held back, ms; default 1000. */
  readonly pollMs?: number;
}

export interface EnqueueSummary {
  /** Inputs added by this call. */
  readonly added: number;
  /** Inputs this call found already enqueued (by any earlier enqueue). */
  readonly alreadyQueued: number;
  /** Inputs in the queue's enqueue order after this call. */
  readonly total: number;
  /** Arguments that gave no input (an empty folder, a glob matching nothing). */
  readonly problems: readonly InputProblem[];
  /** The model record the queue holds. */
  readonly model: QueueModelRecord;
}

// Adds each id not yet known to the id set and, if new, to the enqueue order, atomically;
// returns how many were new. The set is what makes a second enqueue of the same input a no-op
// even after collect has removed its job.
const RECORD_ORDER = `
local added = 0
for i = 1, #ARGV do
  if redis.call('SADD', KEYS[1], ARGV[i]) == 1 then
    redis.call('RPUSH', KEYS[2], ARGV[i])
    added = added + 1
  end
end
return added`;

/**
 * Adds one job per input, with a stable id (see {@link jobIdOf}), to the queue; inputs already
 * enqueued are skipped. The first enqueue records the model; a later one with another model or
 * other scales/thresholds is refused.
 *
 * @param options - where (redis URL, queue), what (args, list file) and the model record.
 * @returns counts and the held model record.
 * @throws {ModelError} UNSUPPORTED_MODEL when the queue is for another model; {OptionError} for
 *   other scales or thresholds or a bad queue name.
 * @example
 * ```ts
 * const gate = await createBlurGate();
 * await enqueueInputs({ redis: 'redis://127.0.0.1:6379', queue: 'photos', args: ['photos/'], recursive: true, model: modelRecordOf(gate) });
 * ```
 */
export async function enqueueInputs(options: EnqueueOptions): Promise<EnqueueSummary> {
  const nameProblem = checkQueueName(options.queue);
  if (nameProblem) throw new OptionError(nameProblem);
  const keys = queueKeys(options.queue);
  const redis = await connectRedis(options.redis);
  const queue = new Queue<ClassifyJobData, ClassificationRecord, typeof JOB_NAME>(options.queue, {
    connection: redisOptions(options.redis),
    prefix: KEY_PREFIX,
  });
  // Connection trouble reaches us as rejected or waiting commands; BullMQ would also print it.
  queue.on('error', () => undefined);
  const batchSize = options.batchSize ?? 500;
  const problems: InputProblem[] = [];
  let added = 0;
  let alreadyQueued = 0;
  try {
    const held = await ensureModelRecord(redis, keys.model, options.model);
    assertSameModel(options.queue, held, options.model);
    const difference = settingsDifference(held, options.model);
    if (difference) {
      throw new OptionError(
        `queue "${options.queue}" classifies with ${difference}; enqueue without those options or use another --queue`,
      );
    }

    const maxPending = options.maxPending;
    const batchLimit = Math.min(batchSize, maxPending ?? batchSize);
    // While an enqueue runs (or is held back), `feeding` tells a waiting collect that more inputs
    // are coming; it expires on its own if this process dies.
    const holdBack = async (adding: number): Promise<void> => {
      await redis.set(keys.feeding, String(process.pid), 'PX', 15_000);
      if (maxPending === undefined) return;
      for (;;) {
        await redis.set(keys.feeding, String(process.pid), 'PX', 15_000);
        const [enqueued, collected] = await Promise.all([
          redis.llen(keys.order),
          redis.hmget(keys.collected, 'ok', 'error'),
        ]);
        const pending = enqueued - Number(collected[0] ?? 0) - Number(collected[1] ?? 0);
        if (pending + adding <= maxPending) return;
        await sleep(options.pollMs ?? 1000);
      }
    };
    let batch = new Map<string, string>();
    const flush = async (): Promise<void> => {
      if (batch.size === 0) return;
      await holdBack(batch.size);
      const ids = [...batch.keys()];
      const known = await redis.smismember(keys.ids, ...ids);
      const fresh = ids.filter((_, i) => known[i] === 0);
      alreadyQueued += ids.length - fresh.length;
      if (fresh.length > 0) {
        // Jobs first, then the order: a crash in between leaves jobs that the next enqueue
        // (BullMQ skips an existing job id) puts in the order; never an order entry without a job.
        await queue.addBulk(
          fresh.map((id) => ({
            name: JOB_NAME,
            data: { input: batch.get(id) as string },
            opts: jobOptions(id, options),
          })),
        );
        const recorded = Number(await redis.eval(RECORD_ORDER, 2, keys.ids, keys.order, ...fresh));
        added += recorded;
        alreadyQueued += fresh.length - recorded; // a concurrent enqueue recorded them first
      }
      batch = new Map();
    };
    for await (const input of expandInputs(options, problems)) {
      let canonical: string;
      try {
        canonical = canonicalInput(input);
      } catch {
        problems.push({ input, code: 'INPUT_NOT_FOUND', message: `${input}: not a valid http(s) URL` });
        continue;
      }
      const id = jobIdOf(canonical);
      if (!batch.has(id)) batch.set(id, canonical);
      if (batch.size >= batchLimit) await flush();
    }
    await flush();
    await redis.del(keys.feeding);
    const total = await redis.llen(keys.order);
    return { added, alreadyQueued, total, problems, model: held };
  } finally {
    await queue.close();
    await redis.quit().catch(() => undefined);
  }
}
