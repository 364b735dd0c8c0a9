import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { BlurgateError, errorFromFailure, failureOf, OptionError } from '@blurgate/core';
import cors from '@fastify/cors';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import packageJson from '../package.json' with { type: 'json' };
import { AdmissionQueue } from './admission-queue.js';
import { ApiKeyVerifier } from './api-key-auth.js';
import { registerClassifyRoute } from './classify-route.js';
import { HttpError, errorBody, httpErrorOf } from './http-error.js';
import type { ClassifierInfo, ImageClassifier } from './image-classifier.js';
import { createInProcessClassifier } from './in-process-classifier.js';
import { openApiDocument } from './openapi-document.js';
import { type BuildServerOptions, DEFAULT_LIMITS, type ServerLimits } from './server-options.js';
import { ServerMetrics } from './server-metrics.js';
import { createWorkerPoolClassifier } from './worker-pool-classifier.js';

/** The service state `buildServer` adds to the Fastify instance as `app.blurgate`. */
export interface BlurgateServerState {
  readonly classifier: ImageClassifier;
  readonly queue: AdmissionQueue;
  readonly metrics: ServerMetrics;
  readonly limits: ServerLimits;
  /** Whether the server is draining for shutdown (/readyz answers 503, new classify requests 503). */
  readonly draining: boolean;
  /** Starts draining: readiness goes 503 and new requests are refused; accepted ones finish. */
  startDraining(): void;
  /** The model info once loaded, else null. */
  readonly info: ClassifierInfo | null;
}

declare module 'fastify' {
  interface FastifyInstance {
    blurgate: BlurgateServerState;
  }
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;
const EXEMPT_FROM_AUTH = new Set(['/healthz', '/readyz']);
const EXEMPT_FROM_DRAINING = new Set(['/healthz', '/readyz', '/metrics']);

function chooseClassifier(options: BuildServerOptions): ImageClassifier {
  const given = [options.gate, options.gateFactory, options.pool, options.classifier].filter((x) => x !== undefined);
  if (given.length !== 1) throw new OptionError('pass exactly one of gate, gateFactory, pool and classifier');
  if (options.classifier) return options.classifier;
  if (options.pool) return createWorkerPoolClassifier(options.pool);
  return createInProcessClassifier({ gate: options.gate, gateFactory: options.gateFactory });
}

function checkLimits(partial: Partial<ServerLimits> | undefined): ServerLimits {
  const limits = {
    ...DEFAULT_LIMITS,
    ...Object.fromEntries(Object.entries(partial ?? {}).filter(([, v]) => v !== undefined)),
  };
  for (const [name, value] of Object.entries(limits)) {
    const zeroOk = name === 'maxQueue';
    if (!Number.isInteger(value) || value < (zeroOk ? 0 : 1)) {
      throw new OptionError(
        `limits.${name} must be ${zeroOk ? 'a non-negative' : 'a positive'} integer, got ${String(value)}`,
      );
    }
  }
  return limits;
}

function isLogger(value: unknown): value is FastifyBaseLogger {
  return typeof value === 'object' && value !== null && typeof (value as FastifyBaseLogger).child === 'function';
}

/** Maps Fastify's and @fastify/multipart's own errors onto the service's codes. */
function fromFrameworkError(error: FastifyError): HttpError | null {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
      return new HttpError(413, 'PAYLOAD_TOO_LARGE', 'the request body is over the size limit');
    case 'FST_FILES_LIMIT':
    case 'FST_PARTS_LIMIT':
      return new HttpError(413, 'PAYLOAD_TOO_LARGE', 'the multipart body has too many parts');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
        ? new HttpError(
            415,
            'UNSUPPORTED_MEDIA_TYPE',
            'send the image as an image/* body or as multipart/form-data file parts',
          )
        : new HttpError(400, 'BAD_REQUEST', 'the Content-Length does not match the body');
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'the body is not multipart/form-data');
    default:
      return null;
  }
}

function sendError(reply: FastifyReply, error: HttpError): FastifyReply {
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  return reply
    .code(error.statusCode)
    .type('application/json; charset=utf-8')
    .send(errorBody(error.code, error.message));
}

/**
 * Builds the blurgate HTTP service (Fastify): `POST /v1/classify`, `GET /v1/models`, `/healthz`,
 * `/readyz`, `/metrics`, `/openapi.json`, with body and queue limits, bearer-token auth, CORS,
 * request logs and JSON errors. Call `listen` yourself; `close` finishes accepted requests and
 * frees the classifier.
 *
 * @param options - what classifies (a gate, a gate factory, a worker pool or a classifier) and the limits.
 * @returns the Fastify instance, ready to `listen` (the model loads in the background; /readyz says when).
 * @throws {@link OptionError} for bad options.
 * @example
 * ```ts
 * const app = await buildServer({ pool: { model: 'blurgate-synth', workers: 2 }, logger: true });
 * await app.listen({ host: '127.0.0.1', port: 8080 });
 * ```
 */
