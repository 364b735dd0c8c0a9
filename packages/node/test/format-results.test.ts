import { describe, expect, it } from 'vitest';
import { classificationRecord as jsonRecord, round4 } from '@blurgate/core';
import { errorLine, plainLine, ResultTally, showBytes, tableHeader, tableRow } from '../src/cli/format-results.js';

describe('round4', () => {
  it('rounds like Python round(x, 4) on the exact binary value', () => {
    // Values from /usr/bin/python3: round(x, 4)
    const cases: [number, number][] = [
      [0.12345, 0.1235], // the double is slightly above ...45
      [0.00015, 0.0001], // the double is slightly below ...15
      [0.99995, 1],
      // Math.round(x * 1e4) / 1e4 gets these wrong (0.0004, 0.0005, 0.0011):
      [0.00035, 0.0003],
      [0.00045, 0.0004],
      [0.00105, 0.001],
      [0.5, 0.5],
      [1, 1],
      [0.071055687531702, 0.0711],
      [1e-9, 0],
    ];
    for (const [x, expected] of cases) expect(round4(x), String(x)).toBe(expected);
  });
});

describe('jsonRecord', () => {
  it('keeps the reference field names first and nulls them for errors', () => {
    const ok = jsonRecord({
      status: 'ok',
      input: 'a.png',
      label: 'sharp',
      confidence: 0.91234567,
      probSharp: 0.91234567,
      probBlurred: 0.08765433,
      scales: [{ scale: 384, probSharp: 0.91234567, probBlurred: 0.08765433 }],
    });
    expect(ok).toEqual({
      file: 'a.png',
      label: 'sharp',
      confidence: 0.9123,
      prob_sharp: 0.9123,
      prob_blurred: 0.0877,
      status: 'ok',
      error: null,
      scales: [{ scale: 384, prob_sharp: 0.9123, prob_blurred: 0.0877 }],
    });
    const bad = jsonRecord({ status: 'error', input: 'b.jpg', error: { code: 'DECODE_FAILED', message: 'm' } });
    expect(Object.keys(bad).slice(0, 5)).toEqual(['file', 'label', 'confidence', 'prob_sharp', 'prob_blurred']);
    expect(bad).toMatchObject({ status: 'error', label: null, error: { code: 'DECODE_FAILED', message: 'm' } });
  });
});

describe('human output', () => {
  const ok = {
    status: 'ok' as const,
    input: 'dir/a.png',
    label: 'blurred' as const,
    confidence: 0.87654,
    probSharp: 0.12346,
    probBlurred: 0.87654,
    scales: [],
  };
  const bad = { status: 'error' as const, input: 'b.jpg', error: { code: 'DECODE_FAILED' as const, message: 'm' } };

  it('table rows line up under the header', () => {
    const header = tableHeader();
    const row = tableRow(ok);
    expect(row.indexOf('dir/a.png')).toBe(header.indexOf('FILE'));
    expect(tableRow(bad).indexOf('b.jpg')).toBe(header.indexOf('FILE'));
    expect(row).toMatch(/^blurred\s+0\.8765\s+0\.8765\s+dir\/a\.png$/);
  });

  it('plain lines are tab-separated file, label, confidence, p_blurred', () => {
    expect(plainLine(ok)).toBe('dir/a.png\tblurred\t0.8765\t0.8765');
    expect(plainLine(bad)).toBe('b.jpg\terror\t-\t-');
  });

  it('the summary counts labels and errors', () => {
    const tally = new ResultTally();
    for (const outcome of ['sharp', 'sharp', 'blurred', 'error'] as const) tally.add(outcome);
    expect(tally.summary()).toBe('4 inputs: 2 sharp, 1 blurred, 0 uncertain, 1 error');
  });
});

describe('names in plain output (issue 16 row 11)', () => {
  const ok = (input: string | { path: Buffer; name: string }) =>
    plainLine({ status: 'ok', input, label: 'sharp', confidence: 0.9, probSharp: 0.9, probBlurred: 0.1, scales: [] });

  it('quotes names that would split the line or the fields, and only those', () => {
    expect(ok('a b/c.jpg')).toBe('a b/c.jpg\tsharp\t0.9000\t0.1000');
    expect(ok('ünïcödé.png').split('\t')[0]).toBe('ünïcödé.png');
    expect(ok('tab\there.png').split('\t')[0]).toBe('"tab\\there.png"');
    expect(ok('new\nline.png').split('\t')[0]).toBe('"new\\nline.png"');
    expect(ok('say "hi".png').split('\t')[0]).toBe('"say \\"hi\\".png"');
    expect(ok('back\\slash.png').split('\t')[0]).toBe('"back\\\\slash.png"');
    expect(ok(' leading.png').split('\t')[0]).toBe('" leading.png"');
    expect(ok('bell\x07.png').split('\t')[0]).toBe('"bell\\u0007.png"');
  });

  it('writes bytes that are not UTF-8 as \\xNN, keeping valid characters around them', () => {
    const path = Buffer.concat([Buffer.from('dir/é'), Buffer.from([0xff, 0xc3]), Buffer.from('.png')]);
    expect(ok({ path, name: 'unused' }).split('\t')[0]).toBe('"dir/é\\xff\\xc3.png"');
    expect(showBytes(path)).toBe('dir/é\\xff\\xc3.png');
  });

  it('error lines are one line, name quoted, message flattened', () => {
    expect(errorLine('new\nline.jpg', 'DECODE_FAILED', 'new\nline.jpg: the JPEG data\nis truncated')).toBe(
      'error: "new\\nline.jpg": the JPEG data is truncated [DECODE_FAILED]',
    );
  });
});
