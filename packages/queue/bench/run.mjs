#!/usr/bin/env node
// blurgate queue benchmark (not part of the tests): images/s of in-process classifyMany, one
// queue worker and two queue workers in the same run on the same images, and what each image
// costs Redis (commands, Redis CPU, bytes). Starts its own redis-server (127.0.0.1, random port,
// AOF on as in production) and removes it afterwards. Runs the built packages.
//
//   pnpm bench:queue [--images 200] [--concurrency 2] [--dir DIR_OF_IMAGES] [--model spec]
//
// Rates are from job timestamps (first start to last finish), so worker start-up (loading the
// model) is not counted; in-process is timed around classifyMany alone. Redis costs are deltas of
// INFO commandstats / cpu / memory per phase, divided by the number of images.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = resolve(here, '..');
const repo = resolve(pkg, '..', '..');
if (!existsSync(join(pkg, 'dist', 'index.js'))) {
  console.error('build first: pnpm turbo run build --filter=@blurgate/queue...');
  process.exit(2);
}
const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'), // pnpm passes a literal --
  options: {
    images: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '2' },
    dir: { type: 'string' },
    model: { type: 'string' },
    'null-jobs': { type: 'string', default: '5000' },
  },
});
const count = Number(args.images);
const concurrency = Number(args.concurrency);
const { createBlurGate } = await import('@blurgate/node');
const { Queue } = await import('bullmq');
const { Redis } = await import('ioredis');
const { Worker } = await import('bullmq');
const { classificationRecord } = await import('@blurgate/core');
const { writeFile } = await import('node:fs/promises');
const { collectResults, enqueueInputs, modelRecordOf, queueKeys, queueWorkerSettings } = await import('../dist/index.js');
const queueCli = join(pkg, 'dist', 'cli.js');

const work = await mkdtemp(join(tmpdir(), 'blurgate-queue-bench-'));
const cleanup = [];
process.on('exit', () => {
  for (const c of cleanup) c();
});

/** Real photos (the node test fixtures), copied to `count` files. */
async function benchImages() {
  let sources;
  if (args.dir) {
    const dir = resolve(args.dir);
    sources = (await readdir(dir)).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).sort().map((f) => join(dir, f));
  } else {
    // The node fixtures (never a package reserved for the model's independent check).
    sources = ['china.jpg', 'china.png', 'flower.png', 'texture.png'].map((f) =>
      join(repo, 'packages/node/test/fixtures/images', f),
    );
  }
  const out = join(work, 'images');
  await mkdir(out);
  const files = [];
  for (let i = 0; i < count; i++) {
    const src = sources[i % sources.length];
    const file = join(out, `img-${String(i).padStart(6, '0')}${src.slice(src.lastIndexOf('.'))}`);
    await copyFile(src, file);
    files.push(file);
  }
  return { files, sources };
}

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

