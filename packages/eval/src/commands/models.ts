import { BlurgateError } from '@blurgate/core';
import type { Argv, CommandModule } from 'yargs';
import { type DownloadProgress, formatBytes, listKnownModels, pullModel } from '../hub/index.js';

interface ListArgs {
  json: boolean;
}

interface PullArgs {
  name: string;
  revision?: string;
  'hub-url': string;
  checkpoint?: string;
  force: boolean;
  'cache-dir'?: string;
  'models-dir'?: string;
  'freq-aux-in-graph': boolean;
  offline: boolean;
  json: boolean;
}

/** Prints a typed error the way a person can act on it, and fails the process without a stack trace. */
function fail(error: unknown): void {
  if (error instanceof BlurgateError) {
    process.stderr.write(`blurgate-eval: ${error.message} [${error.code}]\n`);
  } else {
    process.stderr.write(`blurgate-eval: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exitCode = 1;
}

/** Progress on stderr: a live line on a terminal, start and end lines otherwise (logs stay short). */
function progressPrinter(): { onProgress: (p: DownloadProgress) => void; finish: () => void } {
  const tty = process.stderr.isTTY === true;
  let lastDraw = 0;
  let started = false;
  let last: DownloadProgress | null = null;
  const line = (p: DownloadProgress) =>
    p.totalBytes
      ? `downloading ${p.file}: ${formatBytes(p.receivedBytes)} / ${formatBytes(p.totalBytes)} (${Math.floor((100 * p.receivedBytes) / p.totalBytes)}%)`
      : `downloading ${p.file}: ${formatBytes(p.receivedBytes)}`;
  return {
    onProgress(p) {
      if (p.receivedBytes === 0 && last && last.receivedBytes > 0 && tty) process.stderr.write('\n'); // a restart
      last = p;
      if (tty) {
        const now = Date.now();
        if (now - lastDraw >= 100 || p.receivedBytes === p.totalBytes) {
          lastDraw = now;
          process.stderr.write(`\r\x1b[2K${line(p)}`);
        }
      } else if (!started || p.receivedBytes === 0) {
        started = true;
        process.stderr.write(`downloading ${p.file} (${p.totalBytes ? formatBytes(p.totalBytes) : 'size unknown'})\n`);
      }
    },
    finish() {
      if (last && tty) process.stderr.write('\n');
      else if (last) process.stderr.write(`${line(last)}\n`);
    },
  };
}

const listCommand: CommandModule<object, ListArgs> = {
  command: 'list',
  describe: 'List the known models (manifests in the repo models/ and the model store) and whether they are present',
  builder: (yargs: Argv) =>
    yargs.option('json', {
      type: 'boolean',
      default: false,
      describe: 'print JSON instead of a table',
    }) as Argv<ListArgs>,
  handler: async (args) => {
    try {
      const models = await listKnownModels();
      if (args.json) {
        process.stdout.write(`${JSON.stringify(models, null, 2)}\n`);
        return;
      }
      if (models.length === 0) {
        process.stdout.write('no model manifests found\n');
        return;
      }
      const rows = models.map((m) => [m.name, m.version, m.present ? 'present' : 'absent', m.source, m.dir]);
      const header = ['NAME', 'VERSION', 'STATUS', 'SOURCE', 'LOCATION'];
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
      for (const row of [header, ...rows]) {
        process.stdout.write(
          `${row.map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i]) : cell)).join('  ')}\n`,
        );
      }
    } catch (error) {
      fail(error);
    }
  },
};

const pullCommand: CommandModule<object, PullArgs> = {
  command: 'pull <name>',
  describe:
    'Download a model checkpoint from the Hugging Face Hub (standard HF cache), verify it, convert it to ONNX and install it where `blurgate classify --model <name>` finds it',
  builder: (yargs: Argv) =>
    yargs
      .positional('name', {
        type: 'string',
        demandOption: true,
        describe: 'model name, name@version, or a manifest.json path',
      })
      .option('revision', { type: 'string', describe: "branch, tag or commit to pull instead of the manifest's" })
      .option('hub-url', {
        type: 'string',
        default: process.env['HF_ENDPOINT'] ?? 'https://huggingface.co',
        describe: 'Hub endpoint (default $HF_ENDPOINT or https://huggingface.co)',
      })
      .option('checkpoint', {
        type: 'string',
        describe: 'install from this local checkpoint (e.g. path/to/best.pt) instead of downloading',
      })
      .option('force', {
        type: 'boolean',
        default: false,
        describe: 'reinstall when this version is already installed',
      })
      .option('cache-dir', {
        type: 'string',
        describe: 'Hugging Face cache (default $HF_HUB_CACHE, $HF_HOME/hub, ~/.cache/huggingface/hub)',
      })
      .option('models-dir', {
        type: 'string',
        describe: 'install into this model store (default $BLURGATE_HOME/models or ~/.cache/blurgate/models)',
      })
      .option('freq-aux-in-graph', {
        type: 'boolean',
        default: false,
        describe: 'export FreqAux inside the ONNX graph (3-channel model)',
      })
      .option('offline', { type: 'boolean', default: false, describe: 'use the cache only (also: HF_HUB_OFFLINE=1)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON' })
      .example('$0 models pull bradduy-magika-blur', 'download best.pt, verify, convert, install')
      .example(
        '$0 models pull bradduy-magika-blur --checkpoint ~/Downloads/best.pt',
        'install from a local file (offline)',
      )
      .example(
        '$0 models pull ./my-model/1.0.0/manifest.json --hub-url http://127.0.0.1:8080',
        'a manifest by path, another Hub endpoint',
      ) as Argv<PullArgs>,
  handler: async (args) => {
    const progress = progressPrinter();
    try {
      const token = process.env['HF_TOKEN'];
      const result = await pullModel(args.name, {
        hubUrl: args['hub-url'],
        force: args.force,
        freqAuxInGraph: args['freq-aux-in-graph'],
        onProgress: progress.onProgress,
        ...(args.offline && { offline: true }),
        ...(args.revision !== undefined && { revision: args.revision }),
        ...(args.checkpoint !== undefined && { checkpointPath: args.checkpoint }),
        ...(args['cache-dir'] !== undefined && { cacheDir: args['cache-dir'] }),
        ...(args['models-dir'] !== undefined && { modelsDir: args['models-dir'] }),
        ...(token && { accessToken: token }),
      });
      progress.finish();
      if (args.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      const source = result.manifest.source;
      const pinned =
        source.kind === 'huggingface'
          ? `revision ${source.revision ?? 'unknown'}, checkpoint sha256 ${source.sha256}`
          : '';
      if (result.status === 'already-installed') {
        process.stdout.write(
          `${result.name}@${result.version} is already installed at ${result.dir} (--force to reinstall)\n`,
        );
      } else {
        const cached = result.checkpoint?.fromCache ? ' (checkpoint from the cache)' : '';
        process.stdout.write(`installed ${result.name}@${result.version} at ${result.dir}${cached}\n  ${pinned}\n`);
      }
    } catch (error) {
      progress.finish();
      fail(error);
    }
  },
};

export const modelsCommand: CommandModule = {
  command: 'models',
  describe: 'List and pull versioned models',
  builder: (yargs: Argv) =>
    yargs
      .command(listCommand as unknown as CommandModule)
      .command(pullCommand as unknown as CommandModule)
      .demandCommand(1, 'name a sub-command: list or pull'),
  handler: () => {},
};
