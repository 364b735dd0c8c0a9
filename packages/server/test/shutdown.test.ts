import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChildServer, logLines, startChildServer } from './child-server.js';
import { type ErrorJson, type RecordJson, SAMPLES, send, TINY_4CH } from './helpers.js';

let server: ChildServer | null = null;
afterEach(() => {
  if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
  server = null;
});

interface ClientAnswer {
  readonly id: string;
  readonly status: number | 'connection-error';
  readonly body?: string;
}

describe('SIGTERM during load', () => {
  it('stops accepting, answers every accepted request, and exits 0', async () => {
    server = await startChildServer(['--model', TINY_4CH, '--workers', '1', '--max-queue', '4']);
    const { url } = server;
    const sample = await readFile(join(SAMPLES, 'blurred-opencv_board_000.jpg'));
    const expected = (
      await send(`${url}/v1/classify`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: sample })
    ).json<RecordJson>();

    const answers: ClientAnswer[] = [];
    let next = 0;
    let stop = false;
    const client = async (): Promise<void> => {
      while (!stop) {
        const id = `load-${next++}`;
        try {
          const a = await send(`${url}/v1/classify`, {
            method: 'POST',
            headers: { 'content-type': 'image/jpeg', 'x-request-id': id },
            body: sample,
          });
          answers.push({ id, status: a.status, body: a.text });
        } catch {
          // Refused or reset before the server read the request: never accepted. Stop this client.
          answers.push({ id, status: 'connection-error' });
          return;
        }
      }
    };
    const clients = Array.from({ length: 8 }, client);
    // Let the load build up (some answers in, the queue busy), then ask the server to stop.
    while (answers.filter((a) => a.status === 200).length < 3) await new Promise((r) => setTimeout(r, 50));
    server.child.kill('SIGTERM');
    const code = await Promise.race([
      server.exited,
      new Promise((r) => setTimeout(() => r('no exit within 30 s'), 30_000)),
    ]);
    stop = true;
    await Promise.all(clients);
    expect(code, server.stderr()).toBe(0);

    // Every request the server accepted (logged as incoming) was answered, and the client got that answer.
    const logs = logLines(server.stdout());
    const incoming = logs.filter((l) => l.msg === 'incoming request').map((l) => String(l.reqId));
    const completed = new Set(logs.filter((l) => l.msg === 'request completed').map((l) => String(l.reqId)));
    for (const id of incoming) expect(completed.has(id), `request ${id} was accepted but not answered`).toBe(true);
    const answeredIds = new Set(answers.filter((a) => a.status !== 'connection-error').map((a) => a.id));
    for (const id of incoming.filter((i) => i.startsWith('load-')))
      expect(answeredIds.has(id), `client lost ${id}`).toBe(true);

    // The drain had work to finish: images in flight or waiting when SIGTERM came, answered afterwards.
    const drain = logs.find((l) => l.msg === 'draining for shutdown') as
      | { inFlight: number; waiting: number }
      | undefined;
    expect(drain).toBeDefined();
    expect((drain?.inFlight ?? 0) + (drain?.waiting ?? 0)).toBeGreaterThan(0);

    for (const a of answers) {
      if (a.status === 200) expect(JSON.parse(a.body ?? '')).toEqual(expected);
      else if (a.status === 503)
        expect(['OVERLOADED', 'SHUTTING_DOWN']).toContain((JSON.parse(a.body ?? '') as ErrorJson).error.code);
      else expect(a.status).toBe('connection-error');
    }
    // Nothing in the log holds image bytes: no body field, no long base64 or binary runs.
    expect(server.stdout()).not.toMatch(/"body"|[A-Za-z0-9+/]{200,}/);
  });
});
