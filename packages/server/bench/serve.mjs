#!/usr/bin/env node
// `pnpm bench:serve` (not part of the tests): what the HTTP service costs over the library. In one run:
//   1. in-process `classifyMany` rate over the images (the ceiling),
//   2. `blurgate serve` in a child process, loaded by autocannon with 1, 4 and 16 clients: images/s,
//      p50/p99 latency, and the ratio to the in-process rate,
//   3. /healthz latency while the service is saturated (16 clients; the goal is < 50 ms).
//
//   pnpm bench:serve [-- --model M] [--images DIR] [--requests 96] [--workers N] [--fast]
//
// Defaults: the default model, the repo's samples/, 96 requests per client level. Run it on an idle
// machine; figures from a loaded one say little.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..', '..');
const cli = join(repo, 'packages', 'node', 'dist', 'cli.js');
if (!existsSync(cli) || !existsSync(join(here, '..', 'dist', 'index.js'))) {
  console.error('build first: pnpm build');
  process.exit(2);
}
const { createBlurGate } = await import('@blurgate/node');

const { values: args } = parseArgs({
  // `pnpm bench:serve -- --flag` passes the `--` through.
  args: process.argv.slice(2).filter((arg, i) => !(i === 0 && arg === '--')),
  options: {
    model: { type: 'string' },
    images: { type: 'string' },
    requests: { type: 'string', default: '96' },
    workers: { type: 'string' },
    fast: { type: 'boolean', default: false },
    clients: { type: 'string', default: '1,4,16' },
  },
});
const requestsPerLevel = Number(args.requests);
const clientLevels = args.clients.split(',').map(Number);

async function loadImages() {
  const dir = resolve(args.images ?? join(repo, 'samples'));
  const names = (await readdir(dir)).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).sort();
  if (names.length === 0) throw new Error(`no images in ${dir}`);
  return Promise.all(
    names.map(async (name) => ({
      name,
      type: /\.png$/i.test(name) ? 'image/png' : /\.webp$/i.test(name) ? 'image/webp' : 'image/jpeg',
      bytes: await readFile(join(dir, name)),
    })),
  );
}

const quantile = (xs, q) => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const fmt = (x, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '-');

async function inProcessRate(images) {
  const gate = await createBlurGate({ model: args.model, fast: args.fast || undefined });
  const inputs = Array.from({ length: requestsPerLevel }, (_, i) => images[i % images.length].bytes);
  for await (const _ of gate.classifyMany(inputs.slice(0, Math.min(4, inputs.length)))) {
    // warm-up
  }
  const start = performance.now();
  let ok = 0;
  for await (const r of gate.classifyMany(inputs)) if (r.status === 'ok') ok += 1;
  const seconds = (performance.now() - start) / 1000;
  const info = { model: `${gate.model.name}@${gate.model.version}`, scales: gate.scales.join(',') };
  await gate.dispose();
  return { rate: ok / seconds, ok, info };
}

function startServer() {
  const flags = ['serve', '--port', '0', '--max-queue', '1024'];
  if (args.model) flags.push('--model', args.model);
  if (args.workers) flags.push('--workers', args.workers);
  if (args.fast) flags.push('--fast');
  const child = spawn(process.execPath, [cli, ...flags], { cwd: repo, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolvePromise, reject) => {
    let err = '';
    child.stderr.on('data', (c) => {
      err += c;
      const m = /blurgate serve: (http:\/\/[\d.]+:\d+)/.exec(err);
      if (m) resolvePromise({ child, url: m[1] });
    });
    child.once('exit', (code) => reject(new Error(`blurgate serve exited ${code}: ${err}`)));
  });
}

function get(url) {
  return new Promise((resolvePromise, reject) => {
    const start = performance.now();
    request(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolvePromise(performance.now() - start));
    })
      .on('error', reject)
      .end();
  });
}

async function load(url, images, connections, probeHealth) {
  const requests = images.map((image) => ({
    method: 'POST',
    path: '/v1/classify',
    headers: { 'content-type': image.type },
    body: image.bytes,
  }));
  const health = [];
  let running = true;
  const probe = probeHealth
    ? (async () => {
        await new Promise((r) => setTimeout(r, 200)); // let the queue fill first
        while (running) {
          health.push(await get(`${url}/healthz`));
          await new Promise((r) => setTimeout(r, 20));
        }
      })()
    : Promise.resolve();
  const latencies = [];
  let lastResponseAt = 0;
  const start = performance.now();
  const result = await autocannon({
    url,
    connections,
    amount: Math.max(requestsPerLevel, connections),
    timeout: 120,
    requests,
    setupClient(client) {
      client.on('response', (_status, _bytes, ms) => {
        latencies.push(ms);
        lastResponseAt = performance.now();
      });
    },
  });
  // To the last answer: autocannon itself only stops on its next one-second tick.
  const seconds = (lastResponseAt - start) / 1000;
  running = false;
  await probe;
  const ok = result['2xx'];
  return { rate: ok / seconds, ok, failed: result.non2xx + result.errors + result.timeouts, latencies, health };
}

const images = await loadImages();
console.log(
  `blurgate serve bench: ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}, ${images.length} images from ${args.images ?? 'samples/'}, ${requestsPerLevel} requests per level`,
);
const inProcess = await inProcessRate(images);
console.log(`model ${inProcess.info.model}, scales ${inProcess.info.scales}`);
console.log(`in-process classifyMany: ${fmt(inProcess.rate)} images/s (${inProcess.ok} images)`);

const { child, url } = await startServer();
try {
  await load(url, images.slice(0, 1), 1, false); // warm-up: every worker loads its session
  console.log('\nclients  images/s  p50 ms  p99 ms  failed  vs in-process');
  let last = null;
  for (const clients of clientLevels) {
    const r = await load(url, images, clients, clients === Math.max(...clientLevels));
    console.log(
      `${String(clients).padStart(7)}  ${fmt(r.rate).padStart(8)}  ${fmt(quantile(r.latencies, 0.5)).padStart(6)}  ${fmt(quantile(r.latencies, 0.99)).padStart(6)}  ${String(r.failed).padStart(6)}  ${fmt(r.rate / inProcess.rate, 2).padStart(13)}×`,
    );
    last = r;
  }
  if (last?.health.length) {
    const h = last.health;
    console.log(
      `\n/healthz while saturated (${Math.max(...clientLevels)} clients, ${h.length} probes): p50 ${fmt(quantile(h, 0.5))} ms, p99 ${fmt(quantile(h, 0.99))} ms, max ${fmt(Math.max(...h))} ms (goal < 50 ms)`,
    );
  }
} finally {
  child.kill('SIGTERM');
}
