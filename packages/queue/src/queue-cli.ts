import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { BlurgateError, parseScales } from '@blurgate/core';
import { createBlurGate } from '@blurgate/node';
import { UnrecoverableError } from 'bullmq';
import yargs, { type Argv } from 'yargs';
import { collectResults } from './collect-results.js';
import { enqueueInputs } from './enqueue.js';
import { modelRecordOf } from './model-record.js';
import { formatQueueStatus, readQueueStatus } from './queue-status.js';
import { startQueueWorker } from './queue-worker.js';

/** Where the commands write; `isTTY` on stdout picks the live status view. */
export interface QueueCliIo {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
}

/** A mistake in how a command was called, or a setup it cannot work with: exit code 2. */
class QueueUsageError extends Error {}

function positiveInteger(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new QueueUsageError(`--${name} must be a positive integer, got "${String(value)}"`);
  return n;
}

function probability(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1)
    throw new QueueUsageError(`--${name} must be a number between 0 and 1, got "${String(value)}"`);
  return n;
}

function scalesOf(value: unknown): number[] | undefined {
  if (value === undefined) return undefined;
  try {
    return parseScales(String(value), '--scales');
  } catch (error) {
    throw new QueueUsageError((error as Error).message);
  }
}

function common<T>(y: Argv<T>) {
  return y
    .option('redis', {
      type: 'string',
      default: process.env.BLURGATE_REDIS_URL ?? 'redis://127.0.0.1:6379',
      describe: 'Redis URL (env BLURGATE_REDIS_URL)',
    })
    .option('queue', { type: 'string', demandOption: true, describe: 'Queue name' });
}

/**
 * Runs `blurgate queue <enqueue|worker|status|collect> ...` (the `blurgate` CLI of @blurgate/node
 * hands `queue` commands here; `blurgate-queue` is the same without the prefix).
 *
 * @param argv - the arguments after `queue`.
 * @param io - output streams.
 * @returns the exit code: 0 done, 1 some inputs failed (collect), 2 usage or setup error
 *   (including a worker refused by a queue made for another model).
 * @example
 * ```ts
 * process.exitCode = await runQueueCli(['status', '--queue', 'photos'], { stdout: process.stdout, stderr: process.stderr });
 * ```
 */
