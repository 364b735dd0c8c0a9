import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Where an example runs: `js run=node` blocks as a Node script, `ts run=browser` blocks in Chromium. */
export type ExampleTarget = 'node' | 'browser';

/** A fenced code block of a README. */
export interface ReadmeBlock {
  /** e.g. `packages/web/README.md:11` */
  readonly where: string;
  /** The fence's language, e.g. `js`. */
  readonly lang: string;
  /** From `run=node` / `run=browser` in the fence's info string, or null. */
  readonly run: ExampleTarget | null;
  readonly code: string;
}

/** README.md and every packages/<name>/README.md. */
export function readmeFiles(): string[] {
  const packages = readdirSync(join(REPO_ROOT, 'packages'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(REPO_ROOT, 'packages', entry.name, 'README.md'));
  return [join(REPO_ROOT, 'README.md'), ...packages].filter((file) => {
    try {
      readFileSync(file);
      return true;
    } catch {
      return false;
    }
  });
}

/** The fenced blocks of the READMEs, with their `run=` marker. */
export function readmeBlocks(): ReadmeBlock[] {
  const blocks: ReadmeBlock[] = [];
  for (const file of readmeFiles()) {
    const lines = readFileSync(file, 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const open = /^```(\w+)?(.*)$/.exec(lines[i]!);
      if (!open) continue;
      const start = i;
      const body: string[] = [];
      for (i++; i < lines.length && !lines[i]!.startsWith('```'); i++) body.push(lines[i]!);
      const run = /\brun=(node|browser)\b/.exec(open[2] ?? '')?.[1] as ExampleTarget | undefined;
      blocks.push({
        where: `${relative(REPO_ROOT, file)}:${start + 1}`,
        lang: open[1] ?? '',
        run: run ?? null,
        code: `${body.join('\n')}\n`,
      });
    }
  }
  return blocks;
}

/** The README examples to run on `target`. */
export function readmeExamples(target: ExampleTarget): ReadmeBlock[] {
  return readmeBlocks().filter((block) => block.run === target);
}
