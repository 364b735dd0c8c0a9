#!/usr/bin/env node
// The `blurgate` command line: a thin yargs layer over the library. Exit codes: 0 all classified,
// 1 some inputs failed, 2 usage errors (bad flags, no inputs, missing or bad model).
import { parseByteSize } from '@blurgate/core';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import packageJson from '../package.json' with { type: 'json' };
import { runClassify } from './cli/classify-command.js';
import { runModels } from './cli/models-command.js';
import { serveCommand } from './cli/serve-command.js';
import { queueCommand } from './cli/queue-command.js';
import { UsageError } from './cli/usage-error.js';
import { versionText } from './cli/version-text.js';

const io = { stdout: process.stdout, stderr: process.stderr };

// `blurgate classify ... | head`: a closed pipe is the reader saying "enough", not a crash.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  throw error;
});

function parseScales(value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  const parts = String(value)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const scales = parts.map(Number);
  if (scales.length === 0 || scales.some((s) => !Number.isInteger(s) || s <= 0)) {
    throw new UsageError(`--scales must be positive integers separated by commas, e.g. 256,320; got "${value}"`);
  }
  return scales;
}

function probability(name: string) {
  return (value: unknown): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0 || n > 1) throw new UsageError(`--${name} must be a number between 0 and 1, got "${String(value)}"`);
    return n;
  };
}

/** `--max-file-size`: bytes, or with a K, M or G suffix (powers of 1024). */
function byteSize(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const bytes = parseByteSize(String(value));
  if (bytes === undefined) throw new UsageError(`--max-file-size must be a size such as 256M or 1G, got "${String(value)}"`);
  return bytes;
}

function positiveInteger(name: string) {
  return (value: unknown): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got "${String(value)}"`);
    return n;
  };
}

async function main(argv: string[]): Promise<number> {
  const args = argv.slice();
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
    io.stdout.write(await versionText(packageJson.version));
    return 0;
  }
  let exitCode = 0;
  await yargs(args)
    .scriptName('blurgate')
    .usage('$0 <command> [options]\n\nSorts images into sharp, blurred and uncertain with a MobileNetV3 blur gate.')
    .version(false)
    .option('version', { alias: 'v', type: 'boolean', describe: 'Show the version and the default model' })
    .command(
      'classify <inputs..>',
      'Classify images (files, folders, globs)',
      (y) =>
        y
          .positional('inputs', { type: 'string', array: true, describe: 'Image files, folders or glob patterns' })
          .option('recursive', { alias: 'r', type: 'boolean', default: false, describe: 'Descend into subfolders' })
          .option('json', { type: 'boolean', default: false, describe: 'One JSON object per line' })
          .option('model', { alias: 'm', type: 'string', describe: 'A .onnx file, a model folder, name or name@version' })
          .option('scales', { type: 'string', describe: 'TTA scales, e.g. 256,320,384,448,512' })
          .option('fast', { type: 'boolean', default: false, describe: 'Single scale (384)' })
          .option('confidence-threshold', { type: 'string', describe: 'Below this confidence: uncertain (default 0.60)' })
          .option('blur-threshold', { type: 'string', describe: 'At or above this p_blurred: blurred (default 0.50)' })
          .option('thresholds', { type: 'string', describe: 'JSON file {confidenceThreshold, blurThreshold} (flags win)' })
          .option('concurrency', { type: 'string', describe: 'Images decoded ahead of inference' })
          .option('workers', { type: 'string', describe: 'Worker threads that decode and preprocess beside inference (default 0)' })
          .option('fast-decode', { type: 'boolean', default: false, describe: 'Decode large JPEGs at 1/2-1/8 size (faster, inexact)' })
          .option('max-pixels', { type: 'string', describe: 'Refuse larger images (default 100000000)' })
          .option('max-file-size', { type: 'string', describe: 'Refuse larger files, before reading them (default 256M)' })
          .option('decode-timeout', { type: 'string', describe: 'Seconds one image may take to decode (default 30)' })
          .option('allow-svg', { type: 'boolean', default: false, describe: 'Rasterise SVG (at most 16 MP); refused by default' })
          .option('sort-into', { type: 'string', describe: 'Copy each image into DIR/{sharp,blurred,uncertain}/' })
          .option('move', { type: 'boolean', default: false, describe: 'With --sort-into: move instead of copy' })
          .option('dry-run', { type: 'boolean', default: false, describe: 'With --sort-into: print the plan only' })
          .option('progress', { type: 'boolean', default: true, describe: 'Progress bar on a terminal (--no-progress)' })
          .example('$0 classify photos/ -r', 'Classify a folder tree')
          .example('$0 classify "scans/*.jpg" --json --fast', 'JSON lines, single scale'),
      async (a) => {
        if (a.fast && a.scales !== undefined) throw new UsageError('pass either --scales or --fast, not both');
        exitCode = await runClassify(
          {
            inputs: (a.inputs ?? []).map(String),
            recursive: a.recursive,
            json: a.json,
            model: a.model,
            scales: parseScales(a.scales),
            fast: a.fast,
            confidenceThreshold: probability('confidence-threshold')(a.confidenceThreshold),
            blurThreshold: probability('blur-threshold')(a.blurThreshold),
            thresholds: a.thresholds,
            concurrency: positiveInteger('concurrency')(a.concurrency),
            workers: a.workers === '0' ? 0 : positiveInteger('workers')(a.workers),
            fastDecode: a.fastDecode,
            maxPixels: positiveInteger('max-pixels')(a.maxPixels),
            maxFileBytes: byteSize(a.maxFileSize),
            decodeTimeout: positiveInteger('decode-timeout')(a.decodeTimeout),
            allowSvg: a.allowSvg,
            sortInto: a.sortInto,
            move: a.move,
            dryRun: a.dryRun,
            progress: a.progress,
          },
          io,
        );
      },
    )
    .command(
      'models',
      'List installed models and where they are looked up',
      (y) => y.option('json', { type: 'boolean', default: false }),
      async (a) => {
        exitCode = await runModels(a.json, io);
      },
    )
    .command(serveCommand((code) => { exitCode = code; }))
    .command(queueCommand(args, io, (code) => { exitCode = code; }))
    .demandCommand(1, 'name a command: classify or models')
    .strict()
    .help()
    .alias('help', 'h')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((message, error) => {
      throw error ?? new UsageError(message);
    })
    .parseAsync();
  return exitCode;
}

main(hideBin(process.argv)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`blurgate: ${error.message}\nRun blurgate --help for usage.\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`blurgate: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 2;
  },
);
