import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateModel } from '../../src/evaluation/index.js';
import { copyFixtureModel, makeFrames, writeGoproLarge } from './gopro-tree.js';

let root: string;
let html: string;
let browser: Browser;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'blurgate-eval-html-'));
  const gopro = await writeGoproLarge(root, await makeFrames(2, 3));
  const model = await copyFixtureModel('tiny-4ch.onnx', join(root, 'tiny-4ch.onnx'));
  // A tiny random model makes mistakes, so the thumbnails section has content.
  const result = await evaluateModel({
    model,
    data: gopro,
    outDir: join(root, 'out'),
    scales: [64, 96],
    report: { bootstrap: { resamples: 100 } },
  });
  html = result.files.html;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await rm(root, { recursive: true, force: true });
});

describe('report.html in headless Chromium', () => {
  it('shows every plot with marks, thumbnails, and makes no request and no console error', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) requests.push(r.url());
    });
    await page.goto(pathToFileURL(html).href);
    const plots = await page.$$eval('.plot', (nodes) =>
      nodes.map((n) => {
        const svg = n.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        return {
          id: n.id,
          width: box?.width ?? 0,
          height: box?.height ?? 0,
          lines: n.querySelectorAll('.mark-line path').length,
          bars: n.querySelectorAll('.mark-rect path').length,
          axes: n.querySelectorAll('.role-axis').length,
          title: n.querySelector('.role-title-text')?.textContent ?? '',
        };
      }),
    );
    expect(plots.map((p) => p.id)).toEqual([
      'plot-roc',
      'plot-pr',
      'plot-blur-threshold',
      'plot-confidence',
      'plot-scales',
    ]);
    for (const p of plots) {
      expect(p.width).toBeGreaterThan(200);
      expect(p.height).toBeGreaterThan(150);
      expect(p.axes).toBeGreaterThanOrEqual(2);
      expect(p.title.length).toBeGreaterThan(3);
    }
    // ROC and PR: the model and both baselines; sweeps: 3 and 2 series; ablation: 3 bars per row, 3 rows.
    expect(plots[0].lines).toBe(3);
    expect(plots[1].lines).toBe(3);
    expect(plots[2].lines).toBe(3);
    expect(plots[3].lines).toBe(2);
    expect(plots[4].bars).toBe(9);
    // The tsconfig has no DOM lib: describe the two image fields used.
    type Img = { src: string; naturalWidth: number };
    const thumbnails = await page.$$eval('.mistake img', (imgs) =>
      imgs.map((i) => ({ src: (i as unknown as Img).src.slice(0, 23), loaded: (i as unknown as Img).naturalWidth })),
    );
    for (const t of thumbnails) {
      expect(t.src).toBe('data:image/jpeg;base64,');
      expect(t.loaded).toBeGreaterThan(0);
    }
    const rows = await page.$$eval('#metrics tbody tr', (trs) => trs.map((tr) => tr.querySelector('th')?.textContent));
    expect(rows).toEqual(['Accuracy', 'Precision', 'Recall', 'F1', 'ROC AUC', 'PR AUC (average precision)']);
    expect(requests).toEqual([]);
    expect(problems).toEqual([]);
    await page.screenshot({ path: join(root, 'report.png'), fullPage: true });
    await page.close();
  });
});
