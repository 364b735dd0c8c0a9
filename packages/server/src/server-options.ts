import type { BlurGate } from '@blurgate/node';
import type { FastifyBaseLogger } from 'fastify';
import type { LoggerOptions } from 'pino';
import type { GateFactory } from './gate-set.js';
import type { ImageClassifier } from './image-classifier.js';
import type { WorkerPoolOptions } from './worker-pool-classifier.js';

/** The service's limits; every field has a default. */
export interface ServerLimits {
  /** Largest request body (raw image, or all parts of a multipart body together); default 25 MiB → 413. */
  readonly maxBodyBytes: number;
  /** Images that may wait for a free worker; beyond it, 503 with Retry-After. Default 32. */
  readonly maxQueue: number;
  /** Per request: from admission to the answer; default 30 000 ms → 503 `TIMEOUT`. */
  readonly timeoutMs: number;
  /** File parts in one multipart request; default 16 → 413. */
  readonly maxFiles: number;
  /** Most TTA scales one request may ask for; default 8. */
  readonly maxScales: number;
  /** Largest TTA scale one request may ask for, in pixels; default 1024. */
  readonly maxScale: number;
  /** The `Retry-After` seconds sent with 503; default 1. */
  readonly retryAfterSeconds: number;
}

export const DEFAULT_LIMITS: ServerLimits = Object.freeze({
  maxBodyBytes: 25 * 1024 * 1024,
  maxQueue: 32,
  timeoutMs: 30_000,
  maxFiles: 16,
  maxScales: 8,
  maxScale: 1024,
  retryAfterSeconds: 1,
});

/**
 * What classifies (exactly one of `gate`, `gateFactory`, `pool`, `classifier`) and how the service
 * behaves around it.
 */
export interface BuildServerOptions {
  /** A gate you own, run on the event loop (fine for tests and light use); not disposed by the server. */
  readonly gate?: BlurGate;
  /** Makes gates on the event loop, one per TTA scale set asked for; disposed when the server closes. */
  readonly gateFactory?: GateFactory;
  /** A worker-thread pool of gates (what `blurgate serve` runs); closed with the server. */
  readonly pool?: WorkerPoolOptions;
  /** Any other {@link ImageClassifier}; closed with the server. */
  readonly classifier?: ImageClassifier;
  readonly limits?: Partial<ServerLimits>;
  /**
   * Request logs (pino, one JSON line per request with its id; bodies are never logged): `false`
   * (default) for none, `true` or pino options for fastify's own pino logger, or a pino logger.
   */
  readonly logger?: boolean | LoggerOptions | FastifyBaseLogger;
  /** Accepted bearer tokens; when given, every route but /healthz and /readyz needs one (401 otherwise). */
  readonly apiKeys?: readonly string[];
  /** Origins allowed to call from a browser (CORS), e.g. `https://upload.example.com`; none by default. */
  readonly corsOrigins?: readonly string[];
  /** Also export prom-client's process metrics (RSS, event-loop lag, GC); default true. */
  readonly processMetrics?: boolean;
}
