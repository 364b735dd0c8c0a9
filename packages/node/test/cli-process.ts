import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

/** The built CLI (turbo builds before tests). */
export const CLI = resolve(__dirname, '..', 'dist', 'cli.js');

/** Preloaded into the CLI: writes the process's peak RSS (KiB) to stderr as it exits. */
const REPORT_RSS =
  'data:text/javascript,process.on("exit",()=>process.stderr.write("maxrss_kib="+process.resourceUsage().maxRSS+"\\n"))';

export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  /** stderr without the RSS report line. */
  readonly stderr: string;
  /** Peak resident memory of the CLI process, MiB. */
  readonly maxRssMiB: number;
}

export interface CliOptions {
  readonly env?: Record<string, string>;
  /** Run as this uid/gid (via setpriv; only as root): to test permissions root would bypass. */
  readonly asUser?: number;
  /** Called with the child once started (e.g. to send signals). */
  readonly onStart?: (child: ReturnType<typeof spawn>, output: { stdout: () => string }) => void;
  readonly timeoutMs?: number;
}

/** Runs `blurgate <args>` in `cwd` as a user would, with its peak RSS. */
export function runCli(args: readonly string[], cwd: string, options: CliOptions = {}): Promise<CliRun> {
  const node = [`--import=${REPORT_RSS}`, CLI, ...args];
  const [command, argv] =
    options.asUser === undefined
      ? [process.execPath, node]
      : [
          'setpriv',
          [`--reuid=${options.asUser}`, `--regid=${options.asUser}`, '--clear-groups', process.execPath, ...node],
        ];
  return new Promise((done, fail) => {
    const child = spawn(command, argv, {
      cwd,
      env: { ...process.env, BLURGATE_HOME: join(cwd, '.blurgate-home'), BLURGATE_MODELS_DIR: '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const rss = /maxrss_kib=(\d+)\n/.exec(stderr);
      done({
        code,
        signal,
        stdout,
        stderr: stderr.replace(/maxrss_kib=\d+\n/, ''),
        maxRssMiB: rss ? Number(rss[1]) / 1024 : Number.NaN,
      });
    });
    options.onStart?.(child, { stdout: () => stdout });
  });
}
