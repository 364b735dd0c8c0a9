#!/usr/bin/env node
/**
 * `synth`: turns a folder of sharp images into a labelled dataset in the generic layout @blurgate/eval reads:
 * `<out>/<split>/{sharp,blurred}/<prefix>_<source>_<n>.jpg`, plus `<out>/<split>/records-<prefix>.jsonl`
 * (blur kind, strength, source of every pair). Deterministic from --seed; parallel (worker threads).
 *
 *   pnpm --filter @blurgate/tools exec tsx synth/synth.ts --input DIR --out DIR [--split train] [--holdout 0.15]
 */
import { availableParallelism } from 'node:os';
import { readdir, writeFile, mkdir } from 'node:fs/promises';
import { basename, extname, join, relative, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { SingleBar, Presets } from 'cli-progress';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import type { TileJob, TileRecord } from './make-tiles.js';
import type { ViewJob, ViewRecord } from './make-views.js';
import { hashString } from './rng.js';

const IMAGE_EXT = new Set(['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff']);

async function listImages(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listImages(path)));
    else if (IMAGE_EXT.has(extname(entry.name).toLowerCase())) out.push(path);
  }
  return out.sort();
}

/** Assigns a source image to the held-out split by a hash of its name (stable, seed-dependent). */
export function isHeldOut(name: string, fraction: number, seed: number): boolean {
  return hashString(name, seed ^ 0x5eed) / 4294967296 < fraction;
}

