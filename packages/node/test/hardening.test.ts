import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { chmod, cp, mkdir, readFile, symlink, truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { collectInputs } from '../src/cli/collect-inputs.js';
import { createBlurGate, decodeImage } from '../src/index.js';
import { CLI, runCli } from './cli-process.js';
import { IMAGES, TINY_4CH, withTempDir } from './helpers.js';

// Issue 16's regression list, rows 1, 5, 9, 10, 11 and 12 (7 and 8: interrupted-sort.test.ts).

const MODEL = ['--model', TINY_4CH, '--fast'];
const GiB = 1024 ** 3;
const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

/** A 9900×9900 SVG with a large Gaussian blur: minutes of CPU and gigabytes if rasterised. */
const SVG_BOMB =
  '<svg xmlns="http://www.w3.org/2000/svg" width="9900" height="9900"><filter id="f"><feGaussianBlur stdDeviation="300"/></filter><rect width="9900" height="9900" filter="url(#f)"/></svg>';

/** Plain output lines: each must be `name<TAB>label<TAB>confidence<TAB>p_blurred`. */
function plainLines(stdout: string): string[][] {
  const lines = stdout.split('\n').filter((l) => l.length > 0);
  for (const line of lines) expect(line.split('\t'), line).toHaveLength(4);
  return lines.map((l) => l.split('\t'));
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build @blurgate/node first`);
});

describe('row 1: SVG is not an accepted input', () => {
  it('an SVG bomb named .jpg beside a good image is refused from its header; the good image is classified', async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, 'in'));
      await writeFile(join(dir, 'in', 'bomb.jpg'), SVG_BOMB);
      await writeFile(
        join(dir, 'in', 'plain.svg.jpg'),
        '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"/>',
      );
      await cp(join(IMAGES, 'flower.png'), join(dir, 'in', 'good.png'));
      const run = await runCli(['classify', 'in', ...MODEL], dir);
      expect(run.code).toBe(1);
      const lines = plainLines(run.stdout);
      expect(lines.map((l) => [l[0], l[1]])).toEqual([
        ['in/bomb.jpg', 'error'],
        ['in/good.png', expect.stringMatching(/^(sharp|blurred|uncertain)$/)],
        ['in/plain.svg.jpg', 'error'],
      ]);
      expect(run.stderr).toMatch(
        /error: in\/bomb\.jpg: SVG \(a vector drawing\) is refused by default; pass allowVector \(--allow-svg\).* \[UNSUPPORTED_FORMAT\]/,
      );
      expect(run.maxRssMiB).toBeLessThan(400);

      // Enabled, SVG is rasterised only up to 16 MP: the bomb is refused by its declared size.
      const allowed = await runCli(['classify', 'in', ...MODEL, '--allow-svg', '--json'], dir);
      const records = allowed.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(records.map((r) => r.error?.code ?? r.status)).toEqual(['IMAGE_TOO_LARGE', 'ok', 'ok']);
      expect(allowed.maxRssMiB).toBeLessThan(400);
    });
  }, 60_000);

  it('PDF, PostScript, HTML and gzip content are refused by what they are, whatever their names', async () => {
    const refused: [string, RegExp][] = [
      ['%PDF-1.7\n...', /a PDF document/],
      ['%!PS-Adobe-3.0 EPSF-3.0\n', /PostScript/],
      ['<!doctype html><html><body>hi</body></html>', /an XML or HTML document/],
      ['\x1f\x8b\x08\x00\x00\x00', /gzip/],
    ];
    for (const [content, what] of refused) {
      await expect(decodeImage(Buffer.from(content, 'latin1'))).rejects.toMatchObject({
        code: 'UNSUPPORTED_FORMAT',
        message: expect.stringMatching(what),
      });
    }
  });

  it('an SVG that takes too long is stopped by the time budget (DECODE_TIMEOUT)', async () => {
    const slow =
      '<svg xmlns="http://www.w3.org/2000/svg" width="4000" height="4000"><filter id="f"><feGaussianBlur stdDeviation="300"/></filter><rect width="4000" height="4000" filter="url(#f)"/></svg>';
    await expect(decodeImage(Buffer.from(slow), { allowVector: true, timeoutSeconds: 1 })).rejects.toMatchObject({
      code: 'DECODE_TIMEOUT',
      message: expect.stringMatching(/ran out of its time budget/),
    });
  }, 60_000);
});

describe('rows 4 and 6: options out of range are usage errors (exit 2), checked before any work', () => {
  it.each([
    [['--scales', '20000'], /scales must be between 32 and 2048 pixels, got 20000/],
    [['--scales', '100000'], /scales must be between 32 and 2048 pixels, got 100000/],
    [
      ['--max-pixels', '9007199254740992'],
      /maxPixels must be a positive whole number of pixels up to 9007199254740991/,
    ],
    [['--concurrency', '100000'], /concurrency must be a whole number from 1 to 64/],
    [['--decode-timeout', '0'], /--decode-timeout must be a positive integer/],
  ])('%j', async (flags, message) => {
    await withTempDir(async (dir) => {
      const run = await runCli(['classify', join(IMAGES, 'flower.png'), '--model', TINY_4CH, ...flags], dir);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toMatch(/unexpected failure|\n\s+at /);
      expect(run.maxRssMiB).toBeLessThan(400);
    });
  });
});

describe('row 5: file size is checked before reading', () => {
  it('four sparse 1.5 GiB files named .jpg and a 2.5 GiB one: refused by size, each naming its file, in little memory', async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, 'in'));
      for (const name of ['a.jpg', 'b.jpg', 'c.jpg', 'd.jpg']) {
        await writeFile(join(dir, 'in', name), Buffer.from([0xff, 0xd8, 0xff]));
        await truncate(join(dir, 'in', name), 1.5 * GiB);
      }
      await writeFile(join(dir, 'in', 'e.jpg'), '');
      await truncate(join(dir, 'in', 'e.jpg'), 2.5 * GiB);
      await cp(join(IMAGES, 'china.jpg'), join(dir, 'in', 'good.jpg'));
      const run = await runCli(['classify', 'in', ...MODEL, '--json'], dir);
      const records = run.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(records.map((r) => [r.file, r.error?.code ?? r.status])).toEqual([
        ['in/a.jpg', 'IMAGE_TOO_LARGE'],
        ['in/b.jpg', 'IMAGE_TOO_LARGE'],
        ['in/c.jpg', 'IMAGE_TOO_LARGE'],
        ['in/d.jpg', 'IMAGE_TOO_LARGE'],
        ['in/e.jpg', 'IMAGE_TOO_LARGE'],
        ['in/good.jpg', 'ok'],
      ]);
      expect(records[4].error.message).toBe(
        'in/e.jpg: the file is 2560 MiB, over the limit of 256 MiB; raise maxFileBytes (--max-file-size) if you trust this file',
      );
      expect(run.maxRssMiB).toBeLessThan(400);

      const small = await runCli(['classify', 'in/good.jpg', ...MODEL, '--max-file-size', '1K'], dir);
      expect(small.stderr).toMatch(
        /in\/good\.jpg: the file is \d+ bytes, over the limit of 1024 bytes.*\[IMAGE_TOO_LARGE\]/,
      );
      const bad = await runCli(['classify', 'in/good.jpg', ...MODEL, '--max-file-size', 'lots'], dir);
      expect(bad.code).toBe(2);
    });
  }, 60_000);
});

describe('row 9: unreadable, vanished and odd files give coded results', () => {
  it('a file that vanishes between listing and decoding is INPUT_NOT_FOUND; a FIFO or folder named .jpg is refused, never awaited', async () => {
    await withTempDir(async (dir) => {
      await cp(join(IMAGES, 'flower.png'), join(dir, 'a.png'));
      await cp(join(IMAGES, 'china.png'), join(dir, 'b.png'));
      const { files } = await collectInputs([dir], false);
      await unlink(join(dir, 'b.png'));
      execFileSync('mkfifo', [join(dir, 'pipe.jpg')]);
      await mkdir(join(dir, 'folder.jpg'));
      const gate = await createBlurGate({ model: TINY_4CH, fast: true });
      try {
        const codes: string[] = [];
        for await (const r of gate.classifyMany([...files, join(dir, 'pipe.jpg'), join(dir, 'folder.jpg')])) {
          codes.push(r.status === 'ok' ? 'ok' : r.error.code);
        }
        expect(codes).toEqual(['ok', 'INPUT_NOT_FOUND', 'READ_FAILED', 'INVALID_IMAGE']);
      } finally {
        await gate.dispose();
      }
    });
  });

  it.skipIf(isRoot && !existsSync('/usr/bin/setpriv'))(
    'a file without read permission is READ_FAILED, not UNEXPECTED',
    async () => {
      await withTempDir(async (dir) => {
        await chmod(dir, 0o755);
        await cp(join(IMAGES, 'flower.png'), join(dir, 'locked.png'));
        await chmod(join(dir, 'locked.png'), 0o000);
        const run = await runCli(['classify', 'locked.png', ...MODEL, '--json'], dir, isRoot ? { asUser: NOBODY } : {});
        expect(JSON.parse(run.stdout)).toMatchObject({
          status: 'error',
          error: { code: 'READ_FAILED', message: 'locked.png: cannot be read (permission denied)' },
        });
      });
    },
  );
});

describe('row 10: one line per input, and each error is its own', () => {
  it("concurrent failures of different formats never carry each other's text", async () => {
    const png = await readFile(join(IMAGES, 'flower.png'));
    const webp = await readFile(join(IMAGES, 'flower.webp'));
    const jpeg = await readFile(join(IMAGES, 'china.jpg'));
    const gif = await readFile(join(IMAGES, 'two-frames.gif'));
    const inputs: [string, Buffer][] = [];
    for (let i = 0; i < 40; i++) {
      inputs.push(['PNG', Buffer.concat([png.subarray(0, 16), Buffer.alloc(40, i)])]);
      inputs.push(['WEBP', Buffer.concat([webp.subarray(0, 12), Buffer.alloc(40, i)])]);
      inputs.push(['JPEG', Buffer.concat([jpeg.subarray(0, 3), Buffer.alloc(40, i)])]);
      inputs.push(['JPEG', jpeg.subarray(0, 700 + i * 10)]);
      inputs.push(['GIF', gif.subarray(0, 30 + i)]);
    }
    const messages = await Promise.all(
      inputs.map(([, bytes]) =>
        decodeImage(bytes).then(
          () => 'decoded',
          (e: Error) => e.message,
        ),
      ),
    );
    messages.forEach((message, i) => {
      const [format, bytes] = inputs[i] as [string, Buffer];
      expect(message).toMatch(
        new RegExp(
          `^<${bytes.length}-byte buffer>: the ${format} (header cannot be read|data is truncated or corrupt)$`,
        ),
      );
    });
  });

  it('plain output keeps one line per input and stderr one line per error', async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, 'in'));
      const jpeg = await readFile(join(IMAGES, 'china.jpg'));
      const png = await readFile(join(IMAGES, 'flower.png'));
      const webp = await readFile(join(IMAGES, 'flower.webp'));
      for (let i = 0; i < 6; i++) {
        await writeFile(join(dir, 'in', `cut-${i}.jpg`), jpeg.subarray(0, 300 + i * 400));
        await writeFile(join(dir, 'in', `cut-${i}.png`), png.subarray(0, 40 + i * 300));
        await writeFile(join(dir, 'in', `cut-${i}.webp`), webp.subarray(0, 20 + i * 200));
      }
      const run = await runCli(['classify', 'in', ...MODEL, '--concurrency', '4'], dir);
      expect(plainLines(run.stdout)).toHaveLength(18);
      const stderr = run.stderr.trim().split('\n');
      const errors = stderr.filter((l) => l.startsWith('error: '));
      expect(errors).toHaveLength(stderr.length - 1); // and the summary
      for (const line of errors) {
        const ext = /cut-\d\.(\w+):/.exec(line)?.[1];
        const format = { jpg: 'JPEG', png: 'PNG', webp: 'WEBP' }[ext as 'jpg'];
        expect(line).toMatch(new RegExp(`^error: in/cut-\\d\\.${ext}: the ${format} .* \\[DECODE_FAILED\\]$`));
      }
    });
  }, 60_000);
});

describe('row 11: awkward file names', () => {
  it('names with a tab, a newline or invalid UTF-8 stay on one quoted line and are found', async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, 'in'));
      const flower = await readFile(join(IMAGES, 'flower.png'));
      await writeFile(join(dir, 'in', 'tab\there.png'), flower);
      await writeFile(join(dir, 'in', 'new\nline.png'), flower);
      await writeFile(
        Buffer.concat([Buffer.from(join(dir, 'in', 'bad')), Buffer.from([0xff]), Buffer.from('.png')]),
        flower,
      );
      const run = await runCli(['classify', 'in', ...MODEL], dir);
      expect(run.code).toBe(0);
      const lines = plainLines(run.stdout);
      expect(lines.map((l) => l[0])).toEqual(['"in/bad\\xff.png"', '"in/new\\nline.png"', '"in/tab\\there.png"']);
      for (const l of lines) expect(l[1]).toMatch(/^(sharp|blurred|uncertain)$/);

      // Named on the command line (the shell passes the raw byte), and moved: the name's bytes are kept.
      const out = execFileSync(
        '/bin/sh',
        [
          '-c',
          `"${process.execPath}" "${CLI}" classify "$(printf 'in/bad\\377.png')" --model "${TINY_4CH}" --fast --json --sort-into out --move`,
        ],
        { cwd: dir, env: { ...process.env, BLURGATE_HOME: join(dir, '.home'), BLURGATE_MODELS_DIR: '' } },
      ).toString();
      const record = JSON.parse(out);
      expect(record).toMatchObject({ file: 'in/bad\\xff.png', status: 'ok' });
      expect(record.sorted_to).toMatch(/^out\/(sharp|blurred|uncertain)\/bad\\xff\.png$/);
      const placed = Buffer.concat([
        Buffer.from(join(dir, record.sorted_to.replace('\\xff.png', ''))),
        Buffer.from([0xff]),
        Buffer.from('.png'),
      ]);
      expect(await readFile(placed)).toEqual(flower);
    });
  }, 60_000);
});

describe('row 12: symbolic links', () => {
  it('a folder link loop under -r gives each file once; a moved relative link still resolves', async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, 'in', 'sub'), { recursive: true });
      await cp(join(IMAGES, 'flower.png'), join(dir, 'in', 'a.png'));
      await cp(join(IMAGES, 'china.png'), join(dir, 'in', 'sub', 'b.png'));
      await symlink('.', join(dir, 'in', 'loop'));
      await symlink('..', join(dir, 'in', 'sub', 'up'));
      await symlink('a.png', join(dir, 'in', 'same-as-a.png'));
      const listed = await runCli(['classify', 'in', '-r', ...MODEL], dir);
      expect(listed.code).toBe(0);
      expect(plainLines(listed.stdout).map((l) => l[0])).toEqual(['in/a.png', 'in/sub/b.png']);

      const moved = await runCli(['classify', 'in', '-r', ...MODEL, '--json', '--sort-into', 'out', '--move'], dir);
      expect(moved.code).toBe(0);
      const records = moved.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(records.every((r) => r.status === 'ok' && typeof r.sorted_to === 'string')).toBe(true);
      expect(existsSync(join(dir, 'in', 'a.png'))).toBe(false);
      expect(await readFile(join(dir, records[0].sorted_to))).toEqual(await readFile(join(IMAGES, 'flower.png')));
    });
  }, 60_000);

  it('moving a relative link makes the target a link to the same file (it does not break)', async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, 'in', 'photos'), { recursive: true });
      await cp(join(IMAGES, 'flower.png'), join(dir, 'in', 'photos', 'real.png'));
      await symlink('photos/real.png', join(dir, 'in', 'link.png'));
      const run = await runCli(['classify', 'in/link.png', ...MODEL, '--json', '--sort-into', 'out', '--move'], dir);
      const record = JSON.parse(run.stdout);
      expect(record.status).toBe('ok');
      const placed = join(dir, record.sorted_to);
      expect(lstatSync(placed).isSymbolicLink()).toBe(true);
      expect(readlinkSync(placed)).toBe(realpathSync(join(dir, 'in', 'photos', 'real.png')));
      expect(await readFile(placed)).toEqual(await readFile(join(IMAGES, 'flower.png')));
      expect(existsSync(join(dir, 'in', 'link.png'))).toBe(false);
      expect(existsSync(join(dir, 'in', 'photos', 'real.png'))).toBe(true);
    });
  }, 60_000);
});
