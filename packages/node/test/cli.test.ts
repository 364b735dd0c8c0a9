import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import packageJson from '../package.json' with { type: 'json' };
import { type CliIo, runClassify } from '../src/cli/classify-command.js';
import { IMAGES, pngHeaderOnly, reference, STORE, TINY_4CH, withTempDir } from './helpers.js';

// The built CLI, run as a child process like a user would (turbo builds before tests).
const CLI = resolve(__dirname, '..', 'dist', 'cli.js');
const run = promisify(execFile);

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function blurgate(args: string[], cwd: string, env: Record<string, string> = {}): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      cwd,
      env: { ...process.env, BLURGATE_HOME: join(cwd, '.blurgate-home'), BLURGATE_MODELS_DIR: '', ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** A folder with good and bad files: the CLI must classify or explain each one. */
async function mixedFolder(dir: string): Promise<string> {
  const folder = join(dir, 'in');
  await mkdir(join(folder, 'nested'), { recursive: true });
  for (const name of ['flower.png', 'china.png', 'texture-blurred.png'])
    await cp(join(IMAGES, name), join(folder, name));
  await cp(join(IMAGES, 'china.jpg'), join(folder, 'nested', 'china.jpg'));
  await writeFile(join(folder, 'empty.jpg'), '');
  await writeFile(join(folder, 'text.jpg'), 'this is a text file\n');
  const jpg = await readFile(join(IMAGES, 'china.jpg'));
  await writeFile(join(folder, 'truncated.jpg'), jpg.subarray(0, 2000));
  await sharp({ create: { width: 1, height: 1, channels: 3, background: '#777' } })
    .png()
    .toFile(join(folder, 'tiny.png'));
  await writeFile(join(folder, 'huge.png'), pngHeaderOnly(40_000, 40_000));
  await writeFile(join(folder, 'notes.txt'), 'not picked up from a folder');
  return folder;
}

const MODEL = ['--model', TINY_4CH];

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run pnpm --filter @blurgate/node build first`);
});

describe('blurgate classify', () => {
  it('prints a line per input, an error line per bad file, a summary, and exits 1', async () => {
    await withTempDir(async (dir) => {
      await mixedFolder(dir);
      const out = await blurgate(['classify', 'in', ...MODEL, '--fast'], dir);
      expect(out.code).toBe(1);
      const lines = out.stdout.trim().split('\n');
      expect(lines.map((l) => l.split('\t')[0])).toEqual(
        [
          'china.png',
          'empty.jpg',
          'flower.png',
          'huge.png',
          'text.jpg',
          'texture-blurred.png',
          'tiny.png',
          'truncated.jpg',
        ].map((n) => join('in', n)),
      );
      expect(lines.find((l) => l.startsWith(join('in', 'flower.png')))).toMatch(/\tsharp\t0\.\d{4}\t0\.\d{4}$/);
      const errors = out.stderr.split('\n').filter((l) => l.startsWith('error:'));
      expect(errors).toHaveLength(5);
      expect(out.stderr).toMatch(/empty\.jpg: the file is empty .*\[DECODE_FAILED\]/);
      expect(out.stderr).toMatch(/text\.jpg: not a supported image.*\[DECODE_FAILED\]/);
      expect(out.stderr).toMatch(/truncated\.jpg: the JPEG data is truncated or corrupt \[DECODE_FAILED\]/);
      expect(out.stderr).toMatch(/tiny\.png: image is 1×1 pixels.*\[INVALID_IMAGE\]/);
      expect(out.stderr).toMatch(/huge\.png: the image is 40000×40000.*\[IMAGE_TOO_LARGE\]/);
      expect(out.stderr).toMatch(/8 inputs: \d sharp, \d blurred, \d uncertain, 5 errors/);
    });
  });

  it('exits 0 when everything is classified; -r descends; globs expand', async () => {
    await withTempDir(async (dir) => {
      await mixedFolder(dir);
      const ok = await blurgate(['classify', 'in/flower.png', 'in/c*.png', ...MODEL, '--fast'], dir);
      expect(ok.code).toBe(0);
      expect(ok.stdout.trim().split('\n')).toHaveLength(2);
      const flat = await blurgate(['classify', 'in', ...MODEL, '--fast', '--json'], dir);
      const deep = await blurgate(['classify', 'in', '-r', ...MODEL, '--fast', '--json'], dir);
      const files = (o: Outcome) =>
        o.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l).file as string);
      expect(files(flat)).not.toContain(join('in', 'nested', 'china.jpg'));
      expect(files(deep)).toContain(join('in', 'nested', 'china.jpg'));
      expect(files(deep)).not.toContain(join('in', 'notes.txt'));
    });
  });

  it('--json: the reference fields rounded to 4 decimals, plus status, error and scales', async () => {
    await withTempDir(async (dir) => {
      await mixedFolder(dir);
      const out = await blurgate(
        ['classify', 'in/china.png', 'in/text.jpg', 'in/missing.png', ...MODEL, '--json'],
        dir,
      );
      expect(out.code).toBe(1);
      const [china, text, missing] = out.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      const expected = reference.predictions['china.png'];
      expect(Object.keys(china)).toEqual([
        'file',
        'label',
        'confidence',
        'prob_sharp',
        'prob_blurred',
        'status',
        'error',
        'scales',
      ]);
      expect(china).toMatchObject({ file: join('in', 'china.png'), label: expected.label, status: 'ok', error: null });
      expect(Math.abs(china.prob_blurred - expected.probBlurred)).toBeLessThanOrEqual(0.0001);
      for (const key of ['confidence', 'prob_sharp', 'prob_blurred']) {
        expect(Math.round(china[key] * 1e4) / 1e4).toBe(china[key]);
      }
      expect(china.scales.map((s: { scale: number }) => s.scale)).toEqual([256, 320, 384, 448, 512]);
      expect(text).toMatchObject({ status: 'error', label: null, error: { code: 'DECODE_FAILED' } });
      expect(missing).toMatchObject({ status: 'error', error: { code: 'INPUT_NOT_FOUND' } });
    });
  });

  it('--thresholds reads a calibrate file; explicit flags win', async () => {
    await withTempDir(async (dir) => {
      await writeFile(
        join(dir, 't.json'),
        JSON.stringify({ confidenceThreshold: 0.999, blurThreshold: 0.5, precision: 0.99 }),
      );
      const fromFile = await blurgate(
        ['classify', join(IMAGES, 'flower.png'), ...MODEL, '--fast', '--json', '--thresholds', 't.json'],
        dir,
      );
      expect(JSON.parse(fromFile.stdout).label).toBe('uncertain');
      const flagWins = await blurgate(
        [
          'classify',
          join(IMAGES, 'flower.png'),
          ...MODEL,
          '--fast',
          '--json',
          '--thresholds',
          't.json',
          '--confidence-threshold',
          '0.5',
        ],
        dir,
      );
      expect(JSON.parse(flagWins.stdout).label).toBe('sharp');
      await writeFile(join(dir, 'bad.json'), JSON.stringify({ confidenceThreshold: 'high' }));
      const bad = await blurgate(['classify', join(IMAGES, 'flower.png'), ...MODEL, '--thresholds', 'bad.json'], dir);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/confidenceThreshold must be a number between 0 and 1/);
    });
  });

  it('usage errors exit 2 with a message', async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, 'empty-dir'));
      const image = join(IMAGES, 'flower.png');
      const cases: [string[], RegExp][] = [
        [['classify'], /Not enough non-option arguments|inputs/],
        [['classify', image, ...MODEL, '--no-such-flag'], /Unknown argument/],
        [['classify', 'empty-dir', ...MODEL], /no images to classify: .*no images in this folder/],
        [['classify', image, '--model', 'no-such-model'], /model no-such-model is not installed/],
        [['classify', image, '--model', './missing.onnx'], /no such model file/],
        [
          ['classify', image, ...MODEL, '--scales', '256,abc'],
          /--scales must be whole numbers separated by commas.*"abc"/,
        ],
        [
          ['classify', image, ...MODEL, '--scales', '100000'],
          /--scales must be between 32 and 2048 pixels, got 100000/,
        ],
        [['classify', image, ...MODEL, '--scales', '256.5'], /--scales must be whole numbers/],
        [['classify', image, ...MODEL, '--fast', '--scales', '256'], /fast and scales are mutually exclusive/],
        [['classify', image, ...MODEL, '--blur-threshold', '1.5'], /--blur-threshold must be a number between 0 and 1/],
        [
          ['classify', image, ...MODEL, '--confidence-threshold', 'high'],
          /--confidence-threshold must be a number between 0 and 1/,
        ],
        [
          ['classify', image, ...MODEL, '--max-pixels', '9007199254740992'],
          /maxPixels must be a positive whole number/,
        ],
        [['classify', image, ...MODEL, '--max-pixels', '0'], /maxPixels must be a positive whole number/],
        [['classify', image, ...MODEL, '--concurrency', '100000'], /concurrency must be a whole number from 1 to 64/],
        [['classify', image, ...MODEL, '--concurrency', '1.5'], /concurrency must be a whole number/],
        [['classify', image, ...MODEL, '--move'], /Implications failed:\s+move -> sort-into/],
        [['classify', image, ...MODEL, '--dry-run'], /Implications failed:\s+dry-run -> sort-into/],
        [[], /name a command/],
      ];
      for (const [args, message] of cases) {
        const out = await blurgate(args, dir);
        expect(out.code, args.join(' ')).toBe(2);
        expect(out.stderr, args.join(' ')).toMatch(message);
        expect(out.stderr, args.join(' ')).toContain('Run blurgate --help for usage.');
      }
    });
  });

  it('without --model and no default installed, says so and exits 2', async () => {
    await withTempDir(async (dir) => {
      const out = await blurgate(['classify', join(IMAGES, 'flower.png')], dir, {
        BLURGATE_MODELS_DIR: join(dir, 'none'),
      });
      // The repo may ship the default model one day; then this run classifies.
      if (out.code === 2)
        expect(out.stderr).toMatch(/default model blurgate-synth is not installed.*--model <path-or-name>/);
      else expect(out.code).toBe(0);
    });
  });

  it('finds a model by name in $BLURGATE_MODELS_DIR; `blurgate models` lists it', async () => {
    await withTempDir(async (dir) => {
      const env = { BLURGATE_MODELS_DIR: STORE };
      const out = await blurgate(
        ['classify', join(IMAGES, 'flower.png'), '--model', 'blurgate-tiny-3ch@1.0.0', '--fast'],
        dir,
        env,
      );
      expect(out.code).toBe(0);
      expect(out.stderr).toMatch(/model blurgate-tiny-3ch@1\.0\.0, scales 384/);
      const models = await blurgate(['models'], dir, env);
      expect(models.code).toBe(0);
      expect(models.stdout).toMatch(/blurgate-tiny-3ch@1\.0\.0/);
      expect(models.stdout).toMatch(/blurgate-tiny-4ch@1\.0\.0/);
    });
  });
});

describe('blurgate classify --sort-into', () => {
  async function tree(dir: string): Promise<string[]> {
    const out: string[] = [];
    for (const label of ['sharp', 'blurred', 'uncertain']) {
      if (!existsSync(join(dir, label))) continue;
      for (const f of (await readdir(join(dir, label))).sort()) out.push(`${label}/${f}`);
    }
    return out;
  }

  it('copies into label folders without overwriting; --dry-run touches nothing; --move keeps every byte', async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, 'a'));
      await mkdir(join(dir, 'b'));
      await cp(join(IMAGES, 'flower.png'), join(dir, 'a', 'pic.png'));
      await cp(join(IMAGES, 'rgba.png'), join(dir, 'b', 'pic.png'));
      await cp(join(IMAGES, 'texture-blurred.png'), join(dir, 'a', 'blur.png'));
      await writeFile(join(dir, 'a', 'bad.jpg'), 'text');
      // A file already in the destination must survive.
      await mkdir(join(dir, 'out', 'sharp'), { recursive: true });
      await writeFile(join(dir, 'out', 'sharp', 'pic.png'), 'precious');
      const args = [
        'classify',
        'a/pic.png',
        'b/pic.png',
        'a/blur.png',
        'a/bad.jpg',
        ...MODEL,
        '--fast',
        '--sort-into',
        'out',
      ];

      const dry = await blurgate([...args, '--dry-run'], dir);
      expect(dry.code).toBe(1);
      expect(dry.stdout).toContain(`would copy to ${join('out', 'sharp', 'pic-1.png')}`);
      expect(dry.stdout).toContain(`would copy to ${join('out', 'sharp', 'pic-2.png')}`);
      expect(dry.stdout).toContain(`would copy to ${join('out', 'blurred', 'blur.png')}`);
      expect(await tree(join(dir, 'out'))).toEqual(['sharp/pic.png']);

      const copied = await blurgate([...args, '--json'], dir);
      expect(copied.code).toBe(1);
      const records = copied.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(records.map((r) => r.sorted_to)).toEqual([
        join('out', 'sharp', 'pic-1.png'),
        join('out', 'sharp', 'pic-2.png'),
        join('out', 'blurred', 'blur.png'),
        null,
      ]);
      expect(await tree(join(dir, 'out'))).toEqual([
        'sharp/pic-1.png',
        'sharp/pic-2.png',
        'sharp/pic.png',
        'blurred/blur.png',
      ]);
      expect(await readFile(join(dir, 'out', 'sharp', 'pic.png'), 'utf8')).toBe('precious');
      expect(await readFile(join(dir, 'out', 'sharp', 'pic-2.png'))).toEqual(await readFile(join(IMAGES, 'rgba.png')));
      expect(existsSync(join(dir, 'a', 'pic.png'))).toBe(true);

      const moved = await blurgate(['classify', 'a', 'b', ...MODEL, '--fast', '--sort-into', 'moved', '--move'], dir);
      expect(moved.code).toBe(1);
      expect(await tree(join(dir, 'moved'))).toEqual(['sharp/pic-1.png', 'sharp/pic.png', 'blurred/blur.png']);
      expect(existsSync(join(dir, 'a', 'pic.png'))).toBe(false);
      expect(existsSync(join(dir, 'a', 'bad.jpg'))).toBe(true);
      expect(await readFile(join(dir, 'moved', 'sharp', 'pic-1.png'))).toEqual(
        await readFile(join(IMAGES, 'rgba.png')),
      );
    });
  });
});

describe('blurgate --version', () => {
  it('prints the package version and the default model', async () => {
    await withTempDir(async (dir) => {
      const out = await blurgate(['--version'], dir, { BLURGATE_MODELS_DIR: join(dir, 'none') });
      expect(out.code).toBe(0);
      const [first, second] = out.stdout.trim().split('\n');
      expect(first).toBe(`blurgate ${packageJson.version}`);
      expect(second).toMatch(/^default model: (blurgate-synth \d+\.\d+\.\d+|no default model installed)/);
      const installed = await blurgate(['--version'], dir, { BLURGATE_MODELS_DIR: join(dir, 'store') });
      expect(installed.code).toBe(0);
    });
  });

  it('names an installed default model', async () => {
    await withTempDir(async (dir) => {
      const folder = join(dir, 'store', 'blurgate-synth', '1.2.3');
      await mkdir(folder, { recursive: true });
      await cp(TINY_4CH, join(folder, 'model.onnx'));
      const manifest = JSON.parse(await readFile(join(STORE, 'blurgate-tiny-4ch', '1.0.0', 'manifest.json'), 'utf8'));
      await writeFile(
        join(folder, 'manifest.json'),
        JSON.stringify({ ...manifest, name: 'blurgate-synth', version: '1.2.3' }),
      );
      const out = await blurgate(['--version'], dir, { BLURGATE_MODELS_DIR: join(dir, 'store') });
      expect(out.stdout).toMatch(/default model: blurgate-synth 1\.2\.3 sha256 [0-9a-f]{64} /);
      expect(out.stdout).toContain(manifest.sha256);
    });
  });
});

describe('blurgate classify on a terminal', () => {
  /** A stream that says it is a terminal and keeps what is written. */
  function terminal(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
    const chunks: string[] = [];
    const stream = { isTTY, columns: 100, write: (chunk: string) => chunks.push(String(chunk)) > 0 };
    return { stream: stream as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
  }

  it('prints a header line over the table, and no header when piped', async () => {
    const run = async (tty: boolean) => {
      const stdout = terminal(tty);
      const stderr = terminal(false);
      const io: CliIo = { stdout: stdout.stream, stderr: stderr.stream };
      const code = await runClassify(
        {
          inputs: [join(IMAGES, 'flower.png')],
          recursive: false,
          json: false,
          model: TINY_4CH,
          fast: true,
          move: false,
          dryRun: false,
          progress: false,
        },
        io,
      );
      return { code, lines: stdout.text().trimEnd().split('\n') };
    };
    const table = await run(true);
    expect(table.code).toBe(0);
    expect(table.lines[0]).toMatch(/^LABEL\s+CONFIDENCE\s+P_BLURRED\s+FILE$/);
    expect(table.lines[1]).toMatch(/^(sharp|blurred|uncertain)\s+\d\.\d{4}\s+\d\.\d{4}\s+.*flower\.png$/);
    const piped = await run(false);
    expect(piped.lines).toHaveLength(1);
    expect(piped.lines[0]).toMatch(/flower\.png\t(sharp|blurred|uncertain)\t/);
  });
});