export async function buildServer(options: BuildServerOptions): Promise<FastifyInstance> {
  const limits = checkLimits(options.limits);
  const verifier = options.apiKeys ? new ApiKeyVerifier(options.apiKeys) : null;
  const classifier = chooseClassifier(options);
  const queue = new AdmissionQueue(classifier.concurrency, limits.maxQueue);
  const metrics = new ServerMetrics(queue, options.processMetrics ?? true);

  const logger = options.logger ?? false;
  const app = Fastify({
    ...(isLogger(logger) ? { loggerInstance: logger } : { logger }),
    bodyLimit: limits.maxBodyBytes,
    // Fastify turns off Node's request timeout; restore Node's default (5 min to send a request) against slow uploads.
    requestTimeout: 300_000,
    // Our own 503 (JSON, with Retry-After) while draining, instead of Fastify's.
    return503OnClosing: false,
    genReqId: (req: IncomingMessage) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  }) as unknown as FastifyInstance;

  let draining = false;
  let info: ClassifierInfo | null = null;
  let loadError: BlurgateError | null = null;
  const loading = classifier.ready().then(
    (loaded) => {
      info = loaded;
      app.log.info(
        { model: `${loaded.model.name}@${loaded.model.version}`, execution: loaded.execution },
        'model loaded',
      );
    },
    (error: unknown) => {
      loadError = error instanceof BlurgateError ? error : errorFromFailure(failureOf(error));
      app.log.error({ code: loadError.code }, `model failed to load: ${loadError.message}`);
    },
  );
  app.decorate('blurgate', {
    classifier,
    queue,
    metrics,
    limits,
    get draining() {
      return draining;
    },
    startDraining() {
      draining = true;
    },
    get info() {
      return info;
    },
  } satisfies BlurgateServerState);

  // Only image bodies and multipart are parsed; JSON, text and the rest get 415.
  app.removeAllContentTypeParsers();
  const keepBytes = (_req: unknown, body: string | Buffer, done: (error: null, body: string | Buffer) => void): void =>
    done(null, body);
  app.addContentTypeParser(/^image\/[\w.+-]+$/i, { parseAs: 'buffer' }, keepBytes);
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, keepBytes);
  await app.register(multipart, {
    limits: {
      fileSize: limits.maxBodyBytes,
      files: limits.maxFiles,
      fields: 16,
      parts: limits.maxFiles + 16,
      fieldSize: 1024,
    },
    throwFileSizeLimit: true,
  });
  await app.register(cors, {
    // An allow-list: only these origins get CORS headers; no list, no cross-origin browser access.
    origin: options.corsOrigins && options.corsOrigins.length > 0 ? [...options.corsOrigins] : false,
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
    exposedHeaders: ['Retry-After', 'X-Request-Id'],
    maxAge: 600,
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    const path = request.url.split('?', 1)[0];
    if (request.method === 'OPTIONS') return;
    if (verifier && !EXEMPT_FROM_AUTH.has(path) && !verifier.accepts(request.headers.authorization)) {
      reply.header('www-authenticate', 'Bearer realm="blurgate"');
      throw new HttpError(401, 'UNAUTHORIZED', 'send a valid API key as "Authorization: Bearer <key>"');
    }
    if (draining && !EXEMPT_FROM_DRAINING.has(path)) {
      reply.header('connection', 'close');
      metrics.rejected.inc({ reason: 'shutting_down' });
      throw new HttpError(503, 'SHUTTING_DOWN', 'the server is shutting down; retry on another instance', {
        'retry-after': String(limits.retryAfterSeconds),
      });
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ route, method: request.method, status: String(reply.statusCode) });
    metrics.requestSeconds.observe({ route, method: request.method }, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((error: FastifyError | HttpError | BlurgateError, request, reply) => {
    let answer: HttpError;
    if (error instanceof HttpError) answer = error;
    else if (error instanceof BlurgateError) answer = httpErrorOf(error);
    else {
      answer =
        fromFrameworkError(error) ??
        (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500
          ? new HttpError(error.statusCode, 'BAD_REQUEST', error.message)
          : new HttpError(
              500,
              'INTERNAL_ERROR',
              'the server failed to answer this request; see its log for the request id',
            ));
    }
    if (answer.statusCode >= 500 && !(error instanceof HttpError)) request.log.error({ err: error }, 'request failed');
    // A body the client is still sending after an early error: close the connection rather than read it.
    if (answer.statusCode === 413) reply.header('connection', 'close');
    return sendError(reply, answer);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      new HttpError(404, 'NOT_FOUND', `no route ${request.method} ${request.url.split('?', 1)[0]}; see /openapi.json`),
    ),
  );

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (draining) return sendError(reply, new HttpError(503, 'SHUTTING_DOWN', 'draining for shutdown'));
    if (loadError) return sendError(reply, httpErrorOf(loadError));
    if (!info) return sendError(reply, new HttpError(503, 'NOT_READY', 'the model is still loading'));
    return { status: 'ready' };
  });
  app.get('/metrics', async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  app.get('/openapi.json', async () => openApiDocument(packageJson.version, verifier !== null));
  app.get('/v1/models', async (_request, reply) => {
    await loading;
    if (!info)
      return sendError(
        reply,
        loadError ? httpErrorOf(loadError) : new HttpError(503, 'NOT_READY', 'the model is still loading'),
      );
    const { path: _path, ...model } = info.model; // the server's file paths are not the client's business
    return {
      model,
      runtime: info.runtimeName,
      scales: info.scales,
      thresholds: info.thresholds,
      execution: info.execution,
    };
  });
  registerClassifyRoute(app, {
    classifier,
    queue,
    metrics,
    limits,
    loaded: async () => {
      await loading;
      if (!info) throw loadError ?? new BlurgateError('RUNTIME_FAILED', 'the model is not loaded');
      return info;
    },
  });

  app.addHook('onClose', async () => {
    draining = true;
    await loading;
    await classifier.close();
  });
  return app;
}
