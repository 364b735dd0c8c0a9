import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// docs/reference-arithmetic.md §6: core is platform-free and silent. Guard it, since a stray import would only break browsers.
const srcDir = fileURLToPath(new URL('../src/', import.meta.url));
const sources = readdirSync(srcDir)
  .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
  .map((name) => [name, readFileSync(srcDir + name, 'utf8')] as const);

describe('core stays pure', () => {
  it.each(sources)('%s imports only relative modules (and semver) and never prints', (_name, text) => {
    const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]);
    // semver (pure JS, no platform APIs) is the one package core may use: model version rules.
    for (const specifier of specifiers) expect(specifier).toMatch(/^(\.\/|semver\/functions\/[a-z-]+\.js$)/);
    expect(text).not.toMatch(/\bconsole\.|\bprocess\.|\bglobalThis\b|\bBuffer\b/);
  });
});