async function startRedis() {
  const port = await freePort();
  await mkdir(join(work, 'redis'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', join(work, 'redis'), '--logfile', ''], { stdio: 'ignore' });
  cleanup.push(() => child.kill('SIGKILL'));
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const c = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    c.on('error', () => undefined);
    try {
      await c.connect();
      if ((await c.ping()) === 'PONG') {
        c.disconnect();
        return { url, child };
      }
    } catch {
      if (i > 200) throw new Error('redis-server did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
    c.disconnect();
  }
}

/** Sums of INFO commandstats (calls, usec), Redis CPU seconds and memory, for deltas. */
async function snapshot(redis) {
  const info = await redis.info('all');
  let calls = 0;
  let scriptCalls = 0;
  let usec = 0;
  for (const m of info.matchAll(/^cmdstat_([a-z|_-]+):calls=(\d+),usec=(\d+)/gm)) {
    if (m[1] === 'info') continue; // our own measuring
    calls += Number(m[2]);
    usec += Number(m[3]);
    if (m[1] === 'evalsha' || m[1] === 'eval' || m[1] === 'fcall') scriptCalls += Number(m[2]);
  }
  const field = (name) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return {
    calls,
    scriptCalls,
    usec,
    processed: field('total_commands_processed'),
    cpu: field('used_cpu_sys') + field('used_cpu_user'),
    memory: field('used_memory'),
  };
}

function delta(a, b, n) {
  return {
    commandsPerImage: (b.calls - a.calls) / n,
    scriptCallsPerImage: (b.scriptCalls - a.scriptCalls) / n,
    clientCommandsPerImage: (b.processed - a.processed) / n,
    redisCpuUsPerImage: ((b.cpu - a.cpu) * 1e6) / n,
  };
}

function startWorker(url, queue, name) {
  const child = spawn(process.execPath, [queueCli, 'worker', '--redis', url, '--queue', queue, '--concurrency', String(concurrency), '--name', name, ...(args.model ? ['--model', args.model] : [])], { stdio: ['ignore', 'ignore', 'inherit'] });
  cleanup.push(() => child.kill('SIGKILL'));
  return child;
}

async function waitDone(queue, n) {
  for (;;) {
    const c = await queue.getJobCounts('completed', 'failed');
    if (c.completed + c.failed >= n) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** images/s from job timestamps: first processedOn to last finishedOn. */
async function rateOf(queue) {
  const jobs = await queue.getJobs(['completed', 'failed'], 0, -1);
  const start = Math.min(...jobs.map((j) => j.processedOn));
  const end = Math.max(...jobs.map((j) => j.finishedOn));
  return { imagesPerSecond: jobs.length / ((end - start) / 1000), failed: jobs.filter((j) => j.failedReason && !j.returnvalue).length };
}

async function queueRun(url, redis, model, files, workers) {
  const name = `bench${workers}`;
  const queue = new Queue(name, { connection: { url } });
  const s0 = await snapshot(redis);
  await enqueueInputs({ redis: url, queue: name, args: files, recursive: false, model });
  const s1 = await snapshot(redis);
  // Bytes of one job as enqueued, and of the per-input bookkeeping beside the queue.
  const keys = queueKeys(name);
  const firstId = (await redis.lrange(keys.order, 0, 0))[0];
  const waitingJobBytes = Number(await redis.call('MEMORY', 'USAGE', `bull:${name}:${firstId}`, 'SAMPLES', '0'));
  const idsBytes = Number(await redis.call('MEMORY', 'USAGE', keys.ids, 'SAMPLES', '0')) / files.length;
  const orderBytes = Number(await redis.call('MEMORY', 'USAGE', keys.order, 'SAMPLES', '0')) / files.length;
  const children = Array.from({ length: workers }, (_, i) => startWorker(url, name, `w${i}`));
  await waitDone(queue, files.length);
  const s2 = await snapshot(redis);
  const finishedJobBytes = Number(await redis.call('MEMORY', 'USAGE', `bull:${name}:${firstId}`, 'SAMPLES', '0'));
  const { imagesPerSecond, failed } = await rateOf(queue);
  const s3 = await snapshot(redis);
  await collectResults({ redis: url, queue: name, out: join(work, `${name}.jsonl`) });
  const s4 = await snapshot(redis);
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map((c) => once(c, 'exit')));
  await queue.close();
  return {
    workers,
    imagesPerSecond,
    failed,
    enqueue: delta(s0, s1, files.length),
    work: delta(s1, s2, files.length),
    collect: delta(s3, s4, files.length),
    bytes: {
      waitingJob: waitingJobBytes,
      finishedJob: finishedJobBytes,
      idSetPerInput: idsBytes,
      orderListPerInput: orderBytes,
      usedMemoryPerImageAfterEnqueue: (s1.memory - s0.memory) / files.length,
      usedMemoryPerImageFinished: (s2.memory - s0.memory) / files.length,
      usedMemoryPerImageAfterCollect: (s4.memory - s0.memory) / files.length,
    },
  };
}

/**
 * Redis alone: jobs through the same enqueue, worker settings and collect, but a processor that
 * returns a canned record of the real size without touching an image. Several in-process workers
 * with high concurrency keep Redis as busy as this machine allows; per-job Redis CPU from this run
 * has almost no idle time in it, which makes it the figure for where one Redis saturates.
 */
async function nullRun(url, redis, model, jobs) {
  const name = 'null';
  const list = join(work, 'null-inputs.txt');
  await writeFile(list, Array.from({ length: jobs }, (_, i) => `/bench/null/img-${String(i).padStart(7, '0')}.jpg`).join('\n'));
  const queue = new Queue(name, { connection: { url } });
  const s0 = await snapshot(redis);
  await enqueueInputs({ redis: url, queue: name, args: [], recursive: false, list, model });
  const s1 = await snapshot(redis);
  const scales = model.scales.map((scale) => ({ scale, probSharp: 0.8123, probBlurred: 0.1877 }));
  const processor = async (job) =>
    classificationRecord({ status: 'ok', input: job.data.input, label: 'sharp', confidence: 0.8123, probSharp: 0.8123, probBlurred: 0.1877, scales });
  const t0 = performance.now();
  const workers = Array.from({ length: 4 }, (_, i) => new Worker(name, processor, queueWorkerSettings({ redis: url, concurrency: 32, name: `null${i}` })));
  await waitDone(queue, jobs);
  const seconds = (performance.now() - t0) / 1000;
  const s2 = await snapshot(redis);
  await Promise.all(workers.map((w) => w.close()));
  const s3 = await snapshot(redis);
  await collectResults({ redis: url, queue: name, out: join(work, 'null.jsonl') });
  const s4 = await snapshot(redis);
  const eventsStreamBytes = Number(await redis.call('MEMORY', 'USAGE', `bull:${name}:events`, 'SAMPLES', '0'));
  const eventsStreamLength = await redis.xlen(`bull:${name}:events`);
  await queue.close();
  return {
    jobsPerSecond: jobs / seconds,
    enqueue: delta(s0, s1, jobs),
    work: delta(s1, s2, jobs),
    collect: delta(s3, s4, jobs),
    redisCpuShare: (s2.cpu - s1.cpu) / seconds,
    bytes: {
      usedMemoryPerJobEnqueued: (s1.memory - s0.memory) / jobs,
      usedMemoryPerJobFinished: (s2.memory - s0.memory) / jobs,
      usedMemoryPerJobAfterCollect: (s4.memory - s0.memory) / jobs,
      eventsStream: eventsStreamBytes,
      eventsStreamLength,
    },
  };
}

const { files, sources } = await benchImages();
const { url } = await startRedis();
const redis = new Redis(url);

console.error(`${files.length} images (copies of ${sources.length} files), concurrency ${concurrency}, ${cpus().length} CPUs (${cpus()[0]?.model}), load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const gate = await createBlurGate(args.model ? { model: args.model } : {});
const model = modelRecordOf(gate);
const t0 = performance.now();
let n = 0;
for await (const r of gate.classifyMany(files, { concurrency: Math.min(4, Math.max(2, availableParallelism())) })) if (r.status === 'ok') n++;
const inProcess = files.length / ((performance.now() - t0) / 1000);
await gate.dispose();
if (n !== files.length) console.error(`warning: ${files.length - n} images failed in-process`);

const one = await queueRun(url, redis, model, files, 1);
const two = await queueRun(url, redis, model, files, 2);
const nullJobs = Number(args['null-jobs']);
const nul = await nullRun(url, redis, model, nullJobs);
redis.disconnect();

const f1 = (x) => x.toFixed(1);
console.log(`model ${model.name}@${model.version}, scales ${model.scales.join(',')}; ${files.length} images`);
console.log('');
console.log('| run | images/s |');
console.log('|---|---:|');
console.log(`| in-process classifyMany | ${f1(inProcess)} |`);
console.log(`| queue, 1 worker (concurrency ${concurrency}) | ${f1(one.imagesPerSecond)} |`);
console.log(`| queue, 2 workers (concurrency ${concurrency} each) | ${f1(two.imagesPerSecond)} |`);
console.log('');
console.log(`| no-model workers (Redis alone; 4 workers x concurrency 32, ${nullJobs} jobs) | ${f1(nul.jobsPerSecond)} jobs/s, Redis busy ${(nul.redisCpuShare * 100).toFixed(0)}% of a core |`);
console.log('');
for (const [title, r] of [
  ['2 real workers', two],
  [`no-model workers, ${nullJobs} jobs`, nul],
]) {
  console.log(`| Redis cost per image (${title}) | enqueue | worker | collect | total |`);
  console.log('|---|---:|---:|---:|---:|');
  for (const [label, key] of [
    ['commands (commandstats, incl. inside scripts)', 'commandsPerImage'],
    ['script calls (EVALSHA)', 'scriptCallsPerImage'],
    ['Redis CPU µs (used_cpu_user+sys)', 'redisCpuUsPerImage'],
  ]) {
    console.log(`| ${label} | ${f1(r.enqueue[key])} | ${f1(r.work[key])} | ${f1(r.collect[key])} | ${f1(r.enqueue[key] + r.work[key] + r.collect[key])} |`);
  }
  console.log('');
}
console.log('');
console.log('| Redis bytes | per image |');
console.log('|---|---:|');
for (const [k, v] of Object.entries(two.bytes)) console.log(`| ${k} (2-worker run) | ${Math.round(v)} |`);
for (const [k, v] of Object.entries(nul.bytes)) console.log(`| ${k} (no-model run${k.startsWith('events') ? ', whole stream' : ''}) | ${Math.round(v)} |`);
console.log('');
console.log(JSON.stringify({ images: files.length, concurrency, inProcess, one, two, null: nul }, null, 2));
await rm(work, { recursive: true, force: true });
process.exit(0);
