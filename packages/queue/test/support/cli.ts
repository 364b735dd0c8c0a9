import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = join(here, '..', '..', '..', '..');
/** The real `blurgate` CLI of @blurgate/node, which hands `queue` to @blurgate/queue. */
export const BLURGATE_CLI = join(REPO, 'packages', 'node', 'dist', 'cli.js');
export const NODE_FIXTURES = join(REPO, 'packages', 'node', 'test', 'fixtures');

export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A `blurgate queue ...` child process, with its output collected. */
export interface CliProcess {
  readonly child: ChildProcess;
  readonly done: Promise<CliRun>;
  output(): string;
}

export function startCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  const child = spawn(process.execPath, [BLURGATE_CLI, 'queue', ...args], {
    // The repo's models/ is a model store root only when named (the library never searches for it).
    env: { ...process.env, BLURGATE_MODELS_DIR: join(REPO, 'models'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const done = once(child, 'close').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
    stdout,
    stderr,
  }));
  return { child, done, output: () => stdout + stderr };
}

export async function runCli(args: readonly string[], timeoutMs = 60_000): Promise<CliRun> {
  const run = startCli(args);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), timeoutMs);
  try {
    return await run.done;
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until `condition()` holds, polling; throws with `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  condition: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Stops a child: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopCli(run: CliProcess, graceMs = 15_000): Promise<CliRun> {
  if (run.child.exitCode === null && run.child.signalCode === null) {
    run.child.kill('SIGTERM');
    const timer = setTimeout(() => run.child.kill('SIGKILL'), graceMs);
    try {
      return await run.done;
    } finally {
      clearTimeout(timer);
    }
  }
  return run.done;
}
