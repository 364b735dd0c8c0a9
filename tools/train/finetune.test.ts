import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createOnnxRuntime } from '@blurgate/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Fine-tuning end to end (tools/train/finetune.sh): Debian's /usr/bin/python3 with python3-torch,
// python3-torchvision and python3-pil (.ci/run installs them). Without them the suite is skipped and says why.
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PYTHON = '/usr/bin/python3';
const EVAL_CLI = join(REPO, 'packages/eval/dist/cli.js');
const BLURGATE_CLI = join(REPO, 'packages/node/dist/cli.js');
const FIXTURE_CHECKPOINT = join(REPO, 'packages/eval/test/fixtures/checkpoints/small.pt');
const SHIPPED_MODEL = join(REPO, 'models/blurgate-synth/1.0.0/model.onnx');

function torchMissing(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} is not installed`;
  const probe = spawnSync(PYTHON, ['-c', 'import torch, torchvision, PIL, numpy'], { encoding: 'utf8' });
  return probe.status === 0
    ? null
    : `${PYTHON} lacks torch/torchvision/Pillow/numpy (apt-get install python3-torch python3-torchvision python3-pil)`;
}
const skipReason = torchMissing();
if (skipReason) console.warn(`finetune.test.ts skipped: ${skipReason}`);

function run(cmd: string, args: readonly string[], timeout = 240_000): SpawnSyncReturns<string> {
  const result = spawnSync(cmd, args, {
    cwd: REPO,
    encoding: 'utf8',
    timeout,
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  if (result.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} exited ${result.status}\n${result.stdout}\n${result.stderr}`);
  return result;
}

// A shifted domain the base never saw: line-art "pages" (dark strokes and text-like bars on white), sharp, and
// the same pages through a Gaussian blur. 24 pages = 48 images, a page's two copies share a group.
const MAKE_IMAGES = `
import csv, os, random, sys
from PIL import Image, ImageDraw, ImageFilter
out = sys.argv[1]; rng = random.Random(7); rows = []
for label in ("sharp", "blurred"): os.makedirs(os.path.join(out, label), exist_ok=True)
for k in range(24):
    w, h = rng.randint(200, 300), rng.randint(260, 360)
    img = Image.new("RGB", (w, h), (250, 250, 245)); d = ImageDraw.Draw(img)
    for _ in range(rng.randint(25, 45)):
        x, y = rng.randint(0, w - 60), rng.randint(0, h - 10)
        if rng.random() < 0.6: d.rectangle([x, y, x + rng.randint(10, 60), y + rng.randint(2, 5)], fill=(20, 20, 30))
        else: d.line([x, y, rng.randint(0, w), rng.randint(0, h)], fill=(rng.randint(0, 90), 30, 60), width=rng.randint(1, 3))
    name = f"page{k:02d}.png"
    img.save(os.path.join(out, "sharp", name))
    img.filter(ImageFilter.GaussianBlur(rng.uniform(1.6, 2.6))).save(os.path.join(out, "blurred", name))
    rows += [(f"sharp/{name}", "sharp", f"page{k}"), (f"blurred/{name}", "blurred", f"page{k}")]
with open(os.path.join(out, "labels.csv"), "w", newline="") as f:
    w = csv.writer(f); w.writerow(["path", "label", "group"]); w.writerows(rows)
`;

