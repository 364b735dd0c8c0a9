/** Numerically stable softmax (the maximum is subtracted before exponentiating). */
export function softmax(logits: ArrayLike<number>): number[] {
  const n = logits.length;
  if (n === 0) return [];
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) if (logits[i] > max) max = logits[i];
  const out = new Array<number>(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.exp(logits[i] - max);
    out[i] = e;
    total += e;
  }
  for (let i = 0; i < n; i++) out[i] /= total;
  return out;
}
