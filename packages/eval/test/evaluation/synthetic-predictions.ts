import { type PredictionRecord, type ReportContext, seededRandom } from '../../src/evaluation/index.js';

/** The context of a report built from {@link syntheticPredictions} (no model file, no dataset folder). */
export const SYNTHETIC_REPORT_CONTEXT: ReportContext = {
  model: { name: 'm', version: '1.0.0', sha256: null },
  dataset: {
    path: '/nowhere',
    root: '/nowhere',
    layout: 'generic',
    description: 'synthetic',
    includeBlurGamma: false,
  },
  scales: [256, 384],
  thresholds: { confidence: 0.6, blur: 0.5 },
  versions: {},
  date: '2026-01-01T00:00:00.000Z',
};

/**
 * `n` seeded predictions.jsonl records (blurred on even i, two TTA scales, a Laplacian baseline that separates the
 * classes well, no sharp_sharpness scores) and one error line, for reports built without a model.
 */
export function syntheticPredictions(n: number, seed: number): PredictionRecord[] {
  const random = seededRandom(seed);
  const out: PredictionRecord[] = [];
  for (let i = 0; i < n; i++) {
    const blurred = i % 2 === 0;
    const a = Math.min(1, Math.max(0, (blurred ? 0.35 : 0) + 0.65 * random()));
    const b = Math.min(1, Math.max(0, (blurred ? 0.2 : 0) + 0.8 * random()));
    const p = (a + b) / 2;
    out.push({
      file: `img/${i}.png`,
      truth: blurred ? 'blurred' : 'sharp',
      status: 'ok',
      prob_blurred: p,
      prob_sharp: 1 - p,
      confidence: Math.max(p, 1 - p),
      label: Math.max(p, 1 - p) < 0.6 ? 'uncertain' : p >= 0.5 ? 'blurred' : 'sharp',
      scales: [
        { scale: 256, prob_blurred: a, prob_sharp: 1 - a },
        { scale: 384, prob_blurred: b, prob_sharp: 1 - b },
      ],
      baselines: { laplacian_variance: (blurred ? 50 : 120) + 100 * random(), sharp_sharpness: null },
    });
  }
  out.push({ file: 'img/broken.png', truth: 'sharp', status: 'error', error: { code: 'DECODE_FAILED', message: 'x' } });
  return out;
}
