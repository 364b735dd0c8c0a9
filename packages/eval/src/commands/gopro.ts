import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { convertCheckpoint } from '../checkpoint/index.js';
import { compareWithCard, formatCardComparison, GOPRO_CARD } from '../evaluation/index.js';
import { pullCheckpoint } from '../hub/index.js';
import { type EvaluateCliArgs, reportErrors, runFromCli, withEvaluateOptions } from './run.js';

/** The reference checkpoint of the card. */
export const REFERENCE_CHECKPOINT = 'hf:bradduy/MagikaDocumentFromPixel';

/** `hf:org/name[/path/to/file.pt][@revision]`; the file defaults to `best.pt`. */
export function parseHubCheckpoint(spec: string): { repo: string; file: string; revision: string | null } | null {
  if (!spec.startsWith('hf:')) return null;
  let rest = spec.slice(3);
  let revision: string | null = null;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    revision = rest.slice(at + 1) || null;
    rest = rest.slice(0, at);
  }
  const parts = rest.split('/').filter(Boolean);
  if (parts.length < 2) throw new Error(`--checkpoint ${spec}: expected hf:<org>/<name>[/<file>][@<revision>]`);
  return { repo: `${parts[0]}/${parts[1]}`, file: parts.slice(2).join('/') || 'best.pt', revision };
}

interface GoproArgs extends EvaluateCliArgs {
  checkpoint: string;
  'hub-url'?: string;
  'cache-dir'?: string;
  'freq-aux-in-graph'?: boolean;
}

/**
 * Resolves `--checkpoint` to an ONNX model on disk: an `.onnx` is used as is; a `.pt` (local or pulled from the
 * Hub into the Hugging Face cache) is converted into `<out>/<name>.onnx`.
 */
async function checkpointToOnnx(argv: GoproArgs): Promise<{ onnx: string; source: string }> {
  if (argv.checkpoint.toLowerCase().endsWith('.onnx') && !argv.checkpoint.startsWith('hf:')) {
    return { onnx: resolve(argv.checkpoint), source: resolve(argv.checkpoint) };
  }
  const hub = parseHubCheckpoint(argv.checkpoint);
  let checkpointPath = resolve(argv.checkpoint);
  let source = checkpointPath;
  if (hub) {
    process.stderr.write(
      `pulling ${hub.file} from ${hub.repo}${hub.revision ? `@${hub.revision}` : ''}${argv['hub-url'] ? ` (${argv['hub-url']})` : ''}\n`,
    );
    const pulled = await pullCheckpoint({
      repo: hub.repo,
      file: hub.file,
      revision: hub.revision,
      hubUrl: argv['hub-url'],
      cacheDir: argv['cache-dir'],
    });
    checkpointPath = pulled.path;
    source = `${argv.checkpoint} (revision ${pulled.revision ?? pulled.requestedRevision}, sha256 ${pulled.sha256})`;
  }
  const converted = await convertCheckpoint(new Uint8Array(await readFile(checkpointPath)), {
    freqAuxInGraph: argv['freq-aux-in-graph'] ?? false,
  });
  await mkdir(argv.out, { recursive: true });
  // The ONNX file's stem becomes the model name in the report: name it after the checkpoint.
  const stem = hub
    ? `${hub.repo.split('/')[1]}-${basename(hub.file, extname(hub.file))}`
    : basename(checkpointPath, extname(checkpointPath));
  const onnx = join(resolve(argv.out), `${stem}.onnx`);
  await writeFile(onnx, converted.onnx);
  process.stderr.write(
    `converted ${checkpointPath} (${converted.architecture}, ${converted.inputChannels}-channel input) to ${onnx}\n`,
  );
  return { onnx, source };
}

export const goproCommand: CommandModule<object, GoproArgs> = {
  command: 'gopro',
  describe: "reproduce the card's GoPro Large test numbers: pull or read the checkpoint, convert, evaluate, compare",
  builder: (yargs) =>
    withEvaluateOptions(
      yargs
        .option('checkpoint', {
          type: 'string',
          default: REFERENCE_CHECKPOINT,
          describe: 'hf:<org>/<name>[/<file>][@<rev>], a local best.pt, or a converted .onnx',
        })
        .option('hub-url', { type: 'string', describe: 'Hub URL (default https://huggingface.co)' })
        .option('cache-dir', {
          type: 'string',
          describe: 'Hugging Face cache (default HF_HUB_CACHE or ~/.cache/huggingface/hub)',
        })
        .option('freq-aux-in-graph', {
          type: 'boolean',
          default: false,
          describe: 'convert with FreqAux inside the ONNX graph (3-channel input)',
        }),
    ) as Argv<GoproArgs>,
  handler: (argv) => reportErrors('gopro', () => gopro(argv)),
};

async function gopro(argv: GoproArgs): Promise<void> {
  const { onnx, source } = await checkpointToOnnx(argv);
  const result = await runFromCli(onnx, argv);
  const rows = compareWithCard(result.report);
  const comparison = {
    checkpoint: source,
    model: onnx,
    card: GOPRO_CARD,
    rows,
    dataset: result.report.dataset.path,
    images: result.report.dataset.evaluated,
  };
  const path = join(resolve(argv.out), 'gopro-comparison.json');
  await writeFile(path, `${JSON.stringify(comparison, null, 2)}\n`);
  process.stdout.write(
    `\nGoPro Large test: the card's numbers beside ours\n${formatCardComparison(rows)}\nwrote ${path}\n`,
  );
  if (result.report.dataset.evaluated.total !== GOPRO_CARD.tp + GOPRO_CARD.fn + GOPRO_CARD.fp + GOPRO_CARD.tn) {
    process.stdout.write(
      `note: the card's test set has 2222 images; this run evaluated ${result.report.dataset.evaluated.total}\n`,
    );
  }
}
