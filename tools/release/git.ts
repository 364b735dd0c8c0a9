import { exec } from './exec.js';
import { ReleaseError } from './release-error.js';

/** Stops the release when the work tree has uncommitted or untracked files: a release is built from a commit. */
export async function assertCleanWorkTree(repoRoot: string): Promise<void> {
  const { stdout } = await exec('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: repoRoot });
  const dirty = stdout.split('\n').filter((line) => line.trim() !== '');
  if (dirty.length > 0) {
    const shown = dirty.slice(0, 20).join('\n  ');
    const more = dirty.length > 20 ? `\n  … and ${dirty.length - 20} more` : '';
    throw new ReleaseError(`the work tree is not clean; commit or remove these before releasing:\n  ${shown}${more}`);
  }
}

/** The commit being released and its committer date (ISO 8601). */
export async function headCommit(repoRoot: string): Promise<{ id: string; date: string }> {
  const { stdout } = await exec('git', ['log', '-1', '--format=%H %cI'], { cwd: repoRoot });
  const [id, date] = stdout.trim().split(' ');
  if (!id || !date) throw new ReleaseError(`could not read the HEAD commit of ${repoRoot}`);
  return { id, date };
}

/** The repository's top folder, from any folder inside it. */
export async function repositoryRoot(cwd: string): Promise<string> {
  const { stdout } = await exec('git', ['rev-parse', '--show-toplevel'], { cwd });
  return stdout.trim();
}