export async function runQueueCli(
  argv: readonly string[],
  io: QueueCliIo,
  scriptName = 'blurgate queue',
): Promise<number> {
  let exitCode = 0;
  try {
    await yargs([...argv])
      .scriptName(scriptName)
      .usage('$0 <command> [options]\n\nClassify images on many workers through a BullMQ queue in Redis.')
      .version(false)
      .command(
        'enqueue [inputs..]',
        'Add images (files, folders, globs, http(s) URLs) to a queue; re-running adds nothing twice',
        (y) =>
          common(y)
            .positional('inputs', { type: 'string', array: true, describe: 'Files, folders, globs or http(s) URLs' })
            .option('recursive', { alias: 'r', type: 'boolean', default: false, describe: 'Descend into subfolders' })
            .option('list', {
              type: 'string',
              describe: 'Text file of paths or http(s) URLs, one a line (- for stdin)',
            })
            .option('model', {
              alias: 'm',
              type: 'string',
              describe: 'Model the queue is for (recorded when the queue is created)',
            })
            .option('scales', { type: 'string', describe: 'TTA scales, e.g. 256,320,384,448,512' })
            .option('fast', { type: 'boolean', default: false, describe: 'Single scale (384)' })
            .option('confidence-threshold', { type: 'string', describe: 'Below this confidence: uncertain' })
            .option('blur-threshold', { type: 'string', describe: 'At or above this p_blurred: blurred' })
            .option('attempts', { type: 'string', describe: 'Tries per input for transient failures (default 4)' })
            .option('backoff', { type: 'string', describe: 'First retry delay in ms, doubled each try (default 2000)' })
            .option('max-pending', {
              type: 'string',
              describe: 'Wait while N inputs are not yet collected (bounds Redis memory; run collect alongside)',
            })
            .example('$0 enqueue --queue photos -r /data/photos', 'Enqueue a folder tree'),
        async (a) => {
          const inputs = (a.inputs ?? []).map(String);
          if (inputs.length === 0 && a.list === undefined)
            throw new QueueUsageError('name inputs to enqueue, or --list FILE');
          if (a.list !== undefined && a.list !== '-' && !existsSync(a.list))
            throw new QueueUsageError(`--list ${a.list}: no such file`);
          if (a.fast && a.scales !== undefined) throw new QueueUsageError('pass either --scales or --fast, not both');
          const gate = await createBlurGate({
            model: a.model,
            fast: a.fast,
            scales: scalesOf(a.scales),
            confidenceThreshold: probability('confidence-threshold', a.confidenceThreshold),
            blurThreshold: probability('blur-threshold', a.blurThreshold),
          });
          const model = modelRecordOf(gate);
          await gate.dispose();
          const summary = await enqueueInputs({
            redis: a.redis,
            queue: a.queue,
            args: inputs,
            recursive: a.recursive,
            list: a.list,
            model,
            attempts: positiveInteger('attempts', a.attempts),
            backoffMs: positiveInteger('backoff', a.backoff),
            maxPending: positiveInteger('max-pending', a.maxPending),
          });
          for (const p of summary.problems) io.stderr.write(`warning: ${p.message} [${p.code}]\n`);
          io.stderr.write(
            `enqueued ${summary.added} new input${summary.added === 1 ? '' : 's'} (${summary.alreadyQueued} already queued); ` +
              `queue ${a.queue} holds ${summary.total} for ${summary.model.name}@${summary.model.version}, scales ${summary.model.scales.join(',')}\n`,
          );
          if (summary.added + summary.alreadyQueued === 0) exitCode = 2;
        },
      )
      .command(
        'worker',
        'Classify jobs of a queue until stopped (SIGTERM finishes the jobs in hand)',
        (y) =>
          common(y)
            .option('model', { alias: 'm', type: 'string', describe: "Must be the queue's model (same sha256)" })
            .option('concurrency', { type: 'string', describe: 'Jobs in hand at once (default 2)' })
            .option('max-pixels', { type: 'string', describe: 'Refuse larger images (default 100000000)' })
            .option('lock-duration', {
              type: 'string',
              describe: "Job lock in ms; a dead worker's jobs return after ~2x (default 30000)",
            })
            .option('url-timeout', {
              type: 'string',
              describe: 'Whole-download timeout for URLs in ms (default 30000)',
            })
            .option('max-url-bytes', { type: 'string', describe: 'Refuse larger downloads (default 67108864)' })
            .option('name', { type: 'string', describe: 'Worker name shown in BullMQ (default host:pid)' }),
        async (a) => {
          const running = await startQueueWorker({
            redis: a.redis,
            queue: a.queue,
            model: a.model,
            concurrency: positiveInteger('concurrency', a.concurrency),
            maxPixels: positiveInteger('max-pixels', a.maxPixels),
            lockDurationMs: positiveInteger('lock-duration', a.lockDuration),
            timeoutMs: positiveInteger('url-timeout', a.urlTimeout),
            maxBytes: positiveInteger('max-url-bytes', a.maxUrlBytes),
            name: a.name ?? `${hostname()}:${process.pid}`,
          });
          const { worker, model } = running;
          let lastError = 0;
          worker.on('error', (error) => {
            // ioredis reports every failed reconnect; one line per 5 s is enough to see an outage.
            if (Date.now() - lastError < 5000) return;
            lastError = Date.now();
            io.stderr.write(`worker: ${error.message} (retrying)\n`);
          });
          worker.on('failed', (job, error) => {
            const final = error instanceof UnrecoverableError || !job || job.attemptsMade >= (job.opts.attempts ?? 1);
            if (final) io.stderr.write(`failed: ${error.message}\n`);
            else
              io.stderr.write(`retrying later (try ${job.attemptsMade} of ${job.opts.attempts}): ${error.message}\n`);
          });
          io.stderr.write(
            `worker ${worker.opts.name} on queue ${a.queue}: model ${model.name}@${model.version}, scales ${model.scales.join(',')}, concurrency ${worker.concurrency}\n`,
          );
          await new Promise<void>((resolve) => {
            let stopping = false;
            const stop = (signal: NodeJS.Signals): void => {
              if (stopping) {
                io.stderr.write(`worker: ${signal} again, exiting now\n`);
                process.exit(130);
              }
              stopping = true;
              io.stderr.write(`worker: ${signal}, finishing the jobs in hand\n`);
              running.close().then(resolve, (error: unknown) => {
                io.stderr.write(`worker: closing failed: ${String(error)}\n`);
                resolve();
              });
            };
            process.on('SIGTERM', stop);
            process.on('SIGINT', stop);
          });
          io.stderr.write('worker: stopped\n');
          // A retry timer of a Redis client that was cut off must not keep the process alive.
          setTimeout(() => process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0), 2000).unref();
        },
      )
      .command(
        'status',
        'Waiting, active, done, failed, images/s and ETA (live on a terminal)',
        (y) =>
          common(y)
            .option('json', { type: 'boolean', default: false, describe: 'One JSON object' })
            .option('watch', { type: 'boolean', describe: 'Refresh until interrupted (default on a terminal)' })
            .option('interval', { type: 'string', default: '2000', describe: 'Refresh interval in ms' }),
        async (a) => {
          const watch = a.watch ?? (Boolean(io.stdout.isTTY) && !a.json);
          const interval = positiveInteger('interval', a.interval) ?? 2000;
          for (;;) {
            const status = await readQueueStatus(a.redis, a.queue);
            if (a.json) io.stdout.write(`${JSON.stringify(status)}\n`);
            else if (watch && io.stdout.isTTY) io.stdout.write(`\x1b[H\x1b[2J${formatQueueStatus(status)}\n`);
            else io.stdout.write(`${formatQueueStatus(status)}\n`);
            if (!watch) break;
            await new Promise((r) => setTimeout(r, interval));
          }
        },
      )
      .command(
        'collect',
        'Write one JSON line per enqueued input, in enqueue order, removing collected jobs from Redis (resumable)',
        (y) =>
          common(y)
            .option('out', {
              type: 'string',
              demandOption: true,
              describe: 'Results file (JSON lines); resumed when it exists',
            })
            .option('sort-into', {
              type: 'string',
              describe: 'Copy each classified local file into DIR/{sharp,blurred,uncertain}/',
            })
            .option('wait', {
              type: 'boolean',
              default: true,
              describe: 'Wait for unfinished inputs (--no-wait: write the finished ones and stop)',
            })
            .option('poll', {
              type: 'string',
              default: '1000',
              describe: 'Look again every this many ms while waiting',
            }),
        async (a) => {
          const controller = new AbortController();
          const stop = (): void => controller.abort();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
          let lastReport = 0;
          try {
            const summary = await collectResults({
              redis: a.redis,
              queue: a.queue,
              out: a.out,
              sortInto: a.sortInto,
              wait: a.wait,
              pollMs: positiveInteger('poll', a.poll),
              signal: controller.signal,
              onProgress: ({ written, total }) => {
                if (!io.stderr.isTTY || Date.now() - lastReport < 1000) return;
                lastReport = Date.now();
                io.stderr.write(`\rcollected ${written}/${total}`);
              },
            });
            if (io.stderr.isTTY && lastReport > 0) io.stderr.write('\n');
            const lines = summary.alreadyWritten + summary.written;
            io.stderr.write(
              `${a.out}: ${lines}/${summary.total} inputs (${summary.written} new, ${summary.errors} with errors)` +
                `${summary.pending > 0 ? `; ${summary.pending} not finished yet, run collect again` : ''}\n`,
            );
            exitCode = summary.pending > 0 ? 3 : summary.errors > 0 ? 1 : 0;
          } finally {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
          }
        },
      )
      .demandCommand(1, 'name a command: enqueue, worker, status or collect')
      .strict()
      .help()
      .alias('help', 'h')
      .wrap(Math.min(110, io.stdout.columns || 100))
      .fail((message, error) => {
        throw error ?? new QueueUsageError(message);
      })
      .parseAsync();
    return exitCode;
  } catch (error) {
    if (error instanceof QueueUsageError || error instanceof BlurgateError) {
      io.stderr.write(`${scriptName}: ${error.message}\n`);
      return 2;
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED' || /ECONNREFUSED|connect/i.test(String((error as Error).message))) {
      io.stderr.write(`${scriptName}: cannot reach Redis: ${(error as Error).message}\n`);
      return 2;
    }
    io.stderr.write(
      `${scriptName}: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 2;
  }
}
