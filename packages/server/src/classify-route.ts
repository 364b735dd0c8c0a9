import { type ClassificationRecord, classificationRecord, routePrediction } from '@blurgate/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type AdmissionQueue, DroppedFromQueue } from './admission-queue.js';
import { type ClassifyQuery, parseClassifyQuery, requestThresholds } from './classify-query.js';
import { HttpError, statusOfFailureCode } from './http-error.js';
import type { ClassifierInfo, ClassifyOutcome, ImageClassifier } from './image-classifier.js';
import type { ServerLimits } from './server-options.js';
import type { ServerMetrics } from './server-metrics.js';

/** What the classify route needs from the server. */
export interface ClassifyRouteContext {
  readonly classifier: ImageClassifier;
  readonly queue: AdmissionQueue;
  readonly metrics: ServerMetrics;
  readonly limits: ServerLimits;
  /** The loaded model (waits while it loads; throws when it failed). */
  readonly loaded: () => Promise<ClassifierInfo>;
}

/** One image of a request: its name in the records and its bytes. */
interface NamedImage {
  readonly file: string;
  readonly bytes: Uint8Array;
}

/** `file` of a raw-body record: there is no file name, so "-" as for standard input. */
const RAW_BODY_NAME = '-';

/** The record of one image, routed with the request's thresholds. */
function recordOf(
  outcome: ClassifyOutcome,
  file: string,
  query: ClassifyQuery,
  info: ClassifierInfo,
): ClassificationRecord {
  const model = { name: info.model.name, version: info.model.version, sha256: info.model.sha256 };
  if (outcome.status === 'error') {
    // The decoder names a buffer by its size ("<123-byte buffer>: ..."); the record names the file.
    const message = outcome.error.message.replace(/^<\d+-byte buffer>(?=: )/, file);
    return classificationRecord(
      { status: 'error', input: file, error: { code: outcome.error.code, message } },
      { model },
    );
  }
  const p = outcome.prediction;
  const routed =
    query.confidenceThreshold === undefined && query.blurThreshold === undefined
      ? { label: p.label, confidence: p.confidence }
      : routePrediction(p.probSharp, p.probBlurred, requestThresholds(query, info.thresholds));
  return classificationRecord({ status: 'ok', input: file, ...p, ...routed }, { model });
}

/** Reads the file parts of a multipart body, at most `maxBodyBytes` in all (413 beyond). */
async function readFileParts(request: FastifyRequest, maxBodyBytes: number): Promise<NamedImage[]> {
  const images: NamedImage[] = [];
  let total = 0;
  for await (const part of request.files()) {
    const bytes = await part.toBuffer();
    total += bytes.byteLength;
    if (total > maxBodyBytes)
      throw new HttpError(413, 'PAYLOAD_TOO_LARGE', `the multipart body is over ${maxBodyBytes} bytes`);
    images.push({ file: part.filename || part.fieldname, bytes });
  }
  return images;
}

/**
 * `POST /v1/classify`: a raw `image/*` body answers one record (or its error with the status of its
 * code), a multipart body one record per file part in order, failures included. Every image passes
 * the bounded admission queue: a request whose images do not fit is refused whole with 503.
 */
export function registerClassifyRoute(app: FastifyInstance, context: ClassifyRouteContext): void {
  const { classifier, queue, metrics, limits } = context;

  const overloaded = (): HttpError => {
    metrics.rejected.inc({ reason: 'queue_full' });
    return new HttpError(503, 'OVERLOADED', `the queue is full (${queue.maxWaiting} images waiting); retry later`, {
      'retry-after': String(limits.retryAfterSeconds),
    });
  };

  async function classifyAll(
    images: readonly NamedImage[],
    query: ClassifyQuery,
    reply: FastifyReply,
  ): Promise<ClassifyOutcome[]> {
    if (!queue.canAdmit(images.length)) throw overloaded();
    const giveUp = new AbortController();
    // The client went away before its answer: images still waiting are dropped.
    const onClose = (): void => {
      if (!reply.raw.writableFinished) giveUp.abort();
    };
    reply.raw.once('close', onClose);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        giveUp.abort();
        metrics.rejected.inc({ reason: 'timeout' });
        reject(
          new HttpError(503, 'TIMEOUT', `the images were not classified within ${limits.timeoutMs} ms; retry later`, {
            'retry-after': String(limits.retryAfterSeconds),
          }),
        );
      }, limits.timeoutMs);
    });
    const tasks = images.map((image) => {
      const queued = performance.now();
      const task = queue.run(async () => {
        const queueMs = performance.now() - queued;
        const outcome = await classifier.classify(image.bytes, { scales: query.scales });
        if (outcome.timings) metrics.observeStages(outcome.timings, queueMs);
        if (outcome.status === 'ok') metrics.images.inc({ label: outcome.prediction.label });
        else metrics.imageFailures.inc({ code: outcome.error.code });
        return outcome;
      }, giveUp.signal);
      // A dropped task's rejection is expected; the request has already been answered.
      task.catch((error: unknown) => {
        if (!(error instanceof DroppedFromQueue)) app.log.error({ err: error }, 'classification task failed');
      });
      return task;
    });
    try {
      return await Promise.race([Promise.all(tasks), timedOut]);
    } finally {
      clearTimeout(timer);
      reply.raw.off('close', onClose);
    }
  }

  // A full queue refuses before the body is read: overload costs no upload memory.
  const refuseWhenFull = async (): Promise<void> => {
    if (!queue.canAdmit(1)) throw overloaded();
  };

  app.post('/v1/classify', { onRequest: refuseWhenFull }, async (request, reply) => {
    const query = parseClassifyQuery(request.query as Record<string, unknown>, limits);
    const info = await context.loaded();
    if (request.isMultipart()) {
      const images = await readFileParts(request, limits.maxBodyBytes);
      if (images.length === 0) throw new HttpError(400, 'BAD_REQUEST', 'the multipart body has no file part');
      const outcomes = await classifyAll(images, query, reply);
      return outcomes.map((outcome, i) => recordOf(outcome, images[i].file, query, info));
    }
    const body = request.body;
    if (!(body instanceof Uint8Array) || body.byteLength === 0) {
      throw new HttpError(
        400,
        'BAD_REQUEST',
        'the request body is empty; send the image bytes with an image/* Content-Type',
      );
    }
    const [outcome] = await classifyAll([{ file: RAW_BODY_NAME, bytes: body }], query, reply);
    if (outcome.status === 'error') {
      throw new HttpError(
        statusOfFailureCode(outcome.error.code),
        outcome.error.code as HttpError['code'],
        outcome.error.message,
      );
    }
    return recordOf(outcome, RAW_BODY_NAME, query, info);
  });
}
