import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchTestBrowser, type TestBrowser } from './support/browser.js';
import { FIXTURES_DIR, REFERENCE } from './support/fixtures.js';
import { type StaticServer, startStaticServer } from './support/static-server.js';

const WEB_DIR = fileURLToPath(new URL('../', import.meta.url));
const ARTIFACTS = path.join(WEB_DIR, 'test-artifacts');

let server: StaticServer;
let browser: TestBrowser;

beforeAll(async () => {
  await build({ configFile: path.join(WEB_DIR, 'demo/vite.config.ts'), logLevel: 'error' });
  server = await startStaticServer({ root: path.join(WEB_DIR, 'demo/dist'), crossOriginIsolated: true });
  browser = await launchTestBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('demo page', () => {
  it('classifies a sharp and a blurred photo, shows errors for bad files, re-routes with the slider', async () => {
    const { page, pageErrors } = await browser.newPage();
    await page.setViewportSize({ width: 1100, height: 1300 });
    // The test suite's model, whose PyTorch reference labels are known.
    await page.goto(`${server.url}/index.html?model=./models/tiny-4ch.onnx`);
    await page.waitForSelector('#status[data-state="ready"]', { timeout: 30_000 });
    expect(await page.textContent('#status')).toContain('4-channel');
    expect(await page.textContent('#model-notice')).toContain('tiny-4ch.onnx');

    // One photo through the file picker, one dropped on the drop zone.
    await page.setInputFiles('#file-input', path.join(FIXTURES_DIR, 'images/texture.png'));
    const dropped = await readFile(path.join(FIXTURES_DIR, 'images/texture-blurred.png'));
    await page.evaluate((bytes) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(bytes)], 'texture-blurred.png', { type: 'image/png' }));
      document
        .getElementById('drop-zone')!
        .dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }, Array.from(dropped));
    await page.waitForFunction(() => document.querySelectorAll('.result[data-state="done"]').length === 2, undefined, {
      timeout: 30_000,
    });

    const card = (name: string) =>
      page.locator('.result', { has: page.locator('h2', { hasText: new RegExp(`^${name}$`) }) });
    expect(await card('texture.png').locator('.label').textContent()).toBe(REFERENCE.predictions['texture.png']!.label);
    expect(await card('texture-blurred.png').locator('.label').textContent()).toBe(
      REFERENCE.predictions['texture-blurred.png']!.label,
    );
    expect(await card('texture.png').locator('table.scales tr').count()).toBe(1 + 5 + 1);
    // The FreqAux heat map was drawn (not left blank).
    const heatPixels = await card('texture.png')
      .locator('canvas.freq-aux')
      .evaluate((canvas: HTMLCanvasElement) => {
        const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let lit = 0;
        for (let i = 0; i < data.length; i += 4) if (data[i]! > 200) lit++;
        return lit;
      });
    expect(heatPixels).toBeGreaterThan(100);

    // Bad files: a corrupt PNG, a text file, a PNG header claiming 30000×30000 pixels.
    const scratch = path.join(tmpdir(), `blurgate-demo-${process.pid}`);
    await mkdir(scratch, { recursive: true });
    const png = await readFile(path.join(FIXTURES_DIR, 'images/china.png'));
    const corrupt = Buffer.from(png);
    corrupt.fill(0x5a, 60);
    const huge = Buffer.alloc(64);
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]).copy(huge);
    huge.writeUInt32BE(30000, 16);
    huge.writeUInt32BE(30000, 20);
    await writeFile(path.join(scratch, 'corrupt.png'), corrupt);
    await writeFile(path.join(scratch, 'notes.txt'), 'not an image');
    await writeFile(path.join(scratch, 'huge.png'), huge);
    await page.setInputFiles(
      '#file-input',
      ['corrupt.png', 'notes.txt', 'huge.png'].map((f) => path.join(scratch, f)),
    );
    await page.waitForFunction(() => document.querySelectorAll('.result[data-state="done"]').length === 5, undefined, {
      timeout: 30_000,
    });
    expect(await card('corrupt.png').locator('.error').textContent()).toContain('DECODE_FAILED');
    expect(await card('notes.txt').locator('.error').textContent()).toContain('DECODE_FAILED');
    expect(await card('huge.png').locator('.error').textContent()).toContain('IMAGE_TOO_LARGE');

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'demo.png'), fullPage: true });

    // A confidence threshold above every confidence makes every answer uncertain, without re-running.
    await page.locator('#confidence').fill('0.99');
    expect(await card('texture.png').locator('.label').textContent()).toBe('uncertain');
    expect(await card('texture-blurred.png').locator('.label').textContent()).toBe('uncertain');
    expect(pageErrors).toEqual([]);
  });

  it('the WebNN box reloads the model with WebNN first, and says why it runs on WASM where the browser has none', async () => {
    const { page, pageErrors } = await browser.newPage();
    await page.goto(`${server.url}/index.html?model=./models/tiny-4ch.onnx`);
    await page.waitForSelector('#status[data-state="ready"]', { timeout: 30_000 });
    expect(await page.textContent('#status')).not.toContain('Skipped');
    await page.check('#webnn');
    // Debian's Chromium has no navigator.ml: the gate falls back to WASM and the status names the reason.
    await page.waitForFunction(
      () => document.getElementById('status')?.textContent?.includes('Skipped webnn') === true,
      undefined,
      { timeout: 30_000 },
    );
    const status = await page.textContent('#status');
    expect(status).toMatch(/\(wasm, \d+ threads?\) in a worker\)\. Skipped webnn: this browser does not expose WebNN/);
    await page.setInputFiles('#file-input', path.join(FIXTURES_DIR, 'images/texture.png'));
    await page.waitForSelector('.result[data-state="done"]', { timeout: 30_000 });
    expect(await page.locator('.result .label').first().textContent()).toBe(
      REFERENCE.predictions['texture.png']!.label,
    );
    expect(pageErrors).toEqual([]);
  });

  it('with the shipped default model, labels the repo samples by their truth (sharp-*/blurred-*)', async () => {
    const { page, pageErrors } = await browser.newPage();
    await page.setViewportSize({ width: 1100, height: 1300 });
    await page.goto(`${server.url}/index.html`);
    await page.waitForSelector('#status[data-state="ready"]', { timeout: 60_000 });
    expect(await page.textContent('#status')).toContain('blurgate-synth 2.3.0');
    expect(await page.textContent('#status')).toContain('TTA over 256, 320, 384, 448, 512');
    await page.click('#samples');
    await page.waitForFunction(() => document.querySelectorAll('.result[data-state="done"]').length === 4, undefined, {
      timeout: 60_000,
    });
    const shown = await page.locator('.result').evaluateAll((cards) =>
      cards.map((card) => ({
        name: card.querySelector('h2')?.textContent ?? '',
        label: card.querySelector('.label')?.textContent ?? '',
      })),
    );
    expect(shown).toHaveLength(4);
    for (const { name, label } of shown) expect(label, name).toBe(name.startsWith('sharp-') ? 'sharp' : 'blurred');
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'demo-default-model.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it('bundled by Vite, the main entry runs with its default runtime (no wasmPaths: Vite serves the .wasm)', async () => {
    const { page, pageErrors } = await browser.newPage();
    await page.goto(`${server.url}/main-thread.html`);
    await page.waitForSelector('#out[data-state]', { timeout: 30_000 });
    const out = await page.textContent('#out');
    expect(await page.getAttribute('#out', 'data-state'), out ?? '').toBe('done');
    const result = JSON.parse(out!) as { label: string; probBlurred: number; runtime: string };
    expect(result.label).toBe(REFERENCE.predictions['texture-blurred.png']!.fast.label);
    expect(Math.abs(result.probBlurred - REFERENCE.predictions['texture-blurred.png']!.fast.probBlurred)).toBeLessThan(
      3e-4,
    );
    expect(pageErrors).toEqual([]);
  });
});
