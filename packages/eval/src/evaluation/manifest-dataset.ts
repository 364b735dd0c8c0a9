import { createReadStream } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { DatasetError } from './dataset-error.js';
import type { DatasetItem, Truth } from './dataset-types.js';

const BLURRED_LABELS = new Set(['blurred', 'blur', 'blurry', '1', 'true', 'positive']);
const SHARP_LABELS = new Set(['sharp', '0', 'false', 'negative']);

/** Reads a label the way people write it: `blurred`/`blur`/`1` or `sharp`/`0`. */
export function parseTruth(value: unknown, where: string): Truth {
  const text = String(value ?? '')
    .trim()
    .toLowerCase();
  if (BLURRED_LABELS.has(text)) return 'blurred';
  if (SHARP_LABELS.has(text)) return 'sharp';
  throw new DatasetError(
    'INVALID_OPTION',
    `${where}: label ${JSON.stringify(value)} is neither sharp (sharp, 0) nor blurred (blurred, blur, 1)`,
  );
}

function itemFor(manifestDir: string, rawPath: unknown, label: unknown, where: string): DatasetItem {
  if (typeof rawPath !== 'string' || rawPath.trim() === '')
    throw new DatasetError('INVALID_OPTION', `${where}: missing "path"`);
  const path = resolve(manifestDir, rawPath.trim());
  const rel = relative(manifestDir, path);
  // Paths outside the manifest's folder keep their absolute form as identity.
  const file = rel.startsWith('..') || isAbsolute(rel) ? path : rel.split(sep).join('/');
  return { file, path, truth: parseTruth(label, where) };
}

/** Streams a CSV manifest with a header naming `path` (or `file`) and `label` (or `truth`) columns. */
export async function* csvManifestItems(manifest: string): AsyncGenerator<DatasetItem> {
  const dir = dirname(manifest);
  const parser = createReadStream(manifest).pipe(
    parse({
      columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()),
      skip_empty_lines: true,
      trim: true,
      bom: true,
    }),
  );
  let line = 1;
  for await (const record of parser as AsyncIterable<Record<string, string>>) {
    line++;
    const where = `${manifest} row ${line}`;
    if (!('path' in record || 'file' in record) || !('label' in record || 'truth' in record)) {
      throw new DatasetError(
        'INVALID_OPTION',
        `${manifest}: the header must name a "path" and a "label" column (found: ${Object.keys(record).join(', ')})`,
      );
    }
    yield itemFor(dir, record.path ?? record.file, record.label ?? record.truth, where);
  }
}

/** Streams a JSONL manifest: one `{"path": ..., "label": ...}` object per line. */
export async function* jsonlManifestItems(manifest: string): AsyncGenerator<DatasetItem> {
  const dir = dirname(manifest);
  const lines = createInterface({ input: createReadStream(manifest), crlfDelay: Number.POSITIVE_INFINITY });
  let number = 0;
  for await (const line of lines) {
    number++;
    if (line.trim() === '') continue;
    const where = `${manifest} line ${number}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (cause) {
      throw new DatasetError('INVALID_OPTION', `${where}: not a JSON object (${(cause as Error).message})`, { cause });
    }
    if (typeof value !== 'object' || value === null)
      throw new DatasetError('INVALID_OPTION', `${where}: not a JSON object`);
    const record = value as Record<string, unknown>;
    yield itemFor(dir, record.path ?? record.file, record.label ?? record.truth, where);
  }
}
