// Fault tests of `blurgate queue` against a real redis-server (127.0.0.1, random port, AOF on),
// with workers running as child processes of the real CLI. Each test is bounded by small images,
// small counts and short lock/URL timeouts.
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readQueueStatus } from '../src/queue-status.js';
import { NODE_FIXTURES, runCli, startCli, stopCli, type CliProcess, waitFor } from './support/cli.js';
import { freePort, startRedis, type TestRedis } from './support/redis-server.js';

const IMAGES = join(NODE_FIXTURES, 'images');
const SOURCES = [
  'china.png',
  'flower.png',
  'texture.png',
  'china-blurred.png',
  'flower-blurred.png',
  'texture-blurred.png',
];

let dir: string;
let redis: TestRedis;
const children: CliProcess[] = [];
const servers: Server[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'blurgate-queue-test-'));
  await mkdir(join(dir, 'redis'));
  redis = await startRedis(join(dir, 'redis'));
});

afterEach(async () => {
  for (const q of pollers.values()) await q.close();
  pollers.clear();
  for (const c of children.splice(0)) {
    if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
  }
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
  await redis.stop();
  await rm(dir, { recursive: true, force: true });
});

/** `count` distinct image files (copies of the node fixtures) in `<dir>/<name>/`. */
async function imageFolder(name: string, count: number): Promise<string[]> {
  const folder = join(dir, name);
  await mkdir(folder, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const file = join(folder, `img-${String(i).padStart(3, '0')}.png`);
    await copyFile(join(IMAGES, SOURCES[i % SOURCES.length]), file);
    files.push(file);
  }
  return files;
}

function worker(queue: string, ...extra: string[]): CliProcess {
  const run = startCli(['worker', '--redis', redis.url, '--queue', queue, '--lock-duration', '2000', ...extra]);
  children.push(run);
  return run;
}

interface Line {
  file: string;
  status: 'ok' | 'error';
  label: string | null;
  error: { code: string; message: string } | null;
}

async function readLines(path: string): Promise<Line[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);
}

/** Runs `collect` of `queue` into `out` with `extra` options, expects it to exit 0, and reads what it wrote. */
async function collectLines(queue: string, out: string, ...extra: string[]): Promise<Line[]> {
  const collected = await runCli(['collect', '--redis', redis.url, '--queue', queue, '--out', out, ...extra]);
  expect(collected.code, collected.stderr).toBe(0);
  return readLines(out);
}

// One Queue handle per queue name for polling (cheap: one round trip per poll).
const pollers = new Map<string, Queue>();
async function doneCount(queue: string): Promise<number> {
  let q = pollers.get(queue);
  if (!q) {
    q = new Queue(queue, { connection: { url: redis.url } });
    pollers.set(queue, q);
  }
  const counts = await q.getJobCounts('completed', 'failed');
  return (counts.completed ?? 0) + (counts.failed ?? 0);
}

