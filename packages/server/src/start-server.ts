import type { FastifyInstance } from 'fastify';
import { readApiKeyFile } from './api-key-auth.js';
import { buildServer } from './build-server.js';
import type { ClassifierInfo } from './image-classifier.js';
import type { BuildServerOptions, ServerLimits } from './server-options.js';
import type { WorkerPoolOptions } from './worker-pool-classifier.js';

/** `blurgate serve`'s options. */
export interface StartServerOptions extends WorkerPoolOptions {
  /** Default 127.0.0.1 (loopback only; pass 0.0.0.0 to serve the network). */
  readonly host?: string;
  /** Default 8080; 0 picks a free port. */
  readonly port?: number;
  /** A file with one API key per line; when given, requests need `Authorization: Bearer <key>`. */
  readonly apiKeyFile?: string;
  /** Keys given directly (added to the file's). */
  readonly apiKeys?: readonly string[];
  readonly corsOrigins?: readonly string[];
  readonly limits?: Partial<ServerLimits>;
  /** Default true: fastify's pino request logs as JSON lines on stdout. */
  readonly logger?: BuildServerOptions['logger'];
  /** Stop on SIGTERM and SIGINT (finish accepted requests, then resolve `closed`); default true. */
  readonly handleSignals?: boolean;
  /** Longest wait for accepted requests at shutdown before the process exits anyway (code 1); default 30 000 ms. */
  readonly shutdownTimeoutMs?: number;
}

/** A running service. */
export interface RunningServer {
  readonly app: FastifyInstance;
  /** e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly info: ClassifierInfo;
  /** Drains and closes: refuses new requests, finishes accepted ones, frees the workers. */
  close(): Promise<void>;
  /** Settles when the server has closed (after a signal or `close`). */
  readonly closed: Promise<void>;
}

/**
 * Starts the service on a worker pool (what `blurgate serve` runs): loads the model in every worker,
 * then listens. On SIGTERM/SIGINT it drains: /readyz goes 503, new requests get 503, accepted ones
 * finish, then the server closes (and `closed` resolves).
 *
 * @param options - host, port, model and pool, auth, CORS and limits.
 * @returns the running server, once the model is loaded and the port is open.
 * @throws BlurgateError when the model cannot be loaded (`MODEL_NOT_FOUND`, `UNSUPPORTED_MODEL`, ...),
 *   OptionError for bad options, and the listen error (e.g. `EADDRINUSE`).
 * @example
 * ```ts
 * const server = await startServer({ port: 8080, model: 'blurgate-synth', workers: 2 });
 * await server.closed; // after SIGTERM
 * ```
 */
export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const apiKeys = [...(options.apiKeyFile ? await readApiKeyFile(options.apiKeyFile) : []), ...(options.apiKeys ?? [])];
  const app = await buildServer({
    pool: {
      model: options.model,
      fast: options.fast,
      maxPixels: options.maxPixels,
      workers: options.workers,
      threadsPerWorker: options.threadsPerWorker,
      maxCachedGates: options.maxCachedGates,
    },
    limits: options.limits,
    logger: options.logger ?? true,
    apiKeys: apiKeys.length > 0 ? apiKeys : undefined,
    corsOrigins: options.corsOrigins,
  });
  let info: ClassifierInfo;
  try {
    info = await app.blurgate.classifier.ready();
  } catch (error) {
    await app.close();
    throw error;
  }
  const url = await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 8080 });

  let closing: Promise<void> | null = null;
  let markClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 30_000;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      app.blurgate.startDraining();
      app.log.info(
        { inFlight: app.blurgate.queue.running, waiting: app.blurgate.queue.waiting },
        'draining for shutdown',
      );
      await app.close();
      app.log.info('closed');
      markClosed();
    })();
    return closing;
  };
  if (options.handleSignals ?? true) {
    const onSignal = (signal: NodeJS.Signals): void => {
      app.log.info({ signal }, 'shutting down');
      const guard = setTimeout(() => {
        app.log.error(`accepted requests did not finish within ${shutdownTimeoutMs} ms; exiting`);
        process.exit(1);
      }, shutdownTimeoutMs);
      guard.unref();
      void close().finally(() => clearTimeout(guard));
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    void closed.then(() => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    });
  }
  return { app, url, info, close, closed };
}
