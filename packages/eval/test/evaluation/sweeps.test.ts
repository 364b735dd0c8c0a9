import { describe, expect, it } from 'vitest';
import {
  binaryMetrics,
  buildReport,
  calibrateThresholds,
  confusionAtThreshold,
  metricsFromConfusion,
  renderMarkdown,
  routedMetrics,
  seededRandom,
  sweepBlurThreshold,
  sweepConfidenceThreshold,
  thresholdForBestF1,
  thresholdForPrecision,
  thresholdForRecall,
} from '../../src/evaluation/index.js';
import { SYNTHETIC_REPORT_CONTEXT, syntheticPredictions } from './synthetic-predictions.js';

function sample(n: number, seed: number): { truth: number[]; scores: number[] } {
  const random = seededRandom(seed);
  const truth: number[] = [];
  const scores: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = random() < 0.5 ? 1 : 0;
    truth.push(t);
    // Rounded to 2 decimals: plenty of ties.
    scores.push(Math.round(Math.min(1, Math.max(0, 0.3 * t + 0.7 * random())) * 100) / 100);
  }
  return { truth, scores };
}

/** Every threshold that changes a decision, by brute force. */
function bruteForce(truth: number[], scores: number[]) {
  return [...new Set(scores)].map((threshold) => ({
    threshold,
    ...metricsFromConfusion(confusionAtThreshold(truth, scores, threshold)),
  }));
}

describe('blur threshold sweep', () => {
  const { truth, scores } = sample(400, 3);
  it('goes 0..1 by 0.01 and agrees with the metrics at each threshold', () => {
    const sweep = sweepBlurThreshold(truth, scores);
    expect(sweep).toHaveLength(101);
    expect(sweep[0]).toMatchObject({ threshold: 0, recall: 1 });
    expect(sweep[50].threshold).toBe(0.5);
    const at = binaryMetrics(truth, scores, 0.5);
    expect(sweep[50]).toMatchObject({
      accuracy: at.accuracy,
      precision: at.precision,
      recall: at.recall,
      f1: at.f1,
      ...at.confusion,
    });
    for (let i = 1; i < sweep.length; i++) expect(sweep[i].recall).toBeLessThanOrEqual(sweep[i - 1].recall);
  });
  for (const target of [0.6, 0.75, 0.9, 0.99]) {
    it(`precision target ${target}: the highest recall that reaches it (brute force)`, () => {
      const best = bruteForce(truth, scores)
        .filter((p) => p.precision >= target && p.recall > 0)
        .sort((a, b) => b.recall - a.recall || b.threshold - a.threshold)[0];
      const choice = thresholdForPrecision(truth, scores, target);
      if (!best) expect(choice).toBeNull();
      else expect(choice).toMatchObject({ threshold: best.threshold, recall: best.recall, precision: best.precision });
    });
    it(`recall target ${target}: the highest precision that reaches it (brute force)`, () => {
      const best = bruteForce(truth, scores)
        .filter((p) => p.recall >= target)
        .sort((a, b) => b.precision - a.precision || b.threshold - a.threshold)[0];
      expect(thresholdForRecall(truth, scores, target)).toMatchObject({
        threshold: best.threshold,
        precision: best.precision,
      });
    });
  }
  it('best-F1 threshold (used for swept baselines) is the brute-force best', () => {
    const best = Math.max(...bruteForce(truth, scores).map((p) => p.f1));
    expect(thresholdForBestF1(truth, scores)!.f1).toBeCloseTo(best, 12);
  });
  it('an unreachable precision gives null', () => {
    expect(thresholdForPrecision([0, 1, 0], [0.9, 0.5, 0.95], 0.9)).toBeNull();
  });
});

describe('confidence threshold sweep', () => {
  const { truth, scores } = sample(300, 5);
  const probSharp = scores.map((s) => 1 - s);
  it('coverage starts at 1 and only falls; accuracy is on the decided images', () => {
    const sweep = sweepConfidenceThreshold(truth, scores, probSharp);
    expect(sweep[0]).toMatchObject({ threshold: 0.5, coverage: 1, uncertain: 0 });
    expect(sweep.at(-1)!.threshold).toBe(1);
    for (let i = 1; i < sweep.length; i++) expect(sweep[i].coverage).toBeLessThanOrEqual(sweep[i - 1].coverage);
    const point = sweep.find((p) => p.threshold === 0.7)!;
    const decided = truth.map((_, i) => Math.max(scores[i], probSharp[i]) >= 0.7);
    const correct = truth.filter((t, i) => decided[i] && (scores[i] >= 0.5 ? 1 : 0) === t).length;
    const count = decided.filter(Boolean).length;
    expect(point.coverage).toBeCloseTo(count / truth.length, 12);
    expect(point.accuracy).toBeCloseTo(correct / count, 12);
  });
});

