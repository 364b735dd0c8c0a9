// `blurgate serve`: the gate as an HTTP service. The service lives in the optional package
// @blurgate/server (Fastify and its friends), so library users do not carry its dependencies; this
// command only parses flags and loads that package when it is installed.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BlurgateError } from '@blurgate/core';
import type { Argv, CommandModule } from 'yargs';
import { UsageError } from './usage-error.js';

/** The part of @blurgate/server this command uses (the package is not a dependency of @blurgate/node). */
interface ServerModule {
  startServer(options: Record<string, unknown>): Promise<{
    readonly url: string;
    readonly info: { readonly model: { readonly name: string; readonly version: string }; readonly scales: readonly number[] };
    readonly closed: Promise<void>;
  }>;
}

const SERVER_PACKAGE = '@blurgate/server';

export const SERVER_MISSING_MESSAGE =
  `blurgate serve needs the ${SERVER_PACKAGE} package, which is not installed.\n` +
  `Install it beside @blurgate/node: npm install ${SERVER_PACKAGE} (or pnpm add ${SERVER_PACKAGE}).`;

function isMissing(error: unknown): boolean {
  const e = error as NodeJS.ErrnoException;
  return (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') && String(e.message).includes(SERVER_PACKAGE);
}

/** Loads @blurgate/server from beside this package, else from the current project; null when absent. */
async function loadServerModule(): Promise<ServerModule | null> {
  // A variable specifier: the bundler must not inline the optional package.
  const specifier: string = SERVER_PACKAGE;
  try {
    return (await import(specifier)) as ServerModule;
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
  try {
    const resolved = createRequire(join(process.cwd(), 'package.json')).resolve(specifier);
    return (await import(pathToFileURL(resolved).href)) as ServerModule;
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

function count(name: string, min: number) {
  return (value: unknown): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got "${String(value)}"`);
    return n;
  };
}

interface ServeArgs {
  host: string;
  port?: number;
  model?: string;
  fast: boolean;
  'api-key-file'?: string;
  'cors-origin'?: string[];
  'max-body-bytes'?: number;
  'max-queue'?: number;
  'timeout-ms'?: number;
  'max-pixels'?: number;
  workers?: number;
  'threads-per-worker'?: number;
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
        .option('port', { type: 'string', coerce: count('port', 0), describe: 'Port (default 8080)' })
        .option('model', { alias: 'm', type: 'string', describe: 'A .onnx file, a model folder, name or name@version' })
        .option('fast', { type: 'boolean', default: false, describe: 'Single scale (384) by default' })
        .option('api-key-file', { type: 'string', describe: 'Require "Authorization: Bearer <key>", keys one per line' })
        .option('cors-origin', { type: 'string', array: true, describe: 'Allow browser calls from this origin (repeatable)' })
        .option('max-body-bytes', { type: 'string', coerce: count('max-body-bytes', 1), describe: 'Body limit (default 25 MiB)' })
        .option('max-queue', { type: 'string', coerce: count('max-queue', 0), describe: 'Images that may wait (default 32)' })
        .option('timeout-ms', { type: 'string', coerce: count('timeout-ms', 1), describe: 'Per-request timeout (default 30000)' })
        .option('max-pixels', { type: 'string', coerce: count('max-pixels', 1), describe: 'Refuse larger images (default 100000000)' })
        .option('workers', { type: 'string', coerce: count('workers', 1), describe: 'Worker threads (default min(4, CPUs))' })
        .option('threads-per-worker', { type: 'string', coerce: count('threads-per-worker', 1), describe: 'ONNX Runtime threads each' })
        .example('$0 serve --port 8080', 'Serve the default model on 127.0.0.1:8080') as unknown as Argv<ServeArgs>,
    handler: async (a) => {
      const server = await loadServerModule();
      if (!server) {
        process.stderr.write(`blurgate: ${SERVER_MISSING_MESSAGE}\n`);
        setExitCode(2);
        return;
      }
      let running: Awaited<ReturnType<ServerModule['startServer']>>;
      try {
        running = await server.startServer({
          host: a.host,
          port: a.port ?? 8080,
          model: a.model,
          fast: a.fast,
          apiKeyFile: a['api-key-file'],
          corsOrigins: a['cors-origin'],
          maxPixels: a['max-pixels'],
          workers: a.workers,
          threadsPerWorker: a['threads-per-worker'],
          limits: { maxBodyBytes: a['max-body-bytes'], maxQueue: a['max-queue'], timeoutMs: a['timeout-ms'] },
        });
      } catch (error) {
        if (error instanceof BlurgateError || (error as { code?: string })?.code === 'EADDRINUSE') {
          throw new UsageError((error as Error).message, { cause: error });
        }
        throw error;
      }
      const { model, scales } = running.info;
      process.stderr.write(`blurgate serve: ${running.url} (model ${model.name}@${model.version}, scales ${scales.join(',')})\n`);
      await running.closed;
      setExitCode(0);
    },
  };
}