describe.skipIf(skipReason !== null)('tools/train/finetune.sh', () => {
  let dir = '';
  let baseDir = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'blurgate-finetune-'));
    // The base: the width-0.25 MobileNetV3-Small fixture checkpoint, converted into a model folder by the project's
    // converter, so fine-tuning has to rebuild its PyTorch weights from model.onnx (onnx_to_torch.py).
    baseDir = join(dir, 'models/tiny-base/1.0.0');
    run('node', [
      EVAL_CLI,
      'convert',
      FIXTURE_CHECKPOINT,
      '--out',
      join(baseDir, 'model.onnx'),
      '--name',
      'tiny-base',
      '--version',
      '1.0.0',
    ]);
    const manifestPath = join(baseDir, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    await writeFile(manifestPath, JSON.stringify({ ...manifest, scales: [192] }, null, 2)); // one small scale keeps the test short
    run(PYTHON, ['-c', MAKE_IMAGES, join(dir, 'data')]);
  }, 240_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('rebuilds PyTorch weights from model.onnx whose logits equal onnxruntime-node within 1e-4 (shipped, tiny, 3-channel)', async () => {
    const inGraph = join(dir, 'in-graph/model.onnx'); // FreqAux inside the graph: 3-channel input
    run('node', [
      EVAL_CLI,
      'convert',
      FIXTURE_CHECKPOINT,
      '--out',
      inGraph,
      '--freq-aux-in-graph',
      '--name',
      'tiny-3ch',
      '--version',
      '1.0.0',
    ]);
    for (const [onnx, channels] of [
      [SHIPPED_MODEL, 4],
      [join(baseDir, 'model.onnx'), 4],
      [inGraph, 3],
    ] as const) {
      const out = join(dir, `${createHash('sha1').update(onnx).digest('hex').slice(0, 8)}.pt`);
      const images = [
        join(dir, 'data/sharp/page00.png'),
        join(dir, 'data/blurred/page01.png'),
        join(REPO, 'packages/node/test/fixtures/images/china.png'),
      ].filter((p) => existsSync(p));
      run(PYTHON, ['tools/train/onnx_to_torch.py', onnx, '--out', out, '--dump', images.join(','), '--size', '224']);
      const parity = JSON.parse(await readFile(`${out}.parity.json`, 'utf8')) as { dims: number[]; logits: number[][] };
      const bytes = await readFile(`${out}.input${channels}.f32`);
      const input = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      const session = await createOnnxRuntime({ intraOpNumThreads: 1 }).loadModel(new Uint8Array(await readFile(onnx)));
      const [n, , h, w] = parity.dims as [number, number, number, number];
      const logits = await session.run(input, [n, channels, h, w]);
      await session.dispose();
      const torchLogits = parity.logits.flat();
      expect(logits.length).toBe(torchLogits.length);
      const gap = Math.max(...torchLogits.map((v, i) => Math.abs(v - (logits[i] as number))));
      expect(gap).toBeLessThan(1e-4);
    }
  }, 240_000);

  it('checks BatchNorm reparameterisation, metrics and the split (check_finetune_parts.py)', () => {
    const out = run(PYTHON, ['tools/train/check_finetune_parts.py', join(baseDir, 'model.onnx')]).stdout;
    expect(out).toMatch(/largest logit change/);
    expect(out).toMatch(/groups kept together/);
  }, 240_000);

  it('fine-tunes on a shifted domain, improves validation F1, writes model and report, and the model classifies through the CLI', async () => {
    const out = join(dir, 'run');
    const result = run('tools/train/finetune.sh', [
      '--base',
      baseDir,
      '--data',
      join(dir, 'data/labels.csv'),
      '--out',
      out,
      '--minutes',
      '0.4',
      '--lr',
      '3e-3',
      '--train-scales',
      '160,192,224',
      '--crop',
      '128',
      '--threads',
      '1',
      '--target-precision',
      '0.8',
      '--patience',
      '100',
    ]);
    expect(result.stdout).toMatch(/epoch +1 +loss/);
    expect(result.stdout).toMatch(/left/);
    const manifest = JSON.parse(await readFile(join(out, 'model/manifest.json'), 'utf8'));
    const baseSha = createHash('sha256')
      .update(await readFile(join(baseDir, 'model.onnx')))
      .digest('hex');
    expect(manifest.base).toMatchObject({
      name: 'tiny-base',
      version: '1.0.0',
      sha256: baseSha,
      architecture: 'mobilenet_v3_small',
      widthMult: 0.25,
    });
    expect(manifest.name).toBe('tiny-base-ft');
    expect(manifest.version).toMatch(/^1\.0\.0-ft\.\d{8}$/);
    expect(manifest.scales).toEqual([192]);
    const { base, fineTuned } = manifest.fineTuning.validation;
    console.log(
      `validation F1 ${base.val_f1.toFixed(4)} -> ${fineTuned.val_f1.toFixed(4)} (epoch ${manifest.fineTuning.bestEpoch} of ${manifest.fineTuning.epochs})`,
    );
    expect(fineTuned.val_f1).toBeGreaterThan(base.val_f1);
    expect(manifest.fineTuning.bestEpoch).toBeGreaterThan(0);
    // every image listed with its sha256
    const list = (await readFile(join(out, 'model/data-sha256.txt'), 'utf8'))
      .split('\n')
      .filter((l) => /^[0-9a-f]{64} /.test(l));
    expect(list).toHaveLength(48);
    const page = await readFile(join(dir, 'data/sharp/page00.png'));
    expect(list.some((l) => l.startsWith(createHash('sha256').update(page).digest('hex')))).toBe(true);
    // reports: base and fine-tuned on the same validation images, the comparison, the model card
    const baseReport = JSON.parse(await readFile(join(out, 'report/base/report.json'), 'utf8'));
    const tunedReport = JSON.parse(await readFile(join(out, 'report/finetuned/report.json'), 'utf8'));
    expect(baseReport.model.name).toBe('tiny-base');
    expect(tunedReport.model.name).toBe('tiny-base-ft');
    expect(tunedReport.dataset.counts.total).toBe(baseReport.dataset.counts.total);
    expect(tunedReport.metrics.f1).toBeGreaterThan(baseReport.metrics.f1);
    expect(await readFile(join(out, 'report/index.html'), 'utf8')).toMatch(/finetuned\/report\.html/);
    expect(await readFile(join(out, 'model/README.md'), 'utf8')).toMatch(/How much it gained/);
    // the written model works at once through the CLI, with the manifest's identity
    const classify = run('node', [
      BLURGATE_CLI,
      'classify',
      '--model',
      join(out, 'model'),
      '--json',
      join(dir, 'data/blurred/page03.png'),
    ]);
    const record = JSON.parse(classify.stdout.trim().split('\n')[0] as string);
    expect(record.status).toBe('ok');
    expect(['sharp', 'blurred', 'uncertain']).toContain(record.label);
    expect(classify.stderr).toContain(`tiny-base-ft@${manifest.version}`);
  }, 300_000);

  it('Ctrl-C keeps the best epoch so far and still writes the model (base: a best.pt, architecture from its weights)', async () => {
    const out = join(dir, 'interrupted');
    const child = spawn(
      'tools/train/finetune.sh',
      [
        '--base',
        FIXTURE_CHECKPOINT,
        '--arch-from-base',
        '--data',
        join(dir, 'data'),
        '--out',
        out,
        '--minutes',
        '5',
        '--bn',
        'train',
        '--train-scales',
        '160,192',
        '--crop',
        '128',
        '--threads',
        '1',
        '--no-report',
      ],
      { cwd: REPO, env: { ...process.env, OMP_NUM_THREADS: '1' } },
    );
    let stdout = '';
    const exited = new Promise<number | null>((done) => child.on('close', done));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (/epoch +1 +loss/.test(stdout) && !child.killed) child.kill('SIGINT');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    expect(await exited, stdout).toBe(0);
    expect(stdout).toMatch(/Ctrl-C: stopping/);
    const manifest = JSON.parse(await readFile(join(out, 'model/manifest.json'), 'utf8'));
    expect(manifest.fineTuning.stoppedBy).toBe('Ctrl-C');
    expect(manifest.fineTuning.settings.bn).toBe('train');
    expect(manifest.base).toMatchObject({
      name: 'small',
      version: null,
      kind: 'checkpoint',
      architecture: 'mobilenet_v3_small',
      widthMult: 0.25,
    });
    expect(existsSync(join(out, 'model/model.onnx'))).toBe(true);
  }, 240_000);
});
