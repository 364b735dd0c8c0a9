import { localModelNotice, MAX_GATE_SCALE, MIN_GATE_SCALE, parseScales } from '@blurgate/core';
import type { Argv, CommandModule } from 'yargs';
import {
  type ClassCounts,
  type Dataset,
  type EvaluateModelResult,
  type EvaluationReport,
  evaluateModel,
  METRIC_ROWS,
} from '../evaluation/index.js';
import { formatNumber as fmt } from '../evaluation/report-tables.js';

/**
 * Runs a command handler, turning a thrown error into one line on stderr and exit code 2 (setup mistakes: wrong
 * folder, missing model, unreachable target) instead of yargs' usage text and a stack trace. Set
 * BLURGATE_DEBUG=1 for the stack.
 */
export async function reportErrors(command: string, handler: () => Promise<void>): Promise<void> {
  try {
    await handler();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`blurgate-eval ${command}: ${message}\n`);
    if (process.env.BLURGATE_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    process.exitCode = 2;
  }
}

/** Options shared by `run` and `gopro`. */
export interface EvaluateCliArgs {
  data: string;
  out: string;
  scales?: number[];
  fast?: boolean;
  concurrency?: number;
  calibration?: string;
  'include-blur-gamma'?: boolean;
  'confidence-threshold'?: number;
  'blur-threshold'?: number;
  baselines?: boolean;
  resamples?: number;
  seed?: number;
}

/** Adds the evaluation options to a command. */
export function withEvaluateOptions<T>(yargs: Argv<T>): Argv<T & EvaluateCliArgs> {
  return yargs
    .option('data', {
      type: 'string',
      demandOption: true,
      describe:
        'dataset folder (GoPro Large, its test folder, test/{blur,sharp}, {sharp,blurred}) or a .csv/.jsonl manifest (path,label)',
    })
    .option('out', {
      type: 'string',
      demandOption: true,
      describe: 'output folder: predictions.jsonl (resumable), report.json, report.md, report.html',
    })
    .option('scales', {
      type: 'array',
      describe: `TTA scales, e.g. --scales 256 384 or --scales 256,384, each ${MIN_GATE_SCALE}-${MAX_GATE_SCALE} (default: the model's)`,
      coerce: (values: (string | number)[]) => parseScales(values, '--scales'),
    })
    .option('fast', { type: 'boolean', describe: 'single scale 384' })
    .option('concurrency', { type: 'number', describe: "images in flight (default: the gate's)" })
    .option('calibration', {
      type: 'string',
      describe:
        "a separate labelled split to fit the baselines' thresholds on (else they are swept on the test data and labelled optimistic)",
    })
    .option('include-blur-gamma', {
      type: 'boolean',
      default: false,
      describe: 'count GoPro blur_gamma frames as blurred',
    })
    .option('confidence-threshold', {
      type: 'number',
      describe: 'routing: below this confidence the label is uncertain (default 0.6)',
    })
    .option('blur-threshold', {
      type: 'number',
      describe: 'routing: p_blurred at or above this is blurred (default 0.5)',
    })
    .option('baselines', {
      type: 'boolean',
      default: true,
      describe: 'score the Laplacian-variance and sharp-sharpness baselines (--no-baselines to skip)',
    })
    .option('resamples', { type: 'number', default: 1000, describe: 'bootstrap resamples for the 95% intervals' })
    .option('seed', { type: 'number', default: 0, describe: 'bootstrap seed' }) as Argv<T & EvaluateCliArgs>;
}

/** A one-line progress counter on stderr, only when stderr is a terminal. */
export function progressLine(stream: NodeJS.WriteStream = process.stderr): {
  update(done: number, total: number): void;
  end(): void;
} {
  const started = Date.now();
  let shown = false;
  return {
    update(done, total) {
      if (!stream.isTTY) return;
      const seconds = (Date.now() - started) / 1000;
      const rate = seconds > 0 ? done / seconds : 0;
      const eta = rate > 0 ? Math.round((total - done) / rate) : 0;
      stream.write(
        `\r${done}/${total} images (${((100 * done) / Math.max(total, 1)).toFixed(0)}%), ${rate.toFixed(1)} img/s, ~${eta}s left   `,
      );
      shown = true;
    },
    end() {
      if (shown) stream.write('\n');
    },
  };
}

