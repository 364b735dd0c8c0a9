// `blurgate serve`: the gate as an HTTP service. The service lives in the optional package
// @blurgate/server (Fastify and its friends), so library users do not carry its dependencies; this
// command only parses flags and loads that package when it is installed.
import { BlurgateError } from '@blurgate/core';
import type { Argv, CommandModule } from 'yargs';
import { loadOptionalPackage } from './optional-package.js';
import { UsageError } from './usage-error.js';

/** The part of @blurgate/server this command uses (the package is not a dependency of @blurgate/node). */
interface ServerModule {
  startServer(options: Record<string, unknown>): Promise<{
    readonly url: string;
    readonly info: {
      readonly model: { readonly name: string; readonly version: string };
      readonly scales: readonly number[];
    };
    readonly closed: Promise<void>;
  }>;
}

const SERVER_PACKAGE = '@blurgate/server';

export const SERVER_MISSING_MESSAGE =
  `blurgate serve needs the ${SERVER_PACKAGE} package, which is not installed.\n` +
  `Install it beside @blurgate/node: npm install ${SERVER_PACKAGE} (or pnpm add ${SERVER_PACKAGE}).`;

function count(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: unknown): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;
      throw new UsageError(`--${name} must be a whole number ${range}, got "${String(value)}"`);
    }
    return n;
  };
}

interface ServeArgs {
  host: string;
  port?: string;
  model?: string;
  fast: boolean;
  'api-key-file'?: string;
  'cors-origin'?: string[];
  'max-body-bytes'?: string;
  'max-queue'?: string;
  'timeout-ms'?: string;
  'max-pixels'?: string;
  workers?: string;
  'threads-per-worker'?: string;
}

/**
 * The `serve` command for the `blurgate` yargs CLI.
 *
 * @param setExitCode - receives the exit code: 0 after a clean shutdown (SIGTERM/SIGINT), 2 when
 *   @blurgate/server is missing or the model or a flag is unusable.
 */
export function serveCommand(setExitCode: (code: number) => void): CommandModule<object, ServeArgs> {
  return {
    command: 'serve',
    describe: 'Serve the gate over HTTP (needs @blurgate/server)',
    builder: (y: Argv) =>
      y
        .option('host', { type: 'string', default: '127.0.0.1', describe: 'Interface to listen on (0.0.0.0 for all)' })
        .option('port', { type: 'string', describe: 'Port (default 8080)' })
        .option('model', { alias: 'm', type: 'string', describe: 'A .onnx file, a model folder, name or name@version' })
        .option('fast', { type: 'boolean', default: false, describe: 'Single scale (384) by default' })
        .option('api-key-file', {
          type: 'string',
          describe: 'Require "Authorization: Bearer <key>", keys one per line',
        })
        .option('cors-origin', {
          type: 'string',
          array: true,
          describe: 'Allow browser calls from this origin (repeatable)',
        })
        .option('max-body-bytes', { type: 'string', describe: 'Body limit (default 25 MiB)' })
        .option('max-queue', { type: 'string', describe: 'Images that may wait (default 32)' })
        .option('timeout-ms', { type: 'string', describe: 'Per-request timeout (default 30000)' })
        .option('max-pixels', { type: 'string', describe: 'Refuse larger images (default 100000000)' })
        .option('workers', { type: 'string', describe: 'Worker threads (default min(4, CPUs))' })
        .option('threads-per-worker', { type: 'string', describe: 'ONNX Runtime threads each' })
        .example('$0 serve --port 8080', 'Serve the default model on 127.0.0.1:8080') as unknown as Argv<ServeArgs>,
    handler: async (a) => {
      // Checked here rather than with yargs' coerce, whose errors would lose the usage exit code.
      const port = count('port', 0, 65535)(a.port);
      const workers = count('workers', 1)(a.workers);
      const threadsPerWorker = count('threads-per-worker', 1)(a['threads-per-worker']);
      const maxPixels = count('max-pixels', 1)(a['max-pixels']);
      const limits = {
        maxBodyBytes: count('max-body-bytes', 1)(a['max-body-bytes']),
        maxQueue: count('max-queue', 0)(a['max-queue']),
        timeoutMs: count('timeout-ms', 1)(a['timeout-ms']),
      };
      const server = await loadOptionalPackage<ServerModule>(SERVER_PACKAGE);
      if (!server) {
        process.stderr.write(`blurgate: ${SERVER_MISSING_MESSAGE}\n`);
        setExitCode(2);
        return;
      }
      let running: Awaited<ReturnType<ServerModule['startServer']>>;
      try {
        running = await server.startServer({
          host: a.host,
          port: port ?? 8080,
          model: a.model,
          fast: a.fast,
          apiKeyFile: a['api-key-file'],
          corsOrigins: a['cors-origin'],
          maxPixels,
          workers,
          threadsPerWorker,
          limits,
        });
      } catch (error) {
        if (error instanceof BlurgateError || (error as { code?: string })?.code === 'EADDRINUSE') {
          throw new UsageError((error as Error).message, { cause: error });
        }
        throw error;
      }
      const { model, scales } = running.info;
      process.stderr.write(
        `blurgate serve: ${running.url} (model ${model.name}@${model.version}, scales ${scales.join(',')})\n`,
      );
      await running.closed;
      setExitCode(0);
    },
  };
}
