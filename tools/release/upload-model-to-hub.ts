import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRepo, downloadFile, repoExists, uploadFiles } from '@huggingface/hub';
import { ReleaseError } from './release-error.js';
import type { ModelFolder } from './shipped-models.js';

export interface HubUploadOptions {
  readonly model: ModelFolder;
  /** `org/name` of the Hugging Face model repo. */
  readonly repo: string;
  /** Default: the real Hub. Tests and rehearsals pass a fake hub on 127.0.0.1. */
  readonly hubUrl?: string;
  /** From `HF_TOKEN`; required unless dry-run. Never printed. */
  readonly accessToken?: string;
  readonly releaseVersion: string;
  readonly gitCommit: string;
  readonly dryRun: boolean;
}

export interface HubUploadResult {
  readonly repo: string;
  readonly files: readonly string[];
  readonly commitTitle: string;
  /** The Hub's commit id, or null for a dry run. */
  readonly commit: string | null;
}

/** Files of a model folder that go to the Hub: the model, its manifest and its card. */
export function hubFiles(model: ModelFolder): string[] {
  const files = [model.manifest.file, 'manifest.json'];
  if (model.cardPath) files.push('README.md');
  return files.filter((f): f is string => f !== null);
}

/** The commit message of a model upload, naming the release. */
export function hubCommitTitle(model: ModelFolder, releaseVersion: string): string {
  return `blurgate release ${releaseVersion}: ${model.name} ${model.version}`;
}

/** Reads the `version` of the manifest already on the Hub, or null when the repo or manifest is absent. */
async function remoteManifestVersion(options: HubUploadOptions): Promise<string | null> {
  const repo = { type: 'model' as const, name: options.repo };
  const credentials = options.accessToken ? { accessToken: options.accessToken } : {};
  if (!(await repoExists({ repo, hubUrl: options.hubUrl, ...credentials }))) return null;
  const blob = await downloadFile({ repo, path: 'manifest.json', hubUrl: options.hubUrl, ...credentials });
  if (!blob) return null;
  try {
    const json = JSON.parse(await blob.text()) as { version?: unknown };
    return typeof json.version === 'string' ? json.version : null;
  } catch {
    throw new ReleaseError(
      `the manifest.json on the Hub repo ${options.repo} is not valid JSON; fix the repo by hand first`,
    );
  }
}

/**
 * Uploads the default model folder (model file, manifest, card) to a Hugging Face model repo in one commit.
 * A model version is immutable: when the repo's manifest already has this version the upload is refused.
 */
export async function uploadModelToHub(options: HubUploadOptions): Promise<HubUploadResult> {
  const { model } = options;
  const files = hubFiles(model);
  const commitTitle = hubCommitTitle(model, options.releaseVersion);
  const remoteVersion = await remoteManifestVersion(options);
  if (remoteVersion === model.version) {
    throw new ReleaseError(
      `${options.repo} on the Hub already has ${model.name} ${model.version}; a model version is uploaded once. ` +
        'Bump the model version (a new models/<name>/<version>/ folder) to upload a changed model.',
    );
  }
  if (options.dryRun) return { repo: options.repo, files, commitTitle, commit: null };
  if (!options.accessToken) {
    throw new ReleaseError(
      'HF_TOKEN is not set; the Hub upload needs a write token in the HF_TOKEN environment variable',
    );
  }
  const repo = { type: 'model' as const, name: options.repo };
  if (!(await repoExists({ repo, hubUrl: options.hubUrl, accessToken: options.accessToken }))) {
    await createRepo({ repo, hubUrl: options.hubUrl, accessToken: options.accessToken });
  }
  const contents = await Promise.all(
    files.map(async (path) => ({ path, content: new Blob([await readFile(join(model.dir, path))]) })),
  );
  const output = await uploadFiles({
    repo,
    files: contents,
    commitTitle,
    commitDescription: `Model ${model.name} ${model.version}, sha256 ${model.manifest.sha256}, released with blurgate ${options.releaseVersion} from git commit ${options.gitCommit}.`,
    hubUrl: options.hubUrl,
    accessToken: options.accessToken,
    // Plain HTTP commit (LFS where the Hub asks for it), no xet protocol.
    useXet: false,
  });
  return { repo: options.repo, files, commitTitle, commit: output?.commit.oid ?? null };
}
