import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createBlurGate } from '@blurgate/node';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../dist/index.js';
import {
  type ErrorJson,
  IMAGES,
  multipartBody,
  pngHeaderOnly,
  type RecordJson,
  SAMPLES,
  send,
  TINY_4CH,
} from './helpers.js';

// A real server on a worker pool (the way `blurgate serve` runs), on 127.0.0.1 and a free port.
let app: FastifyInstance;
let base: string;
const SAMPLE = join(SAMPLES, 'blurred-opencv_board_000.jpg');
let sample: Buffer;

beforeAll(async () => {
  sample = await readFile(SAMPLE);
  app = await buildServer({ pool: { model: TINY_4CH, workers: 1 }, limits: { maxBodyBytes: 25 * 1024 * 1024 } });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await app?.close();
});

const classify = (body: Uint8Array | string, type: string, query = '') =>
  send(`${base}/v1/classify${query}`, { method: 'POST', headers: { 'content-type': type }, body });

function expectError(answer: { status: number; json<T>(): T; text: string }, status: number, code: string): void {
  expect(answer.status, answer.text).toBe(status);
  const body = answer.json<ErrorJson>();
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(10);
  expect(answer.text).not.toMatch(/\bat .*\.(js|ts):\d+/); // never a stack trace
}

describe('POST /v1/classify', () => {
  it('answers a raw image body with the CLI record plus the model, equal to the library on the same bytes', async () => {
    const gate = await createBlurGate({ model: TINY_4CH });
    const expected = await gate.classify(sample);
    await gate.dispose();
    const answer = await classify(sample, 'image/jpeg');
    expect(answer.status, answer.text).toBe(200);
    const record = answer.json<RecordJson>();
    expect(record).toMatchObject({ file: '-', status: 'ok', error: null, label: expected.label });
    expect(record.prob_blurred).toBeCloseTo(expected.probBlurred, 4);
    expect(record.prob_sharp).toBeCloseTo(expected.probSharp, 4);
    expect(record.scales?.map((s) => s.scale)).toEqual([256, 320, 384, 448, 512]);
    expect(record.model.name).toBe('tiny-4ch');
    expect(record.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(answer.headers['x-request-id']).toBeTruthy();
  });

  it('takes ?fast=1, ?scales= and threshold overrides within the CLI rules', async () => {
    const fast = (await classify(sample, 'image/jpeg', '?fast=1')).json<RecordJson>();
    expect(fast.scales?.map((s) => s.scale)).toEqual([384]);
    const two = (await classify(sample, 'image/jpeg', '?scales=256,320')).json<RecordJson>();
    expect(two.scales?.map((s) => s.scale)).toEqual([256, 320]);
    // The tiny model says ~0.73 blurred: a confidence threshold above that makes it uncertain.
    const strict = (await classify(sample, 'image/jpeg', '?fast=1&confidence-threshold=0.99')).json<RecordJson>();
    expect(strict.label).toBe('uncertain');
    expect(strict.prob_blurred).toBe(fast.prob_blurred);
    const lenient = (
      await classify(sample, 'image/jpeg', '?fast=1&blur-threshold=0.9&confidence-threshold=0.5')
    ).json<RecordJson>();
    expect(lenient.label).toBe('sharp');
    expectError(await classify(sample, 'image/jpeg', '?fast=1&scales=384'), 400, 'INVALID_OPTION');
    expectError(await classify(sample, 'image/jpeg', '?scales=0,384'), 400, 'INVALID_OPTION');
    expectError(await classify(sample, 'image/jpeg', '?scales=4096'), 400, 'INVALID_OPTION');
    expectError(await classify(sample, 'image/jpeg', '?confidence-threshold=2'), 400, 'INVALID_OPTION');
    expectError(await classify(sample, 'image/jpeg', '?sclaes=384'), 400, 'INVALID_OPTION');
  });

  it('refuses each bad input with a JSON error and its code', async () => {
    expectError(await classify(new Uint8Array(0), 'image/png'), 400, 'BAD_REQUEST');
    const png = await readFile(join(IMAGES, 'flower.png'));
    expectError(await classify(png.subarray(0, 3000), 'image/png'), 422, 'DECODE_FAILED');
    expectError(await classify('this is a text file\n', 'image/jpeg'), 422, 'DECODE_FAILED');
    expectError(await classify(pngHeaderOnly(40_000, 40_000), 'image/png'), 422, 'IMAGE_TOO_LARGE');
    expectError(await classify('{"image": 1}', 'application/json'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectError(await classify('hello', 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('refuses a 30 MB body with 413 and stays up', async () => {
    const big = Buffer.alloc(30 * 1024 * 1024, 7);
    expectError(await classify(big, 'image/jpeg'), 413, 'PAYLOAD_TOO_LARGE');
    expect((await send(`${base}/healthz`)).status).toBe(200);
  });

  it('answers multipart with one record per file, failures included', async () => {
    const { body, type } = await multipartBody([
      { name: 'board.jpg', type: 'image/jpeg', bytes: sample },
      { name: 'notes.png', type: 'image/png', bytes: Buffer.from('not an image') },
      { name: 'huge.png', type: 'image/png', bytes: pngHeaderOnly(40_000, 40_000) },
    ]);
    const answer = await classify(body, type);
    expect(answer.status, answer.text).toBe(200);
    const records = answer.json<RecordJson[]>();
    expect(records.map((r) => [r.file, r.status, r.error?.code ?? null])).toEqual([
      ['board.jpg', 'ok', null],
      ['notes.png', 'error', 'DECODE_FAILED'],
      ['huge.png', 'error', 'IMAGE_TOO_LARGE'],
    ]);
    expect(records[0].label).toBe((await classify(sample, 'image/jpeg')).json<RecordJson>().label);
    expect(records[1].error?.message).toMatch(/^notes\.png: /);
    const empty = await multipartBody([]);
    expectError(await classify(empty.body, empty.type), 400, 'BAD_REQUEST');
  });
});

describe('the other routes', () => {
  it('GET /v1/models names the model, its defaults and no server path', async () => {
    const answer = await send(`${base}/v1/models`);
    expect(answer.status).toBe(200);
    const body = answer.json<{
      model: Record<string, unknown>;
      runtime: string;
      scales: number[];
      execution: { mode: string };
    }>();
    expect(body.model).toMatchObject({ name: 'tiny-4ch', inputChannels: 4, manifest: null });
    expect(body.model).not.toHaveProperty('path');
    expect(body.runtime).toMatch(/^onnxruntime-node /);
    expect(body.scales).toEqual([256, 320, 384, 448, 512]);
    expect(body.execution.mode).toBe('worker-threads');
  });

  it('GET /healthz and /readyz', async () => {
    expect((await send(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    expect((await send(`${base}/readyz`)).json()).toEqual({ status: 'ready' });
  });

  it('GET /metrics counts requests by route and status, images by label, and stage latencies', async () => {
    const text = (await send(`${base}/metrics`)).text;
    expect(text).toMatch(/blurgate_http_requests_total\{route="\/v1\/classify",method="POST",status="200"\} \d+/);
    expect(text).toMatch(/blurgate_http_requests_total\{route="\/v1\/classify",method="POST",status="413"\} 1/);
    expect(text).toMatch(/blurgate_images_classified_total\{label="(blurred|sharp|uncertain)"\} \d+/);
    expect(text).toMatch(/blurgate_image_failures_total\{code="IMAGE_TOO_LARGE"\} 2/);
    for (const stage of ['queue', 'decode', 'preprocessing', 'inference', 'classify']) {
      expect(text).toMatch(new RegExp(`blurgate_stage_duration_seconds_count\\{stage="${stage}"\\} [1-9]`));
    }
    expect(text).toMatch(
      /blurgate_http_request_duration_seconds_bucket\{le="[\d.]+",route="\/v1\/classify",method="POST"\}/,
    );
    expect(text).toMatch(/^blurgate_queue_depth 0$/m);
    expect(text).toMatch(/^blurgate_in_flight_images 0$/m);
    expect(text).toMatch(/^blurgate_process_resident_memory_bytes \d+/m);
  });

  it('answers unknown routes and methods with a JSON 404', async () => {
    expectError(await send(`${base}/v2/classify`), 404, 'NOT_FOUND');
    expectError(await send(`${base}/v1/classify`), 404, 'NOT_FOUND');
  });
});
