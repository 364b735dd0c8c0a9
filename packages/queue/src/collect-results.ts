import { open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ClassificationRecord, classificationRecord, OptionError } from '@blurgate/core';
import { FileSorter } from '@blurgate/node';
import { type Job, Queue } from 'bullmq';
import { parseFailureReason } from './failure-reason.js';
import type { ClassifyJobData } from './job-options.js';
import { isUrl, jobIdOf } from './job-id.js';
import { checkQueueName, KEY_PREFIX, queueKeys } from './queue-keys.js';
import { connectRedis, redisOptions } from './redis-connection.js';
import { readExistingResults } from './results-file.js';

export interface CollectOptions {
  readonly redis: string;
  readonly queue: string;
  /** The JSON-lines file; created, or resumed when it exists. */
  readonly out: string;
  /** Copy each classified local file into `DIR/{sharp,blurred,uncertain}/` (records gain `sorted_to`). */
  readonly sortInto?: string;
  /** Wait for unfinished inputs (default true); false writes what is finished in order and returns. */
  readonly wait?: boolean;
  /** How often to look again while waiting, ms; default 1000. */
  readonly pollMs?: number;
  /** Inputs read per round trip; default 500. */
  readonly batchSize?: number;
  /** Called after each batch is written. */
  readonly onProgress?: (progress: { written: number; total: number }) => void;
  readonly signal?: AbortSignal;
}

export interface CollectSummary {
  /** Lines the file had before (resumed). */
  readonly alreadyWritten: number;
  /** Lines this call appended. */
  readonly written: number;
  /** Lines in the file with an error record (old and new). */
  readonly errors: number;
  /** Inputs enqueued. */
  readonly total: number;
  /** Inputs not yet in the file (0 unless `wait` is false or the signal aborted). */
  readonly pending: number;
}

/** A job's final record, or null while it is unfinished. */
function recordOf(job: Job<ClassifyJobData, ClassificationRecord>): ClassificationRecord | null {
  if (!job.finishedOn) return null;
  if (job.returnvalue && typeof job.returnvalue === 'object') return job.returnvalue;
  return classificationRecord({ status: 'error', input: job.data.input, error: parseFailureReason(job.failedReason) });
}

function vanished(id: string): ClassificationRecord {
  return classificationRecord({
    status: 'error',
    input: `job:${id}`,
    error: {
      code: 'RUNTIME_FAILED',
      message: `job ${id} is no longer in Redis (removed by something other than this collect, e.g. a second collect on the same queue)`,
    },
  });
}

/**
 * Streams a queue's results into a JSON-lines file: exactly one line per enqueued input, in
 * enqueue order, each the CLI's `--json` record (failures included, with their code). After each
 * batch is written and fsynced, its jobs are removed from Redis, so Redis only ever holds results
 * not yet on disk. Resumable: an existing file is continued after its last complete line (a line
 * cut by a crash is dropped and written again).
 *
 * @param options - redis URL, queue, output file and optional sort folder.
 * @returns what was written and what is still pending.
 * @throws {OptionError} when the file belongs to another queue (its lines do not match the
 *   queue's enqueue order).
 * @example
 * ```ts
 * const s = await collectResults({ redis: 'redis://127.0.0.1:6379', queue: 'photos', out: 'results.jsonl' });
 * ```
 */
