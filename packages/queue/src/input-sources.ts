import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { collectInputs, type InputProblem } from '@blurgate/node';
import { isUrl } from './job-id.js';

export interface InputSources {
  /** Files, folders, globs and http(s) URLs given as arguments. */
  readonly args: readonly string[];
  readonly recursive: boolean;
  /** A text file of paths or http(s) URLs, one a line (`-` for stdin); blank lines and `#` lines are skipped. */
  readonly list?: string;
}

/**
 * Streams the inputs to enqueue: the arguments expanded the way `blurgate classify` expands them
 * (URLs kept as they are), then the lines of the list file, read as they come so a list of
 * millions never sits in memory. `problems` collects arguments that gave nothing.
 */
export async function* expandInputs(sources: InputSources, problems: InputProblem[]): AsyncGenerator<string> {
  const urls = sources.args.filter(isUrl);
  const paths = sources.args.filter((a) => !isUrl(a));
  if (paths.length > 0) {
    const { files, problems: found } = await collectInputs(paths, sources.recursive);
    problems.push(...found);
    for (const file of files) {
      if (typeof file === 'string') yield file;
      // A job carries its input as JSON text, which cannot hold a name that is not UTF-8.
      else
        problems.push({
          input: file.name,
          code: 'READ_FAILED',
          message: `${file.name}: a file name that is not UTF-8 cannot be queued; rename it`,
        });
    }
  }
  yield* urls;
  if (sources.list !== undefined) {
    const stream = sources.list === '-' ? process.stdin : createReadStream(sources.list, { encoding: 'utf8' });
    for await (const raw of createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      yield line;
    }
  }
}
