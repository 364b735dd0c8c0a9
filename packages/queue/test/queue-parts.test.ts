import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchImage, TransientInputError } from '../src/fetch-image.js';
import { failureReason, parseFailureReason } from '../src/failure-reason.js';
import { canonicalInput, jobIdOf } from '../src/job-id.js';
import { assertSameModel, type QueueModelRecord, settingsDifference } from '../src/model-record.js';
import { formatQueueStatus, type QueueStatus } from '../src/queue-status.js';
import { readExistingResults } from '../src/results-file.js';

/** The model a queue was created for, in the parts' tests. */
const MODEL_RECORD: QueueModelRecord = {
  name: 'm',
  version: '1',
  sha256: 'a'.repeat(64),
  scales: [384],
  confidenceThreshold: 0.6,
  blurThreshold: 0.5,
  createdAt: '',
};

describe('job ids', () => {
  it('are stable per canonical input: relative and absolute paths of one file agree, URLs are normalised', () => {
    expect(canonicalInput('a/b.png', '/data')).toBe('/data/a/b.png');
    expect(jobIdOf(canonicalInput('a/b.png', '/data'))).toBe(jobIdOf(canonicalInput('/data/a/../a/b.png', '/x')));
    expect(canonicalInput('HTTP://Example.com/x.png')).toBe('http://example.com/x.png');
    expect(jobIdOf('/data/a.png')).toMatch(/^[0-9a-f]{32}$/);
    expect(jobIdOf('/data/a.png')).not.toBe(jobIdOf('/data/b.png'));
  });
});

describe('failure reasons', () => {
  it('carry the code through BullMQ failedReason and back', () => {
    expect(parseFailureReason(failureReason('DECODE_FAILED', 'x.png: corrupt'))).toEqual({
      code: 'DECODE_FAILED',
      message: 'x.png: corrupt',
    });
    expect(parseFailureReason('job stalled more than allowable limit').code).toBe('RUNTIME_FAILED');
  });
});

describe('model records', () => {
  const base = MODEL_RECORD;
  it('refuse another sha256 and name what to pass instead', () => {
    expect(() => assertSameModel('q', base, { ...base, name: 'other', sha256: 'b'.repeat(64) })).toThrow(
      /queue "q" was created for model m@1 .*use --model m@1/,
    );
    expect(() => assertSameModel('q', base, { ...base, name: 'renamed' })).not.toThrow();
  });
  it('report scale and threshold differences', () => {
    expect(settingsDifference(base, base)).toBe(null);
    expect(settingsDifference(base, { ...base, scales: [256, 384], blurThreshold: 0.4 })).toBe(
      'scales 384 (asked 256,384), blur threshold 0.5 (asked 0.4)',
    );
  });
});

describe('results files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'blurgate-queue-parts-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  it('count complete lines and errors, and cut an unfinished last line', async () => {
    const path = join(dir, 'r.jsonl');
    expect(await readExistingResults(path)).toEqual({ lines: 0, errors: 0, last: null, truncatedBytes: 0 });
    await writeFile(path, '{"file":"/a","status":"ok"}\n{"file":"/b","status":"error"}\n{"file":"/c","sta');
    const existing = await readExistingResults(path);
    expect(existing).toEqual({ lines: 2, errors: 1, last: { file: '/b', status: 'error' }, truncatedBytes: 17 });
    expect(await readFile(path, 'utf8')).toBe('{"file":"/a","status":"ok"}\n{"file":"/b","status":"error"}\n');
  });
});

describe('fetchImage', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/big-declared') {
        res.setHeader('content-length', '5000');
        res.end(Buffer.alloc(5000));
      } else if (req.url === '/big-chunked') {
        res.write(Buffer.alloc(3000));
        res.end(Buffer.alloc(3000));
      } else if (req.url === '/small') res.end(Buffer.from('abc'));
      else if (req.url === '/busy') {
        res.statusCode = 503;
        res.end();
      } else if (req.url === '/slow') {
        res.write('a'); // starts, never ends
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
    server.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('returns the body under the cap', async () => {
    expect(Buffer.from(await fetchImage(`${base}/small`, { maxBytes: 10 })).toString()).toBe('abc');
  });
  it('refuses bodies over the cap, declared or streamed, as final IMAGE_TOO_LARGE', async () => {
    await expect(fetchImage(`${base}/big-declared`, { maxBytes: 4096 })).rejects.toMatchObject({
      code: 'IMAGE_TOO_LARGE',
    });
    await expect(fetchImage(`${base}/big-chunked`, { maxBytes: 4096 })).rejects.toMatchObject({
      code: 'IMAGE_TOO_LARGE',
    });
  });
  it('treats 404 as final and 503 or a stalled body as transient', async () => {
    await expect(fetchImage(`${base}/nope`)).rejects.toMatchObject({ code: 'INPUT_NOT_FOUND' });
    await expect(fetchImage(`${base}/busy`)).rejects.toBeInstanceOf(TransientInputError);
    await expect(fetchImage(`${base}/slow`, { timeoutMs: 300 })).rejects.toMatchObject({
      code: 'DOWNLOAD_FAILED',
      message: expect.stringContaining('300 ms'),
    });
  });
});

describe('formatQueueStatus', () => {
  it('shows counts, rate and ETA for a person', () => {
    const status: QueueStatus = {
      queue: 'q',
      model: MODEL_RECORD,
      enqueued: 100,
      waiting: 40,
      delayed: 2,
      active: 4,
      done: 56,
      failed: 3,
      collected: 50,
      workers: 2,
      imagesPerSecond: 8,
      etaSeconds: 5.5,
    };
    expect(formatQueueStatus(status)).toBe(
      [
        'queue q (model m@1, scales 384), 2 worker connections',
        '  enqueued 100  waiting 40 (2 retrying)  active 4  done 56  failed 3  collected 50',
        '  8.0 images/s  ETA 6s',
      ].join('\n'),
    );
    expect(formatQueueStatus({ ...status, imagesPerSecond: 0, etaSeconds: null })).toContain(
      'ETA unknown (no recent progress)',
    );
  });
});
