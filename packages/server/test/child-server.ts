import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { NODE_CLI, REPO } from './helpers.js';

/** `blurgate serve` in a child process, as a user starts it. */
export interface ChildServer {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  readonly url: string;
  /** Everything written so far (pino JSON lines on stdout, the banner and errors on stderr). */
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal's name). */
  readonly exited: Promise<number | string>;
}

export async function startChildServer(args: string[], env: Record<string, string> = {}): Promise<ChildServer> {
  const child = spawn(process.execPath, [NODE_CLI, 'serve', '--port', '0', ...args], {
    cwd: REPO,
    // The repo's models/ is a model store root only when named (the library never searches for it).
    env: { ...process.env, BLURGATE_MODELS_DIR: join(REPO, 'models'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`blurgate serve did not start within 60 s:\n${err}`)), 60_000);
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString('utf8');
      const m = /blurgate serve: (http:\/\/[\d.]+:\d+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`blurgate serve exited with ${code}:\n${err}`));
    });
  });
  return { child, url, stdout: () => out, stderr: () => err, exited };
}

/** The pino JSON lines of a child's stdout. */
export function logLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
