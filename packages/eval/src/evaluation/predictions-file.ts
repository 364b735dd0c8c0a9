import { open, readFile, truncate } from 'node:fs/promises';
import { isPredictionRecord, type PredictionRecord } from './prediction-record.js';

/** predictions.jsonl read back: the last record per file wins. */
export interface LoadedPredictions {
  readonly records: PredictionRecord[];
  /** Byte length of the complete lines; anything after it is a partial line from an interrupted run. */
  readonly completeBytes: number;
  /** True when a partial (unparsable, unterminated) last line was found and ignored. */
  readonly partialLastLine: boolean;
}

/**
 * Reads predictions.jsonl, tolerating a partial last line (an interrupted write); a malformed line elsewhere is an
 * error naming its line number. A missing file reads as empty.
 */
export async function loadPredictions(path: string): Promise<LoadedPredictions> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { records: [], completeBytes: 0, partialLastLine: false };
    throw error;
  }
  const byFile = new Map<string, PredictionRecord>();
  let start = 0;
  let line = 0;
  let completeBytes = 0;
  let partialLastLine = false;
  while (start < bytes.length) {
    line++;
    const newline = bytes.indexOf(10, start);
    const end = newline < 0 ? bytes.length : newline;
    const text = bytes.subarray(start, end).toString('utf8').trim();
    let parsed: unknown;
    let ok = text === '';
    if (!ok) {
      try {
        parsed = JSON.parse(text);
        ok = isPredictionRecord(parsed);
      } catch {
        ok = false;
      }
    }
    if (!ok) {
      if (newline < 0) {
        partialLastLine = true;
        break;
      }
      throw new Error(`${path} line ${line} is not a prediction record; move the file away to start over`);
    }
    if (parsed !== undefined) {
      const record = parsed as PredictionRecord;
      byFile.delete(record.file);
      byFile.set(record.file, record);
    }
    if (newline < 0) {
      // A complete record without its newline: keep it, and let the appender add the newline.
      completeBytes = bytes.length;
      break;
    }
    start = newline + 1;
    completeBytes = start;
  }
  return { records: [...byFile.values()], completeBytes, partialLastLine };
}

/** Appends records one line each; opened after cutting any partial last line. */
export interface PredictionsWriter {
  append(record: PredictionRecord): Promise<void>;
  close(): Promise<void>;
}

/** Opens predictions.jsonl for appending, first truncating it to `completeBytes` (dropping a partial line). */
export async function openPredictionsWriter(path: string, completeBytes: number): Promise<PredictionsWriter> {
  let needsNewline = false;
  try {
    await truncate(path, completeBytes);
    if (completeBytes > 0) {
      const handle = await open(path, 'r');
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, completeBytes - 1);
      await handle.close();
      needsNewline = last[0] !== 10;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const handle = await open(path, 'a');
  return {
    async append(record) {
      // One write per line keeps an interruption to at most one partial line.
      const prefix = needsNewline ? '\n' : '';
      needsNewline = false;
      await handle.write(`${prefix}${JSON.stringify(record)}\n`);
    },
    close: () => handle.close(),
  };
}
