import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readmeExamples } from '../../node/test/readme-examples.js';
import { HARNESS_PATH, ORT_DIST, REPO_ROOT } from './support/harness.js';
import { type HarnessPage, openHarnessPage } from './support/harness-page.js';

const WEB_DIR = fileURLToPath(new URL('../', import.meta.url));
const EXAMPLES = readmeExamples('browser');

/** What the examples take from the page around them, declared for tsc and defined in Chromium. */
const AMBIENT = `/** A file input after the user picked a photo. */
declare const fileInput: { readonly files: readonly File[] };
declare const files: File[];
declare const file: File;
declare const signal: AbortSignal;
`;
const SAMPLE = '/samples/blurred-opencv_board_000.jpg';
const PRELUDE = `const photo = new File([await (await fetch('${SAMPLE}')).blob()], 'photo.jpg', { type: 'image/jpeg' });
const fileInput = { files: [photo] };
const files = [photo, new File(['not an image'], 'notes.txt')];
const file = photo;
const signal = new AbortController().signal;
const alerts = [];
const alert = (message) => alerts.push(message);
`;

let harness: HarnessPage;
let scratch: string;

beforeAll(async () => {
  // The repo at /, and onnxruntime-web's files at /ort/, where the examples say to serve them.
  harness = await openHarnessPage({ aliases: { '/ort/': path.join(REPO_ROOT, ORT_DIST) } });
  scratch = await mkdtemp(path.join(WEB_DIR, 'test', '.readme-examples-'));
});

afterAll(async () => {
  await harness?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('README browser examples', () => {
  it('exist', () => {
    expect(EXAMPLES.length).toBeGreaterThanOrEqual(3);
  });

  it('type-check against @blurgate/web', async () => {
    const files = await Promise.all(
      EXAMPLES.map(async (example) => {
        const file = path.join(scratch, `${example.where.replace(/[^\w]+/g, '-')}.ts`);
        // `export {}` makes each a module (top-level await) with its own scope.
        await writeFile(file, `${AMBIENT}${example.code}\nexport {};\n`);
        return file;
      }),
    );
    const config = ts.getParsedCommandLineOfConfigFile(
      path.join(WEB_DIR, 'tsconfig.json'),
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: () => undefined,
      },
    );
    const program = ts.createProgram(files, config!.options);
    const problems = ts
      .getPreEmitDiagnostics(program)
      .map((d) => `${path.basename(d.file?.fileName ?? '')}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(problems).toEqual([]);
  });

  it.each(EXAMPLES.map((example) => [example.where, example] as const))(
    '%s runs in Chromium as written',
    async (_where, example) => {
      const { page, pageErrors } = await harness.browser.newPage();
      await page.goto(`${harness.server.url}${HARNESS_PATH}`);
      await page.waitForFunction(() => 'blurgate' in globalThis);
      const js = ts.transpileModule(example.code, {
        compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
      }).outputText;
      const imports = js.split('\n').filter((line) => /^import\s/.test(line));
      const body = js.split('\n').filter((line) => !/^import\s/.test(line));
      const logs: string[] = [];
      page.on('console', (message) => logs.push(message.text()));
      await page.addScriptTag({
        type: 'module',
        content: `${imports.join('\n')}
${PRELUDE}
try {
${body.join('\n')}
  window.exampleOutcome = { ok: true, alerts };
} catch (error) {
  window.exampleOutcome = { ok: false, error: String(error?.name) + ': ' + String(error?.message) };
}`,
      });
      await page.waitForFunction(() => 'exampleOutcome' in globalThis, undefined, { timeout: 60_000 });
      const outcome = await page.evaluate(
        () =>
          (globalThis as unknown as { exampleOutcome: { ok: boolean; error?: string; alerts?: string[] } })
            .exampleOutcome,
      );
      expect(outcome, JSON.stringify({ outcome, logs })).toMatchObject({ ok: true });
      expect(pageErrors).toEqual([]);
      await page.close();
    },
  );
});
