import { writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { calibrateThresholds, loadPredictions } from '../evaluation/index.js';
import { reportErrors } from './run.js';

interface CalibrateArgs {
  predictions: string;
  'target-precision'?: number;
  'target-recall'?: number;
  'best-f1'?: boolean;
  'min-coverage'?: number;
  'confidence-threshold'?: number;
  out?: string;
}

export const calibrateCommand: CommandModule<object, CalibrateArgs> = {
  command: 'calibrate',
  describe:
    'choose routing thresholds from predictions.jsonl and write the thresholds file `blurgate classify --thresholds` reads',
  builder: (yargs) =>
    yargs
      .option('predictions', {
        type: 'string',
        demandOption: true,
        describe: 'predictions.jsonl of a `blurgate-eval run`',
      })
      .option('target-precision', {
        type: 'number',
        describe: 'blur threshold with the highest recall whose precision reaches this',
      })
      .option('target-recall', {
        type: 'number',
        describe: 'blur threshold with the highest precision whose recall reaches this',
      })
      .option('best-f1', {
        type: 'boolean',
        describe: 'blur threshold with the best F1 (e.g. on a validation split, for a model manifest)',
      })
      .option('min-coverage', {
        type: 'number',
        describe: 'highest confidence threshold that still decides at least this share of images',
      })
      .option('confidence-threshold', {
        type: 'number',
        describe: 'confidence threshold to keep when --min-coverage is not given (default 0.6)',
      })
      .option('out', { type: 'string', describe: 'thresholds file (default: thresholds.json beside the predictions)' })
      .conflicts('target-precision', ['target-recall', 'best-f1'])
      .conflicts('target-recall', 'best-f1')
      .check((argv) => {
        if (
          argv['target-precision'] === undefined &&
          argv['target-recall'] === undefined &&
          !argv['best-f1'] &&
          argv['min-coverage'] === undefined
        ) {
          throw new Error('give --target-precision, --target-recall, --best-f1 or --min-coverage');
        }
        for (const key of ['target-precision', 'target-recall', 'min-coverage'] as const) {
          const v = argv[key];
          if (v !== undefined && !(v > 0 && v <= 1)) throw new Error(`--${key} must be in (0, 1], got ${v}`);
        }
        return true;
      }) as never,
  handler: (argv) => reportErrors('calibrate', () => calibrate(argv)),
};

async function calibrate(argv: CalibrateArgs): Promise<void> {
  const predictions = resolve(argv.predictions);
  const { records } = await loadPredictions(predictions);
  const thresholds = calibrateThresholds(
    records,
    {
      targetPrecision: argv['target-precision'],
      targetRecall: argv['target-recall'],
      bestF1: argv['best-f1'],
      minCoverage: argv['min-coverage'],
      confidenceThreshold: argv['confidence-threshold'],
    },
    predictions,
  );
  const out = resolve(argv.out ?? join(dirname(predictions), 'thresholds.json'));
  await writeFile(out, `${JSON.stringify(thresholds, null, 2)}\n`);
  const a = thresholds.provenance.achieved;
  process.stdout.write(
    `confidenceThreshold ${thresholds.confidenceThreshold}, blurThreshold ${thresholds.blurThreshold}\n` +
      `on ${thresholds.provenance.images} images: coverage ${a.coverage.toFixed(4)}, precision ${a.precision.toFixed(4)}, recall ${a.recall.toFixed(4)}, accuracy ${a.accuracy.toFixed(4)} (decided images)\n` +
      `wrote ${out}; use it with: blurgate classify --thresholds ${out} <images>\n`,
  );
}