describe('a report from predictions alone', () => {
  const recs = syntheticPredictions(120, 9);
  const context = SYNTHETIC_REPORT_CONTEXT;
  const report = buildReport(recs, context, { bootstrap: { resamples: 100 } });
  it('excludes errors from the metrics and counts them', () => {
    expect(report.dataset.counts).toEqual({ sharp: 61, blurred: 60, total: 121 });
    expect(report.dataset.evaluated.total).toBe(120);
    expect(report.dataset.errors).toBe(1);
  });
  it('ablation: each scale alone and the TTA average', () => {
    expect(report.ablation.map((r) => r.scales)).toEqual(['256', '384', 'tta']);
    const ok = recs.filter((r) => r.status === 'ok');
    const truth = ok.map((r) => (r.truth === 'blurred' ? 1 : 0));
    expect(report.ablation[0].roc_auc).toBeCloseTo(
      binaryMetrics(
        truth,
        ok.map((r) => (r.status === 'ok' ? r.scales[0].prob_blurred : 0)),
      ).roc_auc!,
      12,
    );
    expect(report.ablation[2].f1).toBe(report.metrics.f1);
  });
  it('a baseline with no scores is left out; a swept one is labelled optimistic', () => {
    expect(report.baselines.map((b) => [b.name, b.fittedOn, b.optimistic])).toEqual([
      ['laplacian_variance', 'test-swept', true],
    ]);
    // Blurred when variance <= threshold: the reported threshold is in the baseline's own units.
    expect(report.baselines[0].threshold).toBeGreaterThan(50);
    expect(renderMarkdown(report)).toContain('best F1 on this very data, so optimistic');
  });
  it("the metrics decide at the model's blur threshold (a calibrated model is measured as its users get it)", () => {
    const ok = recs.filter((r) => r.status === 'ok');
    const truth = ok.map((r) => (r.truth === 'blurred' ? 1 : 0));
    const scores = ok.map((r) => (r.status === 'ok' ? r.prob_blurred : 0));
    expect(report.decisionThreshold).toBe(0.5);
    const calibrated = buildReport(
      recs,
      { ...context, thresholds: { confidence: 0.6, blur: 0.35 } },
      {
        bootstrap: { resamples: 100 },
      },
    );
    expect(calibrated.decisionThreshold).toBe(0.35);
    expect(calibrated.metrics.f1).toBeCloseTo(binaryMetrics(truth, scores, 0.35).f1!, 12);
    expect(calibrated.metrics.recall).toBeGreaterThan(report.metrics.recall!);
  });
  it('routing metrics use the run thresholds', () => {
    const ok = recs.filter((r) => r.status === 'ok');
    expect(report.routing.uncertain).toBe(ok.filter((r) => r.status === 'ok' && r.label === 'uncertain').length);
  });

  it('calibrate: precision target on decided images, with coverage kept', () => {
    const file = calibrateThresholds(recs, { targetPrecision: 0.9, minCoverage: 0.6 }, '/x/predictions.jsonl', 'now');
    expect(file.provenance.achieved.coverage).toBeGreaterThanOrEqual(0.6);
    expect(file.provenance.achieved.precision).toBeGreaterThanOrEqual(0.9);
    const ok = recs.filter((r) => r.status === 'ok');
    const again = routedMetrics(
      ok.map((r) => (r.truth === 'blurred' ? 1 : 0)),
      ok.map((r) => (r.status === 'ok' ? r.prob_blurred : 0)),
      ok.map((r) => (r.status === 'ok' ? r.prob_sharp : 0)),
      file.confidenceThreshold,
      file.blurThreshold,
    );
    expect(file.provenance.achieved).toEqual({
      coverage: again.coverage,
      accuracy: again.accuracy,
      precision: again.precision,
      recall: again.recall,
      f1: again.f1,
    });
    // The chosen confidence threshold is the highest on the grid that keeps the coverage.
    const next = routedMetrics(
      ok.map((r) => (r.truth === 'blurred' ? 1 : 0)),
      ok.map((r) => (r.status === 'ok' ? r.prob_blurred : 0)),
      ok.map((r) => (r.status === 'ok' ? r.prob_sharp : 0)),
      file.confidenceThreshold + 0.005,
      0.5,
    );
    expect(next.coverage).toBeLessThan(0.6);
    const best = calibrateThresholds(recs, { bestF1: true }, '/x/predictions.jsonl', 'now');
    const decided = recs.filter((r) => r.status === 'ok' && Math.max(r.prob_sharp, r.prob_blurred) >= 0.6);
    const f1At = (t: number) =>
      binaryMetrics(
        decided.map((r) => (r.truth === 'blurred' ? 1 : 0)),
        decided.map((r) => (r.status === 'ok' ? r.prob_blurred : 0)),
        t,
      ).f1!;
    expect(best.provenance.targets).toEqual({ bestF1: true });
    // No threshold on a fine grid beats the chosen one on the decided images.
    for (let t = 0.01; t < 1; t += 0.01) expect(f1At(t)).toBeLessThanOrEqual(f1At(best.blurThreshold) + 1e-12);
    expect(() => calibrateThresholds(recs, { bestF1: true, targetRecall: 0.5 }, 'p')).toThrow(/give one of/);
    expect(() => calibrateThresholds(recs, { targetPrecision: 1.01 }, 'p')).toThrow(
      /no blur threshold reaches precision/,
    );
  });
});
