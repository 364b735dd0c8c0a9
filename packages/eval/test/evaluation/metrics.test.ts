import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  binaryClfCurve,
  binaryMetrics,
  bootstrapIntervals,
  descendingOrder,
  rocAucFromCurve,
  rocCurve,
  seededRandom,
  weightedRankingMetrics,
} from '../../src/evaluation/index.js';

interface SklearnCase {
  name: string;
  y_true: number[];
  y_score: number[];
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  roc_auc: number | null;
  average_precision: number | null;
  pr_auc_trapezoid: number | null;
  confusion: { tp: number; fp: number; tn: number; fn: number };
  roc_curve: { fpr: number[]; tpr: number[]; thresholds: number[] } | null;
}

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/evaluation/sklearn-metrics.json', import.meta.url), 'utf8'),
) as { cases: SklearnCase[] };

describe('metrics equal scikit-learn (tools/fixtures/make_metric_fixtures.py)', () => {
  it('has the degenerate cases', () => {
    expect(fixture.cases.map((c) => c.name)).toEqual(
      expect.arrayContaining(['ties-rounded', 'all-tied', 'only-positive', 'only-negative', 'no-predicted-positive']),
    );
  });
  for (const c of fixture.cases) {
    it(c.name, () => {
      const m = binaryMetrics(c.y_true, c.y_score, 0.5);
      expect(m.confusion).toEqual(c.confusion);
      expect(m.accuracy).toBeCloseTo(c.accuracy, 12);
      expect(m.precision).toBeCloseTo(c.precision, 12);
      expect(m.recall).toBeCloseTo(c.recall, 12);
      expect(m.f1).toBeCloseTo(c.f1, 12);
      for (const [ours, theirs] of [
        [m.roc_auc, c.roc_auc],
        [m.pr_auc, c.average_precision],
        [m.pr_auc_trapezoid, c.pr_auc_trapezoid],
      ] as const) {
        if (theirs === null) expect(ours).toBeNull();
        else expect(ours).toBeCloseTo(theirs, 12);
      }
      if (c.roc_curve) {
        // sklearn 1.2 puts max+1 as its first threshold where we use +Infinity; the points must match.
        const roc = rocCurve(binaryClfCurve(c.y_true, c.y_score));
        expect(roc.map((p) => p.fpr)).toEqual(c.roc_curve.fpr.map((v) => expect.closeTo(v, 12)));
        expect(roc.map((p) => p.tpr)).toEqual(c.roc_curve.tpr.map((v) => expect.closeTo(v, 12)));
        expect(roc.slice(1).map((p) => p.threshold)).toEqual(c.roc_curve.thresholds.slice(1));
      }
    });
  }
});

describe('bootstrap intervals', () => {
  const c = fixture.cases.find((x) => x.name === 'continuous-300')!;
  it('are reproducible for a seed and bracket the point estimate', () => {
    const a = bootstrapIntervals(c.y_true, c.y_score, 0.5, { resamples: 300, seed: 7 });
    const b = bootstrapIntervals(c.y_true, c.y_score, 0.5, { resamples: 300, seed: 7 });
    expect(a).toEqual(b);
    const point = binaryMetrics(c.y_true, c.y_score);
    for (const key of ['accuracy', 'f1', 'roc_auc', 'pr_auc'] as const) {
      const interval = a.intervals[key]!;
      expect(interval.low).toBeLessThanOrEqual(point[key]!);
      expect(interval.high).toBeGreaterThanOrEqual(point[key]!);
      expect(interval.high - interval.low).toBeGreaterThan(0.01);
      expect(interval.high - interval.low).toBeLessThan(0.3);
    }
    expect(bootstrapIntervals(c.y_true, c.y_score, 0.5, { resamples: 300, seed: 8 })).not.toEqual(a);
  });
  it('a resample by counts gives the metrics of the same images listed out with repeats', () => {
    const truth = c.y_true.slice(0, 40);
    const scores = c.y_score.slice(0, 40).map((s) => Math.round(s * 10) / 10);
    const order = descendingOrder(scores);
    for (let seed = 0; seed < 20; seed++) {
      const random = seededRandom(seed);
      // Counts 0..2, so some scores (the top one included, sometimes) are absent from the resample.
      const counts = truth.map(() => Math.floor(random() * 3));
      const expandedTruth: number[] = [];
      const expandedScores: number[] = [];
      counts.forEach((n, i) => {
        for (let k = 0; k < n; k++) {
          expandedTruth.push(truth[i]);
          expandedScores.push(scores[i]);
        }
      });
      const expanded = binaryMetrics(expandedTruth, expandedScores);
      const weighted = weightedRankingMetrics(truth, scores, order, counts);
      for (const key of ['roc_auc', 'pr_auc', 'pr_auc_trapezoid'] as const) {
        if (expanded[key] === null) expect(weighted[key]).toBeNull();
        else expect(weighted[key]).toBeCloseTo(expanded[key]!, 12);
      }
      const curve = binaryClfCurve(truth, scores, order, counts);
      expect(rocAucFromCurve(curve)).toBe(weighted.roc_auc);
    }
  });
  it('is null for AUC when every resample holds one class', () => {
    const r = bootstrapIntervals([1, 1, 1], [0.2, 0.6, 0.9], 0.5, { resamples: 50 });
    expect(r.intervals.roc_auc).toBeNull();
    expect(r.intervals.accuracy).not.toBeNull();
  });
});
