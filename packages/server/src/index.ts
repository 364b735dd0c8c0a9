/**
 * @packageDocumentation
 * blurgate as an HTTP service: {@link buildServer} (a Fastify app factory) and {@link startServer}
 * (what `blurgate serve` runs: a worker-thread pool of gates, signals, graceful shutdown).
 */
import packageJson from '../package.json' with { type: 'json' };

/** The version of @blurgate/server. */
export const BLURGATE_SERVER_VERSION: string = packageJson.version;

export { buildServer, type BlurgateServerState } from './build-server.js';
export { startServer, type RunningServer, type StartServerOptions } from './start-server.js';
export { DEFAULT_LIMITS, type BuildServerOptions, type ServerLimits } from './server-options.js';
export { createWorkerPoolClassifier, type WorkerPoolOptions } from './worker-pool-classifier.js';
export { createInProcessClassifier, type InProcessClassifierOptions } from './in-process-classifier.js';
export type { GateFactory } from './gate-set.js';
export type {
  ClassifierInfo,
  ClassifyOutcome,
  ClassifyRequestOptions,
  ImageClassifier,
  StageTimings,
} from './image-classifier.js';
export { ApiKeyVerifier, readApiKeyFile } from './api-key-auth.js';
export { HttpError, type ErrorBody, type ErrorBodyCode, type ServerErrorCode } from './http-error.js';
export { openApiDocument } from './openapi-document.js';