async function main(): Promise<void> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('synth')
    .usage('$0 --input DIR --out DIR [options]\n\nMake sharp/blurred tile pairs from a folder of sharp images.')
    .option('input', { type: 'string', demandOption: true, describe: 'folder of sharp source images (recursive)' })
    .option('out', {
      type: 'string',
      demandOption: true,
      describe: 'dataset root; tiles go to <out>/<split>/{sharp,blurred}',
    })
    .option('split', { type: 'string', default: 'train', describe: 'split name for the sources' })
    .option('holdout', { type: 'number', default: 0, describe: 'fraction of SOURCE images sent to --holdout-split' })
    .option('holdout-split', { type: 'string', default: 'val' })
    .option('holdout-only', {
      type: 'boolean',
      default: false,
      describe: 'make tiles only for the held-out sources (e.g. a validation split at another tile size)',
    })
    .option('prefix', { type: 'string', describe: 'file name prefix (default: input folder name)' })
    .option('tiles', { type: 'number', default: 4, describe: 'tile pairs per source image' })
    .option('tile-size', { type: 'number', default: 384 })
    .option('downscale', { type: 'number', default: 1, describe: 'scale sources by this first (0.5 for huge photos)' })
    .option('min-texture', { type: 'number', default: 100, describe: 'min Laplacian variance of a kept tile' })
    .option('max-zoom-out', { type: 'number', default: 2.5, describe: 'largest crop side / tile size' })
    .option('blur-scale', { type: 'number', default: 1, describe: 'multiply the blur strength ranges (pixels)' })
    .option('views', {
      type: 'number',
      default: 0,
      describe: 'make N whole-image views per source (make-views.ts) instead of tiles',
    })
    .option('keep-size', {
      type: 'boolean',
      default: false,
      describe: 'with --views: keep the source size (evaluation sets; the gate squashes)',
    })
    .option('max-side', {
      type: 'number',
      default: 4096,
      describe: 'with --views: downscale sources to this longest side first',
    })
    .option('frame', {
      type: 'number',
      default: 0,
      describe: 'with --views: share of views put on a flat canvas with margins (framed screenshots, pages)',
    })
    .option('small-sources', {
      type: 'number',
      default: 0,
      describe: 'with --views: share of views shrunk to a 160-640 px long side first (the gate enlarges them)',
    })
    .option('limit', { type: 'number', describe: 'use at most this many source images' })
    .option('offset', {
      type: 'number',
      default: 0,
      describe: 'skip this many source images first (with --limit: a later slice)',
    })
    .option('seed', { type: 'number', default: 1 })
    .option('concurrency', { type: 'number', default: Math.min(2, availableParallelism()) })
    .strict()
    .help()
    .parseAsync();
  const input = resolve(argv.input);
  const prefix = argv.prefix ?? basename(input);
  let files = await listImages(input);
  files = files.slice(argv.offset, argv.limit === undefined ? undefined : argv.offset + argv.limit);
  if (files.length === 0) throw new Error(`no images found under ${input}`);
  if (argv['holdout-only']) files = files.filter((file) => isHeldOut(relative(input, file), argv.holdout, argv.seed));
  const jobs: (TileJob | ViewJob)[] = files.map((file) => {
    const rel = relative(input, file);
    const split = argv.holdout > 0 && isHeldOut(rel, argv.holdout, argv.seed) ? argv['holdout-split'] : argv.split;
    const stem = rel.replace(/\.[^.]+$/, '').replace(/[^A-Za-z0-9_-]+/g, '-');
    const common = { file, prefix: `${prefix}_${stem}`, outDir: join(resolve(argv.out), split), seed: argv.seed };
    if (argv.views > 0) {
      return {
        ...common,
        views: argv.views,
        tileSize: argv['tile-size'],
        minTexture: argv['min-texture'],
        blurScale: argv['blur-scale'],
        keepSize: argv['keep-size'],
        maxSide: argv['max-side'],
        frameProb: argv.frame,
        smallSourceProb: argv['small-sources'],
      } satisfies ViewJob;
    }
    return {
      file,
      prefix: `${prefix}_${stem}`,
      outDir: join(resolve(argv.out), split),
      tiles: argv.tiles,
      tileSize: argv['tile-size'],
      downscale: argv.downscale,
      minTexture: argv['min-texture'],
      seed: argv.seed,
      maxZoomOut: argv['max-zoom-out'],
      blurScale: argv['blur-scale'],
    };
  });
  const bar = new SingleBar(
    { format: `${prefix} [{bar}] {value}/{total} images | {pairs} pairs | {eta_formatted}` },
    Presets.shades_classic,
  );
  bar.start(jobs.length, 0, { pairs: 0 });
  const bySplit = new Map<string, (TileRecord | ViewRecord)[]>();
  const failures: string[] = [];
  let next = 0;
  let pairs = 0;
  const runWorker = (): Promise<void> =>
    new Promise((done, fail) => {
      const worker = new Worker(new URL('./synth-worker-entry.mjs', import.meta.url));
      const send = (): void => {
        const job = jobs[next++];
        if (job === undefined) {
          void worker.terminate().then(() => done());
          return;
        }
        worker.once(
          'message',
          (msg: { ok: true; records: (TileRecord | ViewRecord)[] } | { ok: false; file: string; error: string }) => {
            if (msg.ok) {
              const list = bySplit.get(job.outDir) ?? [];
              list.push(...msg.records);
              bySplit.set(job.outDir, list);
              pairs += msg.records.length;
            } else failures.push(`${msg.file}: ${msg.error}`);
            bar.increment(1, { pairs });
            send();
          },
        );
        worker.postMessage(job);
      };
      worker.once('error', fail);
      send();
    });
  await Promise.all(Array.from({ length: Math.max(1, argv.concurrency) }, runWorker));
  bar.stop();
  for (const [outDir, records] of bySplit) {
    await mkdir(outDir, { recursive: true });
    records.sort((a, b) => a.sharp.localeCompare(b.sharp));
    await writeFile(join(outDir, `records-${prefix}.jsonl`), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    console.log(`${outDir}: ${records.length} pairs from ${new Set(records.map((r) => r.source)).size} sources`);
  }
  for (const f of failures) console.error(`failed: ${f}`);
  if (failures.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(2);
});
