import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createBlurGate } from '@blurgate/node';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildServer, type ClassifierInfo, type ImageClassifier } from '../dist/index.js';
import { type ErrorJson, multipartBody, type RecordJson, SAMPLES, send, TINY_4CH } from './helpers.js';

let app: FastifyInstance | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

const INFO: ClassifierInfo = {
  model: { name: 'stub', version: '1.0.0', sha256: '0'.repeat(64), inputChannels: 4, path: null, manifest: null },
  runtimeName: 'stub',
  scales: [384],
  thresholds: { confidenceThreshold: 0.6, blurThreshold: 0.5 },
  execution: { mode: 'in-process', workers: 0 },
};

/** A classifier that answers after `delayMs` (and whose model loads when `loaded` resolves). */
function slowClassifier(
  delayMs: number,
  loaded: Promise<void> = Promise.resolve(),
): ImageClassifier & { started: number } {
  const stub = {
    concurrency: 1,
    started: 0,
    ready: async () => {
      await loaded;
      return INFO;
    },
    classify: async () => {
      stub.started += 1;
      await new Promise((r) => setTimeout(r, delayMs));
      return {
        status: 'ok' as const,
        prediction: {
          label: 'sharp' as const,
          confidence: 0.9,
          probSharp: 0.9,
          probBlurred: 0.1,
          scales: [{ scale: 384, probSharp: 0.9, probBlurred: 0.1 }],
        },
        timings: { classifyMs: delayMs },
      };
    },
    close: async () => undefined,
  };
  return stub;
}

const post = (base: string, body: Uint8Array | string, type = 'image/jpeg') =>
  send(`${base}/v1/classify`, { method: 'POST', headers: { 'content-type': type }, body });

describe('limits', () => {
  it('answers 503 TIMEOUT with Retry-After when a request takes longer than timeoutMs, and drops its queued images', async () => {
    const classifier = slowClassifier(600);
    app = await buildServer({
      classifier,
      limits: { timeoutMs: 200, maxQueue: 8, retryAfterSeconds: 3 },
      processMetrics: false,
    });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const { body, type } = await multipartBody(
      [1, 2, 3].map((i) => ({ name: `${i}.jpg`, type: 'image/jpeg', bytes: Buffer.from('x') })),
    );
    const answer = await post(base, body, type);
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('3');
    expect(answer.json<ErrorJson>().error.code).toBe('TIMEOUT');
    await new Promise((r) => setTimeout(r, 1500));
    expect(classifier.started).toBe(1); // the two waiting images never ran
  });

  it('refuses a multipart request whose images do not all fit in the queue', async () => {
    app = await buildServer({ classifier: slowClassifier(10), limits: { maxQueue: 2 }, processMetrics: false });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const files = (n: number) =>
      multipartBody(
        Array.from({ length: n }, (_, i) => ({ name: `${i}.jpg`, type: 'image/jpeg', bytes: Buffer.from('x') })),
      );
    const fits = await files(3); // 1 running + 2 waiting
    expect((await post(base, fits.body, fits.type)).status).toBe(200);
    const tooMany = await files(4);
    const refused = await post(base, tooMany.body, tooMany.type);
    expect(refused.status).toBe(503);
    expect(refused.json<ErrorJson>().error.code).toBe('OVERLOADED');
    expect(refused.headers['retry-after']).toBe('1');
  });

  it('/readyz is 503 while the model loads and while draining; draining refuses new classify requests', async () => {
    let finishLoading: () => void = () => undefined;
    const loaded = new Promise<void>((r) => {
      finishLoading = r;
    });
    app = await buildServer({ classifier: slowClassifier(10, loaded), processMetrics: false });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const loading = await send(`${base}/readyz`);
    expect(loading.status).toBe(503);
    expect(loading.json<ErrorJson>().error.code).toBe('NOT_READY');
    expect((await send(`${base}/healthz`)).status).toBe(200);
    finishLoading();
    await new Promise((r) => setTimeout(r, 50));
    expect((await send(`${base}/readyz`)).status).toBe(200);
    app.blurgate.startDraining();
    const draining = await send(`${base}/readyz`);
    expect(draining.status).toBe(503);
    expect(draining.json<ErrorJson>().error.code).toBe('SHUTTING_DOWN');
    const refused = await post(base, 'x');
    expect(refused.status).toBe(503);
    expect(refused.json<ErrorJson>().error.code).toBe('SHUTTING_DOWN');
    expect((await send(`${base}/healthz`)).status).toBe(200);
  });

  it('a gateFactory serves per-request scales in process', async () => {
    app = await buildServer({
      gateFactory: ({ scales }) => createBlurGate({ model: TINY_4CH, fast: scales ? undefined : true, scales }),
      processMetrics: false,
    });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const sample = await readFile(join(SAMPLES, 'sharp-opencv_digits_002.jpg'));
    const byDefault = (await post(base, sample)).json<RecordJson>();
    expect(byDefault.scales?.map((s) => s.scale)).toEqual([384]);
    const two = (
      await send(`${base}/v1/classify?scales=256,512`, {
        method: 'POST',
        headers: { 'content-type': 'image/jpeg' },
        body: sample,
      })
    ).json<RecordJson>();
    expect(two.scales?.map((s) => s.scale)).toEqual([256, 512]);
    expect((await send(`${base}/v1/models`)).json<{ execution: { mode: string } }>().execution.mode).toBe('in-process');
  });

  it('multipart: 413 for a file over the body limit, for parts over it together, and for too many files', async () => {
    app = await buildServer({
      classifier: slowClassifier(1),
      limits: { maxBodyBytes: 1000, maxFiles: 2 },
      processMetrics: false,
    });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const part = (bytes: number, i = 0) => ({ name: `${i}.jpg`, type: 'image/jpeg', bytes: Buffer.alloc(bytes, 1) });
    for (const files of [[part(2000)], [part(600, 1), part(600, 2)], [part(10, 1), part(10, 2), part(10, 3)]]) {
      const { body, type } = await multipartBody(files);
      const answer = await post(base, body, type);
      expect(answer.status, answer.text).toBe(413);
      expect(answer.json<ErrorJson>().error.code).toBe('PAYLOAD_TOO_LARGE');
    }
    const { body, type } = await multipartBody([part(400, 1), part(400, 2)]);
    expect((await post(base, body, type)).status).toBe(200);
  });

  it('refuses bad options', async () => {
    await expect(buildServer({ classifier: slowClassifier(1), limits: { maxBodyBytes: 0 } })).rejects.toThrow(
      /maxBodyBytes/,
    );
    await expect(buildServer({ limits: {} })).rejects.toThrow(/exactly one of/);
    await expect(buildServer({ classifier: slowClassifier(1), apiKeys: [''] })).rejects.toThrow(/empty key/);
  });
});
