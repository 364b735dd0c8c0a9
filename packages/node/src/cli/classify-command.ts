import { BlurgateError, type ClassifyResult, classificationRecord } from '@blurgate/core';
import cliProgress from 'cli-progress';
import { type BlurGate, createBlurGate } from '../blur-gate.js';
import { collectInputs } from './collect-inputs.js';
import { plainLine, ResultTally, tableHeader, tableRow } from './format-results.js';
import { FileSorter } from './sort-into.js';
import { readThresholdsFile } from './thresholds-file.js';
import { UsageError } from './usage-error.js';

export interface ClassifyArgs {
  readonly inputs: readonly string[];
  readonly recursive: boolean;
  readonly json: boolean;
  readonly model?: string;
  readonly scales?: readonly number[];
  readonly fast: boolean;
  readonly confidenceThreshold?: number;
  readonly blurThreshold?: number;
  readonly thresholds?: string;
  readonly concurrency?: number;
  readonly maxPixels?: number;
  readonly sortInto?: string;
  readonly move: boolean;
  readonly dryRun: boolean;
  readonly progress?: boolean;
}

/** Where the command writes; the streams' `isTTY` picks table vs plain lines and the progress bar. */
export interface CliIo {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
}

async function openGate(args: ClassifyArgs): Promise<BlurGate> {
  const fromFile = args.thresholds ? await readThresholdsFile(args.thresholds) : {};
  try {
    return await createBlurGate({
      model: args.model,
      scales: args.scales,
      fast: args.fast,
      // Explicit flags win over the thresholds file, which wins over the manifest.
      confidenceThreshold: args.confidenceThreshold ?? fromFile.confidenceThreshold,
      blurThreshold: args.blurThreshold ?? fromFile.blurThreshold,
      maxPixels: args.maxPixels,
      concurrency: args.concurrency,
    });
  } catch (error) {
    if (error instanceof BlurgateError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
}

/** `blurgate classify`: returns the exit code (0 all classified, 1 some failed). Throws UsageError (2). */
export async function runClassify(args: ClassifyArgs, io: CliIo): Promise<number> {
  if (args.move && !args.sortInto) throw new UsageError('--move needs --sort-into DIR');
  if (args.dryRun && !args.sortInto) throw new UsageError('--dry-run needs --sort-into DIR');
  const { files, problems } = await collectInputs(args.inputs, args.recursive);
  if (files.length === 0) {
    const why = problems.map((p) => p.message).join('; ');
    throw new UsageError(`no images to classify${why ? `: ${why}` : ''}`);
  }

  const gate = await openGate(args);
  const tally = new ResultTally();
  const sorter = args.sortInto ? new FileSorter(args.sortInto, args.move ? 'move' : 'copy', args.dryRun) : null;
  const table = !args.json && Boolean(io.stdout.isTTY);
  const showProgress = (args.progress ?? true) && Boolean(io.stderr.isTTY) && files.length > 1;
  const bars = showProgress
    ? new cliProgress.MultiBar(
        {
          stream: io.stderr,
          clearOnComplete: true,
          hideCursor: true,
          format: 'classifying [{bar}] {value}/{total} {eta_formatted} left',
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  const bar = bars?.create(files.length, 0);
  // Ctrl-C while the bar hides the cursor: give the terminal its cursor back, then exit as interrupted.
  const onInterrupt = (): void => {
    bars?.stop();
    process.exit(130);
  };
  if (bars) process.once('SIGINT', onInterrupt);
  // When stdout is a terminal too (then usually the same one), lines go through the bar so it is
  // redrawn below them; to a pipe or file they go straight to stdout.
  const out = (line: string): void => {
    if (bars && io.stdout.isTTY) bars.log(`${line}\n`);
    else io.stdout.write(`${line}\n`);
  };
  const err = (line: string): void => {
    if (bars) bars.log(`${line}\n`);
    else io.stderr.write(`${line}\n`);
  };

  for (const problem of problems) {
    tally.add('error');
    if (args.json) out(JSON.stringify(classificationRecord({ status: 'error', input: problem.input, error: problem })));
    else err(`error: ${problem.message} [${problem.code}]`);
  }
  if (table) out(tableHeader());

  try {
    for await (const result of gate.classifyMany(files)) {
      let current: ClassifyResult<string> = result;
      let sortedTo: string | null = null;
      if (sorter && current.status === 'ok') {
        try {
          sortedTo = await sorter.place(current.input, current.label);
        } catch (error) {
          current = { status: 'error', input: current.input, error: { code: 'SORT_FAILED', message: (error as Error).message } };
        }
      }
      tally.add(current.status === 'ok' ? current.label : 'error');
      if (args.json) {
        const extra = sorter ? { sorted_to: sortedTo, ...(args.dryRun ? { dry_run: true } : {}) } : {};
        out(JSON.stringify(classificationRecord(current, extra)));
      } else {
        out(table ? tableRow(current) : plainLine(current));
        if (sortedTo) {
          const verb = args.move ? 'move' : 'copy';
          out(`  ${args.dryRun ? `would ${verb}` : verb === 'move' ? 'moved' : 'copied'} to ${sortedTo}`);
        }
      }
      if (current.status === 'error' && !args.json) {
        err(`error: ${current.input}: ${stripPrefix(current.error.message, current.input)} [${current.error.code}]`);
      }
      bar?.increment();
    }
  } finally {
    // stop() does not flush lines logged since the last redraw; update() does.
    bars?.update();
    bars?.stop();
    process.off('SIGINT', onInterrupt);
    await gate.dispose();
  }

  const model = `${gate.model.name}@${gate.model.version}`;
  io.stderr.write(`${tally.summary()} (model ${model}, scales ${gate.scales.join(',')})\n`);
  return tally.counts.error > 0 ? 1 : 0;
}

/** Decoder messages start with the input already; do not say it twice. */
function stripPrefix(message: string, input: string): string {
  return message.startsWith(`${input}: `) ? message.slice(input.length + 2) : message;
}
