import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileSorter } from '../src/cli/sort-into.js';
import { withTempDir } from './helpers.js';

async function source(dir: string, name: string, content: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, name), content);
  return join(dir, name);
}

// /dev/shm is another file system here: a move across it must copy, verify and unlink.
const otherDevice =
  existsSync('/dev/shm') && statSync('/dev/shm').dev !== statSync(process.env.TMPDIR ?? '/tmp').dev ? '/dev/shm' : null;

describe('FileSorter', () => {
  it('copies with -1, -2 suffixes on collisions and never overwrites', async () => {
    await withTempDir(async (dir) => {
      const out = join(dir, 'out');
      await source(join(out, 'sharp'), 'a.jpg', 'existing');
      const sorter = new FileSorter(out, 'copy', false);
      const first = await sorter.place(await source(join(dir, 'x'), 'a.jpg', 'one'), 'sharp');
      const second = await sorter.place(await source(join(dir, 'y'), 'a.jpg', 'two'), 'sharp');
      const noExt = await sorter.place(await source(join(dir, 'x'), 'README', 'r'), 'blurred');
      expect([first, second, noExt]).toEqual([
        join(out, 'sharp', 'a-1.jpg'),
        join(out, 'sharp', 'a-2.jpg'),
        join(out, 'blurred', 'README'),
      ]);
      expect(await readFile(join(out, 'sharp', 'a.jpg'), 'utf8')).toBe('existing');
      expect(await readFile(second, 'utf8')).toBe('two');
      expect(existsSync(join(dir, 'x', 'a.jpg'))).toBe(true);
    });
  });

  it('a dry run plans distinct names and writes nothing', async () => {
    await withTempDir(async (dir) => {
      const out = join(dir, 'out');
      const sorter = new FileSorter(out, 'move', true);
      const a = await sorter.place(await source(join(dir, 'x'), 'a.jpg', '1'), 'uncertain');
      const b = await sorter.place(await source(join(dir, 'y'), 'a.jpg', '2'), 'uncertain');
      expect([a, b]).toEqual([join(out, 'uncertain', 'a.jpg'), join(out, 'uncertain', 'a-1.jpg')]);
      expect(existsSync(out)).toBe(false);
      expect(existsSync(join(dir, 'x', 'a.jpg'))).toBe(true);
    });
  });

  it('moves within a file system, keeping the bytes and leaving no source', async () => {
    await withTempDir(async (dir) => {
      const src = await source(join(dir, 'x'), 'a.jpg', 'payload');
      const target = await new FileSorter(join(dir, 'out'), 'move', false).place(src, 'blurred');
      expect(await readFile(target, 'utf8')).toBe('payload');
      expect(existsSync(src)).toBe(false);
    });
  });

  it.skipIf(otherDevice === null)('moves across file systems by copy + verify + unlink', async () => {
    const out = await mkdtemp(join(otherDevice!, 'blurgate-sort-'));
    try {
      await withTempDir(async (dir) => {
        const src = await source(join(dir, 'x'), 'a.jpg', 'across devices');
        await source(join(out, 'sharp'), 'a.jpg', 'taken');
        const target = await new FileSorter(out, 'move', false).place(src, 'sharp');
        expect(target).toBe(join(out, 'sharp', 'a-1.jpg'));
        expect(await readFile(target, 'utf8')).toBe('across devices');
        expect(await readFile(join(out, 'sharp', 'a.jpg'), 'utf8')).toBe('taken');
        expect(existsSync(src)).toBe(false);
      });
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('a failed move leaves the source in place', async () => {
    await withTempDir(async (dir) => {
      const out = join(dir, 'out');
      await writeFile(out, 'a file where the output folder should be');
      const src = await source(join(dir, 'x'), 'a.jpg', 'keep me');
      await expect(new FileSorter(out, 'move', false).place(src, 'sharp')).rejects.toThrow(/the source is unchanged/);
      expect(await readFile(src, 'utf8')).toBe('keep me');
      const missing = join(dir, 'x', 'gone.jpg');
      await expect(new FileSorter(join(dir, 'ok'), 'move', false).place(missing, 'sharp')).rejects.toThrow(/gone\.jpg/);
    });
  });
});
