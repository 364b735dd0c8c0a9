import { spawn } from 'node:child_process';

export interface ExecOptions {
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Stream the child's output to ours (long steps such as the test suite) instead of capturing it. */
  readonly inherit?: boolean;
}

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Thrown when a command exits non-zero; carries its output for the error message. */
export class CommandFailedError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    const tail = `${stdout}\n${stderr}`.trim().split('\n').slice(-30).join('\n');
    super(`\`${command}\` failed with exit code ${exitCode}${tail ? `:\n${tail}` : ''}`);
    this.name = 'CommandFailedError';
  }
}

/** Runs a command without a shell (arguments are never re-parsed) and resolves with its output. */
export function exec(command: string, args: readonly string[], options: ExecOptions): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: options.inherit ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve({ stdout, stderr });
      else reject(new CommandFailedError([command, ...args].join(' '), code, stdout, stderr));
    });
  });
}
