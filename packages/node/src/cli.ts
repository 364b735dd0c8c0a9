#!/usr/bin/env node
// The `blurgate` command line: a thin yargs layer over the library. Exit codes: 0 all classified,
// 1 some inputs failed, 2 usage errors (bad flags, no inputs, missing or bad model).
import {
  checkConcurrency,
  checkMaxPixels,
  MAX_CONCURRENCY,
  MAX_GATE_SCALE,
  MIN_GATE_SCALE,
  OptionError,
  parseByteSize,
  parseScales,
} from '@blurgate/core';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import packageJson from '../package.json' with { type: 'json' };
import { runClassify } from './cli/classify-command.js';
import { runModels } from './cli/models-command.js';
import { MAX_WORKERS } from './blur-gate.js';
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

// Option checks are yargs coerce functions (core's checks where core has one): a bad value fails parsing
// (exit 2 with usage), before any model loads.
function probability(name: string) {
  return (value: number): number => {
    if (!Number.isFinite(value) || value < 0 || value > 1)
      throw new UsageError(`--${name} must be a number between 0 and 1`);
    return value;
  };
}

/** `--max-file-size`: bytes, or with a K, M or G suffix (powers of 1024). */
function byteSize(value: string): number {
  const bytes = parseByteSize(String(value));
  if (bytes === undefined)
    throw new UsageError(`--max-file-size must be a size such as 256M or 1G, got "${String(value)}"`);
  return bytes;
}

function positiveInteger(name: string) {
  return (value: number): number => {
    if (!Number.isSafeInteger(value) || value < 1) throw new UsageError(`--${name} must be a positive integer`);
    return value;
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
          .option('model', {
            alias: 'm',
            type: 'string',
            describe: 'A .onnx file, a model folder, name or name@version',
          })
          .option('scales', {
            type: 'string',
            describe: `TTA scales, e.g. 256,320,384,448,512 (each ${MIN_GATE_SCALE}-${MAX_GATE_SCALE})`,
            coerce: (value: string) => parseScales(value, '--scales'),
          })
          .option('fast', { type: 'boolean', describe: 'Single scale (384)' })
          .conflicts('fast', 'scales')
          .option('confidence-threshold', {
            type: 'number',
            describe: 'Below this confidence: uncertain (default 0.60)',
            coerce: probability('confidence-threshold'),
          })
          .option('blur-threshold', {
            type: 'number',
            describe: 'At or above this p_blurred: blurred (default 0.50)',
            coerce: probability('blur-threshold'),
          })
          .option('thresholds', {
            type: 'string',
            describe: 'JSON file {confidenceThreshold, blurThreshold} (flags win)',
          })
          .option('concurrency', {
            type: 'number',
            describe: `Images decoded ahead of inference (1-${MAX_CONCURRENCY})`,
            coerce: (value: number) => checkConcurrency(value),
          })
          .option('workers', {
            type: 'number',
            describe: `Worker threads that decode and preprocess beside inference (0-${MAX_WORKERS}, default 0)`,
            coerce: (value: number) => {
              if (!Number.isSafeInteger(value) || value < 0 || value > MAX_WORKERS) {
                throw new UsageError(`--workers must be a whole number from 0 to ${MAX_WORKERS}`);
              }
              return value;
            },
          })
          .option('session-thread', {
            type: 'boolean',
            default: false,
            describe: 'Run the model on a thread of its own, so the next images are prepared beside it',
          })
          .option('fast-decode', {
            type: 'boolean',
            default: false,
            describe: 'Decode large JPEGs at 1/2-1/8 size (faster, inexact)',
          })
          .option('max-pixels', {
            type: 'number',
            describe: 'Refuse larger images (default 100000000)',
            coerce: (value: number) => checkMaxPixels(value),
          })
          .option('max-file-size', {
            type: 'string',
            describe: 'Refuse larger files, before reading them (default 256M)',
            coerce: byteSize,
          })
          .option('decode-timeout', {
            type: 'number',
            describe: 'Seconds one image may take to decode (default 30)',
            coerce: positiveInteger('decode-timeout'),
          })
          .option('allow-svg', {
            type: 'boolean',
            default: false,
            describe: 'Rasterise SVG (at most 16 MP); refused by default',
          })
          .option('sort-into', { type: 'string', describe: 'Copy each image into DIR/{sharp,blurred,uncertain}/' })
          .option('move', { type: 'boolean', describe: 'With --sort-into: move instead of copy' })
          .implies('move', 'sort-into')
          .option('dry-run', { type: 'boolean', describe: 'With --sort-into: print the plan only' })
          .implies('dry-run', 'sort-into')
          .option('progress', {
            type: 'boolean',
            default: true,
            describe: 'Progress bar on a terminal (--no-progress)',
          })
          .example('$0 classify photos/ -r', 'Classify a folder tree')
          .example('$0 classify "scans/*.jpg" --json --fast', 'JSON lines, single scale'),
      async (a) => {
        exitCode = await runClassify(
          {
            inputs: (a.inputs ?? []).map(String),
            recursive: a.recursive,
            json: a.json,
            model: a.model,
            scales: a.scales,
            fast: a.fast ?? false,
            confidenceThreshold: a.confidenceThreshold,
            blurThreshold: a.blurThreshold,
            thresholds: a.thresholds,
            concurrency: a.concurrency,
            workers: a.workers,
            sessionThread: a.sessionThread,
            fastDecode: a.fastDecode,
            maxPixels: a.maxPixels,
            maxFileBytes: a.maxFileSize,
            decodeTimeout: a.decodeTimeout,
            allowSvg: a.allowSvg,
            sortInto: a.sortInto,
            move: a.move ?? false,
            dryRun: a.dryRun ?? false,
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
    .command(
      serveCommand((code) => {
        exitCode = code;
      }),
    )
    .command(
      queueCommand(args, io, (code) => {
        exitCode = code;
      }),
    )
    .demandCommand(1, 'name a command: classify or models')
    .strict()
    .help()
    .alias('help', 'h')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((message, error) => {
      // yargs' own checks and our coerce functions arrive as YError: usage errors (exit 2).
      if (!error || error.name === 'YError') throw new UsageError(error?.message ?? message);
      throw error;
    })
    .parseAsync();
  return exitCode;
}

main(hideBin(process.argv)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // A bad option found past parsing (e.g. by core's option checks) is a usage error too.
    if (error instanceof UsageError || error instanceof OptionError) {
      process.stderr.write(`blurgate: ${error.message}\nRun blurgate --help for usage.\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(
      `blurgate: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 2;
  },
);
