/** The Hub's public host, used when no `hubUrl` is given. */
export const DEFAULT_HUB_URL = 'https://huggingface.co';

/** The URL a person can open to download `file` of a model repo at a revision. */
export function hubFileUrl(hubUrl: string, repo: string, revision: string, file: string): string {
  return `${hubUrl.replace(/\/+$/, '')}/${repo}/resolve/${encodeURIComponent(revision)}/${file}`;
}
