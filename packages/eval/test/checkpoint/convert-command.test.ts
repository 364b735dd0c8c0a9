import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseModelManifest } from '@blurgate/core';
import yargs from 'yargs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { convertCommand } from '../../src/commands/convert.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/checkpoints/', import.meta.url));

async function runCli(args: string[]): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  const before = process.exitCode;
  process.exitCode = undefined;
  try {
    await yargs(args).command(convertCommand).strict().exitProcess(false).parseAsync();
    return { stdout, stderr, exitCode: Number(process.exitCode ?? 0) };
  } finally {
    process.exitCode = before;
    out.mockRestore();
    err.mockRestore();
  }
}

describe('blurgate-eval convert', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'blurgate-convert-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the ONNX file and a valid manifest.json next to it, and says what it did', async () => {
    const out = join(dir, 'models', 'fixture', '2.0.0', 'model.onnx');
    const { stdout, exitCode } = await runCli([
      'convert',
      `${FIXTURES}small.pt`,
      '--out',
      out,
      '--freq-aux-in-graph',
      '--name',
      'fixture-small',
      '--version',
      '2.0.0',
      '--hf-repo',
      'someone/blur-model',
      '--hf-revision',
      'a'.repeat(40),
    ]);
    expect(exitCode).toBe(0);
    expect(stdout).toContain('mobilenet_v3_small');
    expect(stdout).toMatch(/done in \d+\.\d+ s/);
    const onnx = readFileSync(out);
    const manifest = parseModelManifest(
      JSON.parse(readFileSync(join(dir, 'models', 'fixture', '2.0.0', 'manifest.json'), 'utf8')),
    );
    expect(manifest).toMatchObject({
      name: 'fixture-small',
      version: '2.0.0',
      architecture: 'mobilenet_v3_small',
      inputChannels: 3,
      file: 'model.onnx',
      sha256: createHash('sha256').update(onnx).digest('hex'),
      preprocessing: { freqAux: 'in-graph' },
      scales: [256, 320, 384, 448, 512],
      thresholds: { confidence: 0.6, blur: 0.5 },
      labels: ['sharp', 'blurred'],
      source: {
        kind: 'huggingface',
        repo: 'someone/blur-model',
        file: 'small.pt',
        revision: 'a'.repeat(40),
        sha256: createHash('sha256')
          .update(readFileSync(`${FIXTURES}small.pt`))
          .digest('hex'),
      },
      metrics: [],
    });
    // atomic writes leave no temporary files behind
    expect(readdirSync(join(dir, 'models', 'fixture', '2.0.0')).sort()).toEqual(['manifest.json', 'model.onnx']);
  });

  it('refuses a malicious checkpoint, writes nothing and exits 1', async () => {
    const { stderr, exitCode } = await runCli([
      'convert',
      `${FIXTURES}malicious-os-system.pt`,
      '--out',
      join(dir, 'model.onnx'),
    ]);
    expect(exitCode).toBe(1);
    expect(stderr).toContain('os.system');
    expect(stderr).toContain('UNSAFE_CHECKPOINT');
    expect(readdirSync(dir)).toEqual([]);
  });
});