export function describeCounts(label: string, counts: ClassCounts, dataset: Dataset): string {
  return `${label}: ${dataset.description} at ${dataset.input}: ${counts.total} images (${counts.blurred} blurred, ${counts.sharp} sharp)`;
}

/** The summary a person reads at the end of a run. */
export function summarize(report: EvaluationReport): string {
  const lines = [
    `model ${report.model.name} ${report.model.version} on ${report.dataset.evaluated.total} images (scales ${report.scales.join(', ')}):`,
  ];
  for (const [key, title] of METRIC_ROWS) {
    const interval = report.intervals[key];
    const baselines = report.baselines.map((b) => `${b.name} ${fmt(b.metrics[key])}`).join(', ');
    lines.push(
      `  ${title.padEnd(28)} ${fmt(report.metrics[key])}  [${fmt(interval?.low)}, ${fmt(interval?.high)}]${baselines ? `   (${baselines})` : ''}`,
    );
  }
  const c = report.confusion;
  lines.push(
    `  confusion: TP ${c.tp} FN ${c.fn} FP ${c.fp} TN ${c.tn}; routed coverage ${fmt(report.routing.coverage)}`,
  );
  for (const b of report.baselines)
    if (b.optimistic)
      lines.push(
        `  note: ${b.name} threshold was swept on this data (optimistic); pass --calibration <dir> for a fair one`,
      );
  return lines.join('\n');
}

/** Runs an evaluation from CLI arguments, printing counts, progress and a summary. */
export async function runFromCli(model: string, argv: EvaluateCliArgs): Promise<EvaluateModelResult> {
  const progress = progressLine();
  const result = await evaluateModel({
    model,
    data: argv.data,
    outDir: argv.out,
    scales: argv.scales,
    fast: argv.fast,
    concurrency: argv.concurrency,
    calibration: argv.calibration,
    includeBlurGamma: argv['include-blur-gamma'],
    confidenceThreshold: argv['confidence-threshold'],
    blurThreshold: argv['blur-threshold'],
    noBaselines: argv.baselines === false,
    report: { bootstrap: { resamples: argv.resamples, seed: argv.seed } },
    onCounts: (counts, dataset) => process.stderr.write(`${describeCounts('dataset', counts, dataset)}\n`),
    onCalibrationCounts: (counts, dataset) =>
      process.stderr.write(`${describeCounts('calibration', counts, dataset)}\n`),
    onProgress: (done, total) => progress.update(done, total),
  });
  progress.end();
  const notice = localModelNotice(result.report.model);
  if (notice) process.stderr.write(`notice: ${notice.message}\n`);
  const { run } = result;
  if (run.resumed > 0)
    process.stderr.write(
      `resumed: ${run.resumed} images already in ${run.predictionsPath}, ${run.classified} classified now\n`,
    );
  if (run.droppedPartialLine)
    process.stderr.write('dropped a partial last line of predictions.jsonl (interrupted write)\n');
  process.stdout.write(`${summarize(result.report)}\n`);
  process.stdout.write(
    `wrote ${result.files.predictions}, ${result.files.json}, ${result.files.markdown}, ${result.files.html}\n`,
  );
  if (result.report.dataset.errors > 0) {
    process.stderr.write(
      `${result.report.dataset.errors} images could not be classified (status "error" in predictions.jsonl)\n`,
    );
    process.exitCode = 1;
  }
  return result;
}

interface RunArgs extends EvaluateCliArgs {
  model: string;
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run',
  describe: 'evaluate a model on a labelled dataset: predictions.jsonl, report.json/.md/.html',
  builder: (yargs) =>
    withEvaluateOptions(
      yargs.option('model', { type: 'string', demandOption: true, describe: 'model name, model folder or .onnx path' }),
    ) as Argv<RunArgs>,
  handler: (argv) =>
    reportErrors('run', async () => {
      await runFromCli(argv.model, argv);
    }),
};
