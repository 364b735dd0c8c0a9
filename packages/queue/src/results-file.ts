import { createReadStream } from 'node:fs';
import { open, stat, truncate } from 'node:fs/promises';
import { createInterface } from 'node:readline';

/** What a results file already holds, for resuming. */
export interface ExistingResults {
  /** Complete lines (one per input, in enqueue order). */
  readonly lines: number;
  /** Lines whose record has `"status":"error"`. */
  readonly errors: number;
  /** The last complete line, parsed, or null for an empty file. */
  readonly last: { readonly file?: unknown } | null;
  /** Bytes of an unfinished last line (a crash mid-write) that were cut off. */
  readonly truncatedBytes: number;
}

/**
 * Reads a JSON-lines results file written by `collect` (a missing file is empty) and cuts off an
 * unfinished last line, so appending resumes at a line boundary.
 */
export async function readExistingResults(path: string): Promise<ExistingResults> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { lines: 0, errors: 0, last: null, truncatedBytes: 0 };
    throw error;
  }
  if (size === 0) return { lines: 0, errors: 0, last: null, truncatedBytes: 0 };
  let lines = 0;
  let errors = 0;
  let previous: string | null = null;
  let current: string | null = null;
  for await (const line of createInterface({
    input: createReadStream(path, { encoding: 'utf8' }),
    crlfDelay: Number.POSITIVE_INFINITY,
  })) {
    previous = current;
    current = line;
    lines++;
    if (line.includes('"status":"error"')) errors++;
  }
  const handle = await open(path, 'r');
  const lastByte = Buffer.alloc(1);
  try {
    await handle.read(lastByte, 0, 1, size - 1);
  } finally {
    await handle.close();
  }
  let lastLine = current;
  let truncatedBytes = 0;
  if (lastByte[0] !== 0x0a && current !== null) {
    truncatedBytes = Buffer.byteLength(current);
    await truncate(path, size - truncatedBytes);
    lines--;
    if (current.includes('"status":"error"')) errors--;
    lastLine = previous;
  }
  return {
    lines,
    errors,
    last: lastLine === null ? null : (JSON.parse(lastLine) as { file?: unknown }),
    truncatedBytes,
  };
}
