import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, type CliRun, runCli } from './cli-process.js';
import { IMAGES, TINY_4CH } from './helpers.js';

// Issue 16 rows 7 and 8: Ctrl-C during --sort-into (copies, and moves across file systems), and a
// --move whose source cannot be deleted. Afterwards every source must be byte-identical in exactly
// one place, or in both places only when the run said so; no final name may hold a partial file.

const MODEL = ['--model', TINY_4CH, '--fast', '--concurrency', '2'];
const isRoot = process.getuid?.() === 0;
const FILES = 5;
const TAIL_BYTES = 12 * 1024 * 1024;

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

let work = '';
/** A tmpfs mounted for the cross-file-system moves (root only), else /dev/shm when it is another device. */
let otherFs: string | null = null;
let mounted = false;
/** name → content of the sources: small valid images with a large tail (decoders ignore it) so copies take time. */
const sources = new Map<string, Buffer>();

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build @blurgate/node first`);
  work = await mkdtemp(join(tmpdir(), 'blurgate-interrupt-'));
  const images = ['flower.png', 'china.jpg', 'texture-blurred.png'];
  for (let i = 0; i < FILES; i++) {
    const base = images[i % images.length] as string;
    const ext = base.slice(base.lastIndexOf('.'));
    sources.set(`img-${i}${ext}`, Buffer.concat([await readFile(join(IMAGES, base)), randomBytes(TAIL_BYTES)]));
  }
  if (isRoot) {
    const point = join(work, 'tmpfs');
    await mkdir(point);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512m', 'blurgate-test', point], { stdio: 'ignore' });
      mounted = true;
      otherFs = point;
    } catch {
      // not permitted here: fall back below
    }
  }
  if (!otherFs && existsSync('/dev/shm') && statSync('/dev/shm').dev !== statSync(work).dev) {
    otherFs = await mkdtemp('/dev/shm/blurgate-interrupt-');
  }
}, 60_000);

afterAll(async () => {
  if (mounted) execFileSync('umount', [join(work, 'tmpfs')]);
  else if (otherFs) await rm(otherFs, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

async function writeSources(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const [name, bytes] of sources) await writeFile(join(dir, name), bytes);
}

/** Every regular file under `dir` (recursive), relative path → content hash. */
async function filesUnder(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (!existsSync(dir)) return out;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out.set(path.slice(dir.length + 1), sha256(await readFile(path)));
  }
  return out;
}

interface Trial {
  readonly run: CliRun;
  /** Whether the SIGINT was sent (false: the run ended before the moment came). */
  readonly signalled: boolean;
  readonly src: string;
  readonly out: string;
}

/** When to interrupt: after N result lines, or once the Nth temporary file of a copy appears (mid-copy). */
type Moment = { readonly lines: number } | { readonly partFile: number };

/** Temporary files currently in `out`'s label folders. */
function partFiles(out: string): string[] {
  const found: string[] = [];
  for (const label of ['sharp', 'blurred', 'uncertain']) {
    try {
      for (const f of readdirSync(join(out, label))) if (f.endsWith('.blurgate-part')) found.push(f);
    } catch {
      // not created yet
    }
  }
  return found;
}

/**
 * Sorts the sources and sends SIGINT at `moment`, `delayMs` later (and a second SIGINT
 * `secondAfterMs` after the first, when given).
 */
async function interruptedSort(
  name: string,
  mode: 'copy' | 'move',
  outRoot: string,
  moment: Moment,
  delayMs: number,
  secondAfterMs?: number,
): Promise<Trial> {
  const src = join(work, name, 'src');
  const out = join(outRoot, `${name}-out`);
  await writeSources(src);
  await rm(out, { recursive: true, force: true });
  let signalled = false;
  const run = await runCli(
    ['classify', src, ...MODEL, '--json', '--sort-into', out, ...(mode === 'move' ? ['--move'] : [])],
    work,
    {
      onStart: (child, output) => {
        const parts = new Set<string>();
        const poll = setInterval(() => {
          if ('lines' in moment) {
            if (output.stdout().split('\n').length - 1 < moment.lines) return;
          } else {
            for (const f of partFiles(out)) parts.add(f);
            if (parts.size < moment.partFile) return;
          }
          clearInterval(poll);
          setTimeout(() => {
            signalled = child.kill('SIGINT');
            if (secondAfterMs !== undefined) setTimeout(() => child.kill('SIGINT'), secondAfterMs);
          }, delayMs);
        }, 1);
        child.on('close', () => clearInterval(poll));
      },
    },
  );
  return { run, signalled, src, out };
}

/** The invariants: each source whole in exactly one place, or in both only when reported. */
async function expectWhole(trial: Trial, mode: 'copy' | 'move'): Promise<void> {
  const { run, src, out } = trial;
  // 130, or killed by the signal itself when it came before the handler was installed (at start-up).
  expect([0, 130, 'SIGINT'], run.stderr).toContain(run.code ?? run.signal);
  const records = run.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map(
      (l) =>
        JSON.parse(l) as {
          file: string;
          status: string;
          sorted_to: string | null;
          error: { code: string; message: string } | null;
        },
    );
  const reported = new Map(records.map((r) => [r.file.slice(src.length + 1), r]));
  const inSource = await filesUnder(src);
  const inTarget = await filesUnder(out);
  // No temporary file is left, and every name in the target holds a complete source.
  const byHash = new Map([...sources].map(([n, b]) => [sha256(b), n]));
  for (const [path, hash] of inTarget) {
    expect(path, 'a temporary file was left').not.toMatch(/\.blurgate-part$/);
    expect(byHash.has(hash), `${path} is not a complete copy of any source`).toBe(true);
  }
  for (const [name, bytes] of sources) {
    const hash = sha256(bytes);
    const record = reported.get(name);
    const targets = [...inTarget].filter(([, h]) => h === hash).map(([p]) => p);
    const atSource = inSource.get(name) === hash;
    expect(targets.length, `${name} placed more than once`).toBeLessThanOrEqual(1);
    if (record?.sorted_to)
      expect(
        targets.map((t) => join(out, t)),
        `${name} is not where the run said`,
      ).toEqual([record.sorted_to]);
    else expect(targets, `${name} was placed but the run did not say so`).toEqual([]);
    if (mode === 'copy') {
      expect(atSource, `${name} changed at the source`).toBe(true);
    } else if (record?.error?.message.includes('in both places')) {
      expect(atSource).toBe(true);
    } else {
      // exactly one place
      expect(Number(atSource) + targets.length, `${name}: in ${atSource ? 'source' : ''} ${targets.join(',')}`).toBe(1);
    }
  }
}

describe('row 7: Ctrl-C during --sort-into leaves every file whole, in one place', () => {
  const points: [string, Moment, number, number | undefined][] = [
    ['during the first copy', { partFile: 1 }, 0, undefined],
    ['during the second copy', { partFile: 2 }, 0, undefined],
    ['2 ms into the third copy', { partFile: 3 }, 2, undefined],
    ['after the first line', { lines: 1 }, 0, undefined],
    ['15 ms after the second line', { lines: 2 }, 15, undefined],
    ['twice during the second copy', { partFile: 2 }, 0, 1],
    // The next copy may still be queued on the thread pool then (where a left part file came from).
    ['twice right after the first line', { lines: 1 }, 0, 3],
  ];

  it.each(points)(
    'copy: SIGINT %s',
    async (label, moment, delay, second) => {
      const trial = await interruptedSort(`copy-${label.replace(/\W+/g, '-')}`, 'copy', work, moment, delay, second);
      expect(trial.signalled).toBe(true);
      await expectWhole(trial, 'copy');
    },
    60_000,
  );

  it('cross-file-system moves: SIGINT at several points, and a double SIGINT', async () => {
    if (otherFs === null) return;
    const target = otherFs;
    expect(statSync(target).dev).not.toBe(statSync(work).dev);
    const seen = new Set<number | null>();
    for (const [moment, delay, second] of [
      [{ partFile: 1 }, 0, undefined],
      [{ partFile: 2 }, 3, undefined],
      [{ partFile: 3 }, 0, undefined],
      [{ lines: 1 }, 0, undefined],
      [{ lines: 2 }, 10, undefined],
      [{ partFile: 1 }, 0, 1],
      [{ partFile: 2 }, 0, 5],
    ] as [Moment, number, number | undefined][]) {
      const trial = await interruptedSort(
        `move-${JSON.stringify(moment).replace(/\W+/g, '')}-${delay}-${second}`,
        'move',
        target,
        moment,
        delay,
        second,
      );
      expect(trial.signalled).toBe(true);
      await expectWhole(trial, 'move');
      seen.add(trial.run.code);
    }
    expect(seen.has(130)).toBe(true);
  }, 240_000);

  it('the interrupted run says so and exits 130', async () => {
    const trial = await interruptedSort('says-so', 'copy', work, { lines: 1 }, 0);
    expect(trial.run.code).toBe(130);
    expect(trial.run.stderr).toMatch(/interrupted, \d+ not classified/);
  }, 60_000);
});

describe('row 8: --move whose source cannot be deleted', () => {
  /** Makes `dir`'s entries undeletable: immutable as root (which ignores permissions), read-only otherwise. */
  async function lock(dir: string, locked: boolean): Promise<void> {
    if (isRoot) execFileSync('chattr', [locked ? '+i' : '-i', dir]);
    else await chmod(dir, locked ? 0o555 : 0o755);
  }

  it.each([
    ['the same file system', () => work],
    ['another file system', () => otherFs],
  ])(
    'on %s: the placed copy is removed again and the error says the source is unchanged',
    async (_, where) => {
      const outRoot = where();
      if (outRoot === null) return;
      const src = join(work, `locked-${outRoot === work ? 'same' : 'other'}`);
      await writeSources(src);
      const out = join(outRoot, `locked-out-${outRoot === work ? 'same' : 'other'}`);
      await lock(src, true);
      try {
        const run = await runCli(['classify', src, ...MODEL, '--json', '--sort-into', out, '--move'], work);
        expect(run.code).toBe(1);
        const records = run.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l));
        expect(records).toHaveLength(FILES);
        for (const r of records) {
          expect(r).toMatchObject({ status: 'error', sorted_to: null, error: { code: 'SORT_FAILED' } });
          expect(r.error.message).toMatch(
            /cannot delete the source after placing it \(E(PERM|ACCES)\); the placed copy was removed, the source is unchanged$/,
          );
        }
        expect(await filesUnder(out)).toEqual(new Map());
        for (const [name, bytes] of sources) expect(sha256(await readFile(join(src, name)))).toBe(sha256(bytes));
      } finally {
        await lock(src, false);
      }
    },
    60_000,
  );
});
