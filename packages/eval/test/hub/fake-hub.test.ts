import { createRepo, downloadFile, fileExists, pathsInfo, uploadFiles } from '@huggingface/hub';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeHub, startFakeHub } from '../../test-support/fake-hub.js';

const TOKEN = 'hf_fake_token_for_tests';
let hub: FakeHub | undefined;

afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

describe('fake hub', () => {
  it('answers the range probe with 206, Content-Range, ETag and the commit', async () => {
    hub = await startFakeHub({ repos: { 'o/r': [{ path: 'a.bin', content: new Uint8Array([1, 2, 3, 4]) }] } });
    const response = await fetch(`${hub.url}/o/r/resolve/main/a.bin`, { headers: { Range: 'bytes=0-0' } });
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe('bytes 0-0/4');
    expect(response.headers.get('x-linked-etag')).toMatch(/^"[0-9a-f]{40}"$/);
    expect(response.headers.get('x-repo-commit')).toBe(hub.head('o/r'));
    expect(response.headers.get('content-type')).not.toContain('xet');
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(new Uint8Array([1]));
    const missing = await fetch(`${hub.url}/o/r/resolve/main/none.bin`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-error-code')).toBe('EntryNotFound');
  });

  it('serves @huggingface/hub downloadFile, pathsInfo and fileExists', async () => {
    const content = new TextEncoder().encode('hello hub');
    hub = await startFakeHub({ repos: { 'o/r': [{ path: 'dir/x.txt', content }] } });
    const blob = await downloadFile({ repo: 'o/r', path: 'dir/x.txt', hubUrl: hub.url });
    expect(await blob?.text()).toBe('hello hub');
    expect(await downloadFile({ repo: 'o/r', path: 'missing.txt', hubUrl: hub.url })).toBeNull();
    const [info] = await pathsInfo({ repo: 'o/r', paths: ['dir/x.txt'], expand: true, hubUrl: hub.url });
    expect(info).toMatchObject({ path: 'dir/x.txt', type: 'file', size: 9 });
    expect(info.lastCommit.id).toBe(hub.head('o/r'));
    expect(await fileExists({ repo: 'o/r', path: 'dir/x.txt', hubUrl: hub.url })).toBe(true);
    expect(await fileExists({ repo: 'o/r', path: 'nope', hubUrl: hub.url })).toBe(false);
    expect(hub.count('POST', '/paths-info/')).toBe(1);
  });

  it('records regular uploads (uploadFiles, useXet false) and serves them afterwards', async () => {
    hub = await startFakeHub({ requireToken: TOKEN });
    await createRepo({ repo: 'org/model', accessToken: TOKEN, hubUrl: hub.url });
    const onnx = Uint8Array.from({ length: 3000 }, (_, i) => i % 251);
    const output = await uploadFiles({
      repo: 'org/model',
      files: [
        { path: '1.0.0/model.onnx', content: new Blob([onnx]) },
        { path: '1.0.0/manifest.json', content: new Blob(['{"name":"m"}']) },
      ],
      commitTitle: 'Release 1.0.0',
      accessToken: TOKEN,
      hubUrl: hub.url,
      useXet: false,
    });
    expect(output?.commit.oid).toBe(hub.head('org/model'));
    expect(hub.commits).toHaveLength(1);
    const [commit] = hub.commits;
    expect(commit.title).toBe('Release 1.0.0');
    expect([...commit.files.keys()].sort()).toEqual(['1.0.0/manifest.json', '1.0.0/model.onnx']);
    expect(Buffer.from(commit.files.get('1.0.0/model.onnx')!).equals(onnx)).toBe(true);
    const blob = await downloadFile({ repo: 'org/model', path: '1.0.0/model.onnx', hubUrl: hub.url });
    expect(Buffer.from(await blob!.arrayBuffer()).equals(onnx)).toBe(true);
    expect(hub.requests.filter((r) => r.path.includes('/commit/')).map((r) => r.authorization)).toEqual([
      `Bearer ${TOKEN}`,
    ]);
  });

  it('refuses uploads without the token', async () => {
    hub = await startFakeHub({ requireToken: TOKEN, repos: { 'org/model': [] } });
    await expect(
      uploadFiles({
        repo: 'org/model',
        files: [{ path: 'x', content: new Blob(['x']) }],
        accessToken: 'hf_wrong',
        hubUrl: hub.url,
        useXet: false,
      }),
    ).rejects.toThrow(/401|credentials/i);
    expect(hub.commits).toHaveLength(0);
  });

  it('injects a status once and counts requests', async () => {
    hub = await startFakeHub({ repos: { 'o/r': [{ path: 'a', content: new Uint8Array([7]) }] } });
    hub.injectFault({ kind: 'status', status: 503, match: '/resolve/' });
    expect((await fetch(`${hub.url}/o/r/resolve/main/a`)).status).toBe(503);
    expect((await fetch(`${hub.url}/o/r/resolve/main/a`)).status).toBe(200);
    expect(hub.count('GET', '/resolve/')).toBe(2);
  });
});
