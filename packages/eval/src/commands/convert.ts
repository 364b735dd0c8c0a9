import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BlurgateError, localModelNotice, type ModelSource, parseByteSize } from '@blurgate/core';
import type { Argv, CommandModule } from 'yargs';
import { convertCheckpointFile } from '../checkpoint/index.js';

interface ConvertArgs {
  checkpoint: string;
  out: string;
  'freq-aux-in-graph': boolean;
  name?: string;
  version?: string;
  'hf-repo'?: string;
  'hf-file'?: string;
  'hf-revision'?: string;
  'max-checkpoint-memory'?: string;
}

/** `--max-checkpoint-memory`: bytes, or with a K, M or G suffix (powers of 1024). */
function byteSize(value: string): number {
  const bytes = parseByteSize(value);
  if (bytes === undefined)
    throw new BlurgateError(
      'INVALID_OPTION',
      `--max-checkpoint-memory must be a size such as 512M or 2G, got "${value}"`,
    );
  return bytes;
}

/** `blurgate-eval convert <checkpoint.pt> --out <model.onnx>`: PyTorch checkpoint → ONNX + manifest.json. */
export const convertCommand: CommandModule<object, ConvertArgs> = {
  command: 'convert <checkpoint>',
  describe:
    'convert a PyTorch checkpoint (torch.save state dict of FreqAux + MobileNetV3) to ONNX, with a manifest.json next to it',
  builder: (yargs: Argv) =>
    yargs
      // --version names the model version here, not blurgate-eval's own
      .version(false)
      .positional('checkpoint', { type: 'string', demandOption: true, describe: 'the .pt file, e.g. best.pt' })
      .option('out', {
        type: 'string',
        demandOption: true,
        describe: 'the ONNX file to write; manifest.json goes in the same folder (one model per folder)',
      })
      .option('freq-aux-in-graph', {
        type: 'boolean',
        default: false,
        describe:
          'put FreqAux inside the graph (3-channel input) instead of computing it in @blurgate/core (4-channel input)',
      })
      .option('name', { type: 'string', describe: 'model name for the manifest (kebab-case); default by architecture' })
      .option('version', {
        type: 'string',
        describe:
          'model version for the manifest (semver); default 0.0.0-local, a local, unreleased model that blurgate classify runs',
      })
      .option('hf-repo', {
        type: 'string',
        describe: 'record the source as this Hugging Face model repo, e.g. bradduy/MagikaDocumentFromPixel',
      })
      .option('hf-file', { type: 'string', describe: 'file in --hf-repo (default: the checkpoint file name)' })
      .option('hf-revision', { type: 'string', describe: 'commit of --hf-repo the checkpoint came from' })
      .option('max-checkpoint-memory', {
        type: 'string',
        describe: 'most the checkpoint may inflate to, and most its tensors may take, e.g. 2G (default 1G each)',
      })
      .example(
        '$0 convert best.pt --out models/ref/1.0.0/model.onnx',
        'the 4-channel backbone; FreqAux computed by core',
      )
      .example(
        '$0 convert best.pt --out model.onnx --freq-aux-in-graph',
        'the whole model, 3-channel input',
      ) as unknown as Argv<ConvertArgs>,
  handler: async (argv) => {
    const started = performance.now();
    try {
      const checkpoint = resolve(argv.checkpoint);
      const source: ModelSource | undefined = argv['hf-repo']
        ? {
            kind: 'huggingface',
            repo: argv['hf-repo'],
            file: argv['hf-file'] ?? checkpoint.split(/[\\/]/).pop() ?? 'best.pt',
            revision: argv['hf-revision'] ?? null,
            sha256: null,
          }
        : undefined;
      const result = await convertCheckpointFile(checkpoint, resolve(argv.out), {
        freqAuxInGraph: argv['freq-aux-in-graph'],
        ...(argv.name === undefined ? {} : { name: argv.name }),
        ...(argv.version === undefined ? {} : { version: argv.version }),
        ...(source === undefined ? {} : { source }),
        ...(argv['max-checkpoint-memory'] === undefined
          ? {}
          : {
              limits: {
                maxInflatedBytes: byteSize(argv['max-checkpoint-memory']),
                maxTensorBytes: byteSize(argv['max-checkpoint-memory']),
              },
            }),
      });
      const seconds = (performance.now() - started) / 1000;
      const { converted, manifest } = result;
      const mb = (converted.onnx.length / 1e6).toFixed(1);
      process.stdout.write(
        `converted ${argv.checkpoint} (sha256 ${result.checkpointSha256.slice(0, 12)}…): ${converted.architecture}, ` +
          `${(converted.parameterCount / 1e6).toFixed(2)} M parameters, ${converted.keysUsed} keys used\n` +
          `wrote ${result.onnxPath} (${mb} MB, ${converted.inputChannels}-channel input, FreqAux ${manifest.preprocessing.freqAux})\n` +
          `wrote ${result.manifestPath} (${manifest.name}@${manifest.version})\n` +
          `done in ${seconds.toFixed(2)} s\n`,
      );
      const notice = localModelNotice(manifest);
      if (notice) process.stderr.write(`blurgate-eval convert: notice: ${notice.message}\n`);
    } catch (error) {
      const code = error instanceof BlurgateError ? ` [${error.code}]` : '';
      process.stderr.write(`blurgate-eval convert: ${error instanceof Error ? error.message : String(error)}${code}\n`);
      process.exitCode = 1;
    }
  },
};
