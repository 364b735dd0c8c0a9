import { BlurgateError, type ClassifyResult, classificationRecord, localModelNotice } from '@blurgate/core';
import cliProgress from 'cli-progress';
import { type BlurGate, createBlurGate } from '../blur-gate.js';
import { collectInputs } from './collect-inputs.js';
import {
  type CliInput,
  displayName,
  errorLine,
  oneLine,
  plainLine,
  ResultTally,
  tableHeader,
  tableRow,
} from './format-results.js';
import { Interruption } from './interruption.js';
import { FileSorter, type FilePath, SortError, showPath } from './sort-into.js';
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
  /** Worker threads for decode + preprocessing (`createBlurGate`'s `workers`). */
  readonly workers?: number;
  /** The model on a thread of its own (`createBlurGate`'s `sessionThread: 'worker'`). */
  readonly sessionThread?: boolean;
  /** JPEG shrink-on-load (`createBlurGate`'s `fastDecode`). */
  readonly fastDecode?: boolean;
  readonly maxPixels?: number;
  readonly maxFileBytes?: number;
  readonly decodeTimeout?: number;
  readonly allowSvg?: boolean;
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
      workers: args.workers,
      sessionThread: args.sessionThread ? 'worker' : undefined,
      fastDecode: args.fastDecode,
      decodeOptions: {
        maxFileBytes: args.maxFileBytes,
        timeoutSeconds: args.decodeTimeout,
        allowVector: args.allowSvg,
      },
    });
  } catch (error) {
    if (error instanceof BlurgateError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
}

/**
 * `blurgate classify`: returns the exit code (0 all classified, 1 some failed). Throws UsageError or
 * OptionError (exit 2). Flag combinations (`--move` needs `--sort-into`, `--fast` or `--scales`) are
 * checked by the yargs layer in cli.ts.
 */
export async function runClassify(args: ClassifyArgs, io: CliIo): Promise<number> {
  const { files, problems } = await collectInputs(args.inputs, {
    recursive: args.recursive,
    includeSvg: args.allowSvg,
  });
  if (files.length === 0) {
    const why = problems.map((p) => p.message).join('; ');
    throw new UsageError(`no images to classify${why ? `: ${why}` : ''}`);
  }

  const gate = await openGate(args);
  // A local, unreleased model runs; say so once, on stderr (the library returns it as data).
  const notice = localModelNotice(gate.model);
  if (notice) io.stderr.write(`blurgate: notice: ${notice.message}\n`);
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
  // Ctrl-C / SIGTERM: finish the file in hand (its sort and its line), then stop with 130. A second
  // one exits at once unless a file is being given its final name, from the request until its line is
  // printed (then right after it). The handlers stay until the loop has ended, so after every sort settled.
  const interruption = new Interruption(() => {
    if (sorter && !sorter.abandonSync()) return;
    bars?.stop();
    process.exit(130);
  });
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
    else err(`error: ${oneLine(problem.message)} [${problem.code}]`);
  }
  if (table) out(tableHeader());

  const results = gate.classifyMany(files)[Symbol.asyncIterator]();
  const stop = interruption.requested.then(() => null);
  try {
    for (;;) {
      const next = await Promise.race([results.next(), stop]);
      if (next === null || next.done) break;
      let current: ClassifyResult<CliInput> = next.value;
      let sortedTo: FilePath | null = null;
      if (sorter && current.status === 'ok') {
        try {
          sortedTo = await sorter.place(
            typeof current.input === 'string' ? current.input : current.input.path,
            current.label,
          );
        } catch (error) {
          const message =
            error instanceof SortError ? error.message : `${displayName(current.input)}: ${(error as Error).message}`;
          current = { status: 'error', input: current.input, error: { code: 'SORT_FAILED', message } };
        }
      }
      tally.add(current.status === 'ok' ? current.label : 'error');
      if (args.json) {
        const extra = sorter
          ? { sorted_to: sortedTo === null ? null : showPath(sortedTo), ...(args.dryRun ? { dry_run: true } : {}) }
          : {};
        out(JSON.stringify(classificationRecord({ ...current, input: displayName(current.input) }, extra)));
      } else {
        out(table ? tableRow(current) : plainLine(current));
        if (sortedTo !== null) {
          const verb = args.move ? 'move' : 'copy';
          out(
            `  ${args.dryRun ? `would ${verb}` : verb === 'move' ? 'moved' : 'copied'} to ${oneLine(showPath(sortedTo))}`,
          );
        }
      }
      if (current.status === 'error' && !args.json)
        err(errorLine(current.input, current.error.code, current.error.message));
      bar?.increment();
      if (interruption.isRequested) break;
    }
  } finally {
    // stop() does not flush lines logged since the last redraw; update() does.
    bars?.update();
    bars?.stop();
    results.return?.(undefined)?.catch(() => undefined);
    interruption.dispose();
    await gate.dispose();
  }

  const model = `${gate.model.name}@${gate.model.version}`;
  const left = files.length - (tally.total - problems.length);
  const stopped = interruption.isRequested ? `; interrupted, ${left} not classified` : '';
  io.stderr.write(`${tally.summary()}${stopped} (model ${model}, scales ${gate.scales.join(',')})\n`);
  if (interruption.isRequested) return 130;
  return tally.counts.error > 0 ? 1 : 0;
}
