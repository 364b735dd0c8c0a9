import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { type BlurGate, createBlurGate } from '@blurgate/node';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../dist/index.js';
import { type ErrorJson, type RecordJson, SAMPLES, send, TINY_4CH } from './helpers.js';

// An in-process gate the caller owns (buildServer's other mode), with auth and a CORS allow-list.
const KEY = 'k3y-for-tests-0123456789';
const ORIGIN = 'https://upload.example.com';
let gate: BlurGate;
let app: FastifyInstance;
let base: string;
const routes: { method: string; url: string }[] = [];

beforeAll(async () => {
  gate = await createBlurGate({ model: TINY_4CH, fast: true });
  app = await buildServer({ gate, apiKeys: ['another-key', KEY], corsOrigins: [ORIGIN], processMetrics: false });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  // Every route the server registered, from Fastify's own route table.
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /([/\w.-]+) \(([A-Z, ]+)\)/.exec(line.replace(/[│├└─ ]+(?=\/)/, ''));
    if (m)
      for (const method of m[2].split(', '))
        if (method !== 'HEAD' && method !== 'OPTIONS') routes.push({ method, url: m[1] });
  }
});
afterAll(async () => {
  await app?.close();
  await gate?.dispose();
});

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('bearer-token auth', () => {
  it('401 without a token or with a wrong one, on every route but /healthz and /readyz', async () => {
    const sample = await readFile(join(SAMPLES, 'sharp-opencv_board_000.jpg'));
    for (const headers of [{}, bearer('wrong'), bearer(`${KEY}x`), bearer(KEY.slice(0, -1)), { authorization: KEY }]) {
      const answer = await send(`${base}/v1/classify`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'image/jpeg' },
        body: sample,
      });
      expect(answer.status).toBe(401);
      expect(answer.json<ErrorJson>().error.code).toBe('UNAUTHORIZED');
      expect(answer.headers['www-authenticate']).toMatch(/^Bearer/);
      for (const path of ['/v1/models', '/metrics', '/openapi.json'])
        expect((await send(`${base}${path}`, { headers })).status).toBe(401);
    }
    expect((await send(`${base}/healthz`)).status).toBe(200);
    expect((await send(`${base}/readyz`)).status).toBe(200);
    const ok = await send(`${base}/v1/classify`, {
      method: 'POST',
      headers: { ...bearer(KEY), 'content-type': 'image/jpeg' },
      body: sample,
    });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.json<RecordJson>().scales?.map((s) => s.scale)).toEqual([384]);
    expect((await send(`${base}/v1/models`, { headers: bearer('another-key') })).status).toBe(200);
  });
});

describe('CORS', () => {
  it('answers a preflight from an allowed origin, and none from another', async () => {
    const preflight = (origin: string) =>
      send(`${base}/v1/classify`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
    const allowed = await preflight(ORIGIN);
    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(String(allowed.headers['access-control-allow-methods'])).toContain('POST');
    expect(String(allowed.headers['access-control-allow-headers']).toLowerCase()).toContain('authorization');
    const other = await preflight('https://evil.example.net');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const simple = await send(`${base}/healthz`, { headers: { origin: ORIGIN } });
    expect(simple.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(String(simple.headers['access-control-expose-headers'])).toContain('Retry-After');
  });
});

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document that documents every route the server has', async () => {
    const answer = await send(`${base}/openapi.json`, { headers: bearer(KEY) });
    expect(answer.status).toBe(200);
    const doc = answer.json<{ openapi: string; paths: Record<string, Record<string, unknown>>; security: unknown[] }>();
    expect(doc.openapi).toBe('3.1.0');
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(routes.length).toBeGreaterThanOrEqual(6);
    for (const { method, url } of routes) {
      expect(doc.paths[url]?.[method.toLowerCase()], `${method} ${url} is not documented`).toBeDefined();
    }
    const documented = Object.entries(doc.paths).flatMap(([url, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${url}`),
    );
    expect(documented.sort()).toEqual(routes.map((r) => `${r.method} ${r.url}`).sort());
    expect(doc.security).toEqual([{ bearer: [] }]);
  });
});