export async function collectResults(options: CollectOptions): Promise<CollectSummary> {
  const nameProblem = checkQueueName(options.queue);
  if (nameProblem) throw new OptionError(nameProblem);
  const keys = queueKeys(options.queue);
  const batchSize = options.batchSize ?? 500;
  const pollMs = options.pollMs ?? 1000;
  const wait = options.wait ?? true;
  const sorter = options.sortInto ? new FileSorter(options.sortInto, 'copy', false) : null;

  let existing: Awaited<ReturnType<typeof readExistingResults>>;
  try {
    existing = await readExistingResults(options.out);
  } catch (error) {
    if (error instanceof SyntaxError)
      throw new OptionError(`${options.out} is not a results file of blurgate queue collect (a line is not JSON)`);
    throw error;
  }
  const redis = await connectRedis(options.redis);
  const queue = new Queue<ClassifyJobData, ClassificationRecord>(options.queue, {
    connection: redisOptions(options.redis),
    prefix: KEY_PREFIX,
    skipMetasUpdate: true,
  });
  // Connection trouble reaches us as rejected or waiting commands; BullMQ would also print it.
  queue.on('error', () => undefined);
  const file = await open(options.out, 'a');
  let written = existing.lines;
  let errors = existing.errors;
  let total = 0;
  try {
    total = await redis.llen(keys.order);
    if (existing.lines > total) {
      throw new OptionError(
        `${options.out} has ${existing.lines} lines but queue "${options.queue}" has only ${total} inputs: another queue's file?`,
      );
    }
    if (existing.lines > 0) {
      const [expected] = await redis.lrange(keys.order, existing.lines - 1, existing.lines - 1);
      const lastInput = existing.last?.file;
      if (typeof lastInput !== 'string' || jobIdOf(lastInput) !== expected) {
        throw new OptionError(
          `${options.out} does not match queue "${options.queue}": its line ${existing.lines} is not the queue's input ${existing.lines}`,
        );
      }
      // A crash between the fsync and the removals leaves the last batch's jobs in Redis: remove them.
      const tail = await redis.lrange(keys.order, Math.max(0, existing.lines - batchSize), existing.lines - 1);
      await Promise.all(tail.map((id) => queue.remove(id)));
    }

    // Waiting, collect also goes on while an enqueue is still adding inputs (e.g. held back by --max-pending).
    // `feeding` is read before the order: enqueue pushes its last inputs before deleting it.
    const more = async (): Promise<boolean> => {
      const feeding = (await redis.exists(keys.feeding)) === 1;
      total = await redis.llen(keys.order);
      if (written < total) return true;
      if (!feeding) return false;
      await sleep(pollMs, undefined, { signal: options.signal }).catch(() => undefined);
      return !options.signal?.aborted;
    };
    while (written < total || (wait && (await more()))) {
      if (options.signal?.aborted) break;
      if (written >= total) continue;
      const ids = await redis.lrange(keys.order, written, written + batchSize - 1);
      const jobs = await Promise.all(
        ids.map((id) => queue.getJob(id) as Promise<Job<ClassifyJobData, ClassificationRecord> | undefined>),
      );
      const lines: string[] = [];
      let ok = 0;
      let failed = 0;
      for (const [i, job] of jobs.entries()) {
        let record = job ? recordOf(job) : vanished(ids[i]);
        if (record === null) break; // unfinished: the order stops here for now
        if (sorter) {
          let sortedTo: string | null = null;
          if (record.status === 'ok' && record.label && !isUrl(record.file)) {
            try {
              // A string source gives a string target (the sorter keeps bytes only for non-UTF-8 names).
              sortedTo = String(await sorter.place(record.file, record.label));
            } catch (error) {
              record = classificationRecord({
                status: 'error',
                input: record.file,
                error: { code: 'SORT_FAILED', message: (error as Error).message },
              });
            }
          }
          record = { ...record, sorted_to: sortedTo };
        }
        if (record.status === 'ok') ok++;
        else failed++;
        lines.push(`${JSON.stringify(record)}\n`);
      }
      if (lines.length > 0) {
        await file.write(lines.join(''));
        await file.sync();
        const done = ids.slice(0, lines.length);
        await Promise.all(done.map((id) => queue.remove(id)));
        await redis.hincrby(keys.collected, 'ok', ok);
        await redis.hincrby(keys.collected, 'error', failed);
        written += lines.length;
        errors += failed;
        options.onProgress?.({ written, total });
      }
      if (lines.length < ids.length) {
        if (!wait) break;
        await sleep(pollMs, undefined, { signal: options.signal }).catch(() => undefined);
      }
    }
    return {
      alreadyWritten: existing.lines,
      written: written - existing.lines,
      errors,
      total,
      pending: total - written,
    };
  } finally {
    await file.close();
    await queue.close();
    await redis.quit().catch(() => undefined);
  }
}
