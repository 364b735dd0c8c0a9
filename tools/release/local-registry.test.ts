import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRegistry, startLocalRegistry } from './local-registry.js';

let registry: LocalRegistry;
const tarball = Buffer.from('not really a tarball, but bytes the registry must hand back unchanged');

function publishBody(version: string) {
  return JSON.stringify({
    _id: '@blurgate/demo',
    name: '@blurgate/demo',
    'dist-tags': { latest: version },
    versions: { [version]: { name: '@blurgate/demo', version } },
    _attachments: { [`@blurgate/demo-${version}.tgz`]: { data: tarball.toString('base64'), length: tarball.length } },
  });
}

function put(version: string, token?: string) {
  return fetch(`${registry.url}@blurgate%2fdemo`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: publishBody(version),
  });
}

beforeAll(async () => {
  registry = await startLocalRegistry();
});
afterAll(async () => {
  await registry.close();
});

describe('local npm registry', () => {
  it('refuses a publish without a valid token', async () => {
    expect((await put('1.0.0')).status).toBe(401);
    expect((await put('1.0.0', 'wrong')).status).toBe(401);
    expect((await fetch(`${registry.url}@blurgate%2fdemo`)).status).toBe(404);
  });

  it('serves a published version with integrity computed from the stored tarball', async () => {
    expect((await put('1.0.0', registry.token)).status).toBe(201);
    const doc = (await (await fetch(`${registry.url}@blurgate%2fdemo`)).json()) as {
      'dist-tags': Record<string, string>;
      versions: Record<string, { dist: { tarball: string; integrity: string } }>;
    };
    expect(doc['dist-tags']['latest']).toBe('1.0.0');
    const dist = doc.versions['1.0.0']!.dist;
    expect(dist.integrity).toBe(`sha512-${createHash('sha512').update(tarball).digest('base64')}`);
    const served = Buffer.from(await (await fetch(dist.tarball)).arrayBuffer());
    expect(served.equals(tarball)).toBe(true);
  });

  it('refuses to publish over an existing version, and issues tokens to npm login', async () => {
    expect((await put('1.0.0', registry.token)).status).toBe(409);
    const login = await fetch(`${registry.url}-/user/org.couchdb.user:someone`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'someone', password: 'x' }),
    });
    const { token } = (await login.json()) as { token: string };
    expect((await put('1.0.1', token)).status).toBe(201);
    expect(registry.published).toEqual(['@blurgate/demo@1.0.0', '@blurgate/demo@1.0.1']);
  });
});