describe('blurgate queue against a real redis-server', () => {
  it('enqueues a folder once, classifies it, and collects one line per input in enqueue order, then empties Redis', async () => {
    const files = await imageFolder('photos', 6);
    const first = await runCli(['enqueue', '--redis', redis.url, '--queue', 'q', join(dir, 'photos')]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('enqueued 6 new inputs');
    const again = await runCli(['enqueue', '--redis', redis.url, '--queue', 'q', join(dir, 'photos'), files[2]]);
    expect(again.stderr).toContain('enqueued 0 new inputs (6 already queued)');

    const w = worker('q', '--concurrency', '2');
    await waitFor('6 done', async () => (await doneCount('q')) === 6, 60_000);
    const status = await runCli(['status', '--redis', redis.url, '--queue', 'q', '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({
      enqueued: 6,
      waiting: 0,
      active: 0,
      done: 6,
      failed: 0,
      collected: 0,
      etaSeconds: 0,
    });
    const stopped = await stopCli(w);
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stderr).toContain('finishing the jobs in hand');

    const out = join(dir, 'results.jsonl');
    const lines = await collectLines('q', out, '--sort-into', join(dir, 'sorted'));
    expect(lines.map((l) => l.file)).toEqual(files);
    for (const l of lines) {
      expect(l.status).toBe('ok');
      expect(['sharp', 'blurred', 'uncertain']).toContain(l.label);
      expect(Object.keys(l).slice(0, 7)).toEqual([
        'file',
        'label',
        'confidence',
        'prob_sharp',
        'prob_blurred',
        'status',
        'error',
      ]);
      expect((l as unknown as { sorted_to: string }).sorted_to).toContain(join(dir, 'sorted', l.label as string));
    }

    // Results were removed once written; a re-run of enqueue still adds nothing, collect adds nothing.
    const queue = new Queue('q', { connection: { url: redis.url } });
    try {
      expect(await queue.getJobCounts('completed', 'failed', 'waiting')).toEqual({
        completed: 0,
        failed: 0,
        waiting: 0,
      });
    } finally {
      await queue.close();
    }
    const third = await runCli(['enqueue', '--redis', redis.url, '--queue', 'q', join(dir, 'photos')]);
    expect(third.stderr).toContain('enqueued 0 new inputs (6 already queued)');
    const again2 = await runCli(['collect', '--redis', redis.url, '--queue', 'q', '--out', out]);
    expect(again2.code).toBe(0);
    expect(await readLines(out)).toHaveLength(6);
  });

  it('a worker killed with SIGKILL mid-batch loses nothing: its jobs are picked up and collect has every input once', async () => {
    const files = await imageFolder('batch', 40);
    expect((await runCli(['enqueue', '--redis', redis.url, '--queue', 'k', join(dir, 'batch')])).code).toBe(0);
    // The victim starts first, so a slow model load of the survivor cannot let it finish the batch alone
    // before the victim holds anything (seen on a loaded machine with both started together).
    const victim = worker('k', '--concurrency', '3', '--name', 'victim');

    const queue = new Queue('k', { connection: { url: redis.url } });
    const heldBy = async (name: string) => (await queue.getActive()).some((j) => j.processedBy === name);
    let survivor: CliProcess | undefined;
    try {
      await waitFor('the victim holding a job', () => heldBy('victim'), 60_000, 20);
      survivor = worker('k', '--concurrency', '2', '--name', 'survivor');
      // Kill the victim while it holds jobs, the survivor running beside it (the victim's jobs stay "active"
      // under its expired lock until the survivor's stalled-job check moves them back to wait).
      await waitFor('the victim holding a job beside the survivor', () => heldBy('victim'), 60_000, 20);
      victim.child.kill('SIGKILL');
      const killed = await victim.done;
      expect(killed.signal).toBe('SIGKILL');
      await waitFor('40 done', async () => (await doneCount('k')) === 40, 90_000);
      // The victim's jobs in hand were recovered by the stalled-job check, not lost or run twice.
      const completed = await queue.getJobs(['completed']);
      expect(completed.filter((j) => j.stalledCounter > 0).length).toBeGreaterThan(0);
    } finally {
      await queue.close();
    }
    expect(survivor && (await stopCli(survivor)).code).toBe(0);

    const out = join(dir, 'k.jsonl');
    const lines = await collectLines('k', out);
    expect(lines.map((l) => l.file)).toEqual(files);
    expect(lines.every((l) => l.status === 'ok')).toBe(true);
  });

  it('survives a Redis restart (AOF) mid-run: the worker reconnects and nothing is lost', async () => {
    const files = await imageFolder('restart', 16);
    expect((await runCli(['enqueue', '--redis', redis.url, '--queue', 'r', join(dir, 'restart')])).code).toBe(0);
    const w = worker('r', '--concurrency', '2');
    await waitFor('a few done', async () => (await doneCount('r')) >= 3, 60_000, 50);
    await redis.restart(500);
    await waitFor('16 done after the restart', async () => (await doneCount('r')) === 16, 90_000);
    expect(w.child.exitCode).toBe(null); // still running: it reconnected

    const out = join(dir, 'r.jsonl');
    const lines = await collectLines('r', out);
    expect(lines.map((l) => l.file)).toEqual(files);
    expect(lines.every((l) => l.status === 'ok')).toBe(true);

    // SIGTERM while Redis is down: nothing in hand to save, so the worker still stops, with 0.
    for (const q of pollers.values()) await q.close();
    pollers.clear();
    await redis.stop();
    const stopped = await stopCli(w, 30_000);
    expect(stopped.signal).toBe(null);
    expect(stopped.code).toBe(0);
  });

  it('a corrupt image, a missing file, a 404, a closed port and a hanging server give one failed result each with its code; a 503 is retried', async () => {
    const good = await imageFolder('mixed', 3);
    const corrupt = join(dir, 'mixed', 'corrupt.png');
    await writeFile(
      corrupt,
      Buffer.concat([(await readFile(good[0])).subarray(0, 200), Buffer.from('not the rest of a PNG')]),
    );
    const missing = join(dir, 'mixed', 'missing.png');
    const png = await readFile(join(IMAGES, 'flower.png'));
    let flakyHits = 0;
    const server = createServer((req, res) => {
      if (req.url === '/ok.png') res.end(png);
      else if (req.url === '/flaky.png') {
        flakyHits++;
        if (flakyHits === 1) {
          res.statusCode = 503;
          res.end('busy');
        } else res.end(png);
      } else if (req.url === '/hang.png') {
        // never answers
      } else {
        res.statusCode = 404;
        res.end('no');
      }
    });
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as { port: number }).port;
    const web = `http://127.0.0.1:${port}`;
    const closed = `http://127.0.0.1:${await freePort()}/gone.png`;
    const list = join(dir, 'list.txt');
    await writeFile(
      list,
      [`${web}/ok.png`, `${web}/flaky.png`, `${web}/nothing.png`, closed, `${web}/hang.png`, '# a comment', ''].join(
        '\n',
      ),
    );

    const enq = await runCli([
      'enqueue',
      '--redis',
      redis.url,
      '--queue',
      'f',
      '--attempts',
      '2',
      '--backoff',
      '200',
      ...good,
      corrupt,
      missing,
      '--list',
      list,
    ]);
    expect(enq.code, enq.stderr).toBe(0);
    const w = worker('f', '--concurrency', '3', '--url-timeout', '1000');
    await waitFor('10 done', async () => (await doneCount('f')) === 10, 60_000);
    expect((await stopCli(w)).code).toBe(0);

    const out = join(dir, 'f.jsonl');
    const collected = await runCli(['collect', '--redis', redis.url, '--queue', 'f', '--out', out]);
    expect(collected.code).toBe(1); // some inputs failed
    const byFile = new Map((await readLines(out)).map((l) => [l.file, l]));
    expect(byFile.size).toBe(10);
    for (const g of good) expect(byFile.get(g)?.status).toBe('ok');
    expect(byFile.get(`${web}/ok.png`)?.status).toBe('ok');
    expect(byFile.get(`${web}/flaky.png`)?.status).toBe('ok');
    expect(flakyHits).toBe(2);
    expect(byFile.get(corrupt)?.error?.code).toBe('DECODE_FAILED');
    expect(byFile.get(missing)?.error?.code).toBe('INPUT_NOT_FOUND');
    expect(byFile.get(`${web}/nothing.png`)?.error?.code).toBe('INPUT_NOT_FOUND');
    expect(byFile.get(closed)?.error?.code).toBe('DOWNLOAD_FAILED');
    expect(byFile.get(`${web}/hang.png`)?.error).toMatchObject({
      code: 'DOWNLOAD_FAILED',
      message: expect.stringContaining('1000 ms'),
    });
    for (const l of byFile.values()) if (l.status === 'error') expect(l.label).toBe(null);
  });

  it('refuses a worker whose model is not the queue model, with a clear message and exit code 2', async () => {
    await imageFolder('m', 2);
    expect((await runCli(['enqueue', '--redis', redis.url, '--queue', 'm', join(dir, 'm')])).code).toBe(0);
    const refused = await runCli([
      'worker',
      '--redis',
      redis.url,
      '--queue',
      'm',
      '--model',
      join(NODE_FIXTURES, 'models', 'tiny-3ch.onnx'),
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /queue "m" was created for model blurgate-synth@\d+\.\d+\.\d+ \(sha256 [0-9a-f]{12}…\), not tiny-3ch/,
    );
    expect(refused.stderr).toMatch(/use --model blurgate-synth@\d+\.\d+\.\d+ /);
    expect((await readQueueStatus(redis.url, 'm')).waiting).toBe(2);
    const otherEnqueue = await runCli([
      'enqueue',
      '--redis',
      redis.url,
      '--queue',
      'm',
      '--model',
      join(NODE_FIXTURES, 'models', 'tiny-3ch.onnx'),
      join(dir, 'm'),
    ]);
    expect(otherEnqueue.code).toBe(2);
    expect(otherEnqueue.stderr).toMatch(/was created for model blurgate-synth@\d+\.\d+\.\d+ /);
  });

  it('collect resumes a file: --no-wait writes the finished prefix, a cut last line is rewritten, the rest is appended', async () => {
    const files = await imageFolder('resume', 5);
    expect((await runCli(['enqueue', '--redis', redis.url, '--queue', 'c', join(dir, 'resume')])).code).toBe(0);
    const out = join(dir, 'c.jsonl');
    const early = await runCli(['collect', '--redis', redis.url, '--queue', 'c', '--out', out, '--no-wait']);
    expect(early.code).toBe(3);
    expect(early.stderr).toContain('5 not finished yet');

    const w = worker('c');
    await waitFor('5 done', async () => (await doneCount('c')) === 5, 60_000);
    await stopCli(w);
    // Simulate a crash mid-write: two whole lines and half of the third.
    const queue = new Queue('c', { connection: { url: redis.url } });
    const records = await Promise.all(
      files.slice(0, 3).map(async (f) => {
        const job = (await queue.getJobs(['completed'])).find((j) => j.data.input === f);
        return JSON.stringify(job?.returnvalue);
      }),
    );
    await queue.close();
    await writeFile(out, `${records[0]}\n${records[1]}\n${records[2].slice(0, 20)}`);
    const resumed = await runCli(['collect', '--redis', redis.url, '--queue', 'c', '--out', out]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('5/5 inputs (3 new');
    expect((await readLines(out)).map((l) => l.file)).toEqual(files);

    // Another queue's file is refused.
    expect((await runCli(['enqueue', '--redis', redis.url, '--queue', 'd', files[4], files[3]])).code).toBe(0);
    const wrong = await runCli(['collect', '--redis', redis.url, '--queue', 'd', '--out', out, '--no-wait']);
    expect(wrong.code).toBe(2);
  });

  it('enqueue --max-pending holds back until collect catches up, so Redis never holds more than N inputs', async () => {
    const files = await imageFolder('feed', 8);
    const w = worker('p', '--concurrency', '2');
    const out = join(dir, 'p.jsonl');
    const enqueue = startCli([
      'enqueue',
      '--redis',
      redis.url,
      '--queue',
      'p',
      '--max-pending',
      '3',
      join(dir, 'feed'),
    ]);
    children.push(enqueue);
    // collect starts once the queue exists and keeps going while enqueue is feeding.
    await waitFor('the queue to exist', async () => (await readQueueStatus(redis.url, 'p')).enqueued > 0, 30_000);
    const collect = startCli(['collect', '--redis', redis.url, '--queue', 'p', '--out', out, '--poll', '200']);
    children.push(collect);
    let most = 0;
    const watch = setInterval(() => {
      void readQueueStatus(redis.url, 'p').then(
        (s) => {
          most = Math.max(most, s.enqueued - s.collected);
        },
        () => undefined,
      );
    }, 100);
    try {
      expect((await enqueue.done).code).toBe(0);
      const collected = await collect.done;
      expect(collected.code, collected.stderr).toBe(0);
    } finally {
      clearInterval(watch);
    }
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(3);
    expect((await readLines(out)).map((l) => l.file)).toEqual(files);
    await stopCli(w);
  });
});
