import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env['BLURGATE_CHROMIUM'] ?? '/usr/bin/chromium';

const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface TestBrowser {
  readonly context: BrowserContext;
  /** Opens a page that records uncaught errors and unhandled rejections (`pageErrors`). */
  newPage(): Promise<{ page: Page; pageErrors: string[] }>;
  close(): Promise<void>;
}

/** Another Chromium binary and switches, e.g. a build with WebNN (see webnn-chromium.mjs). */
export interface TestBrowserOptions {
  readonly executablePath?: string;
  readonly extraArgs?: readonly string[];
}

/** Launches Debian's Chromium (or `executablePath`) headless with a fresh profile. Fails loudly when it is not installed. */
export async function launchTestBrowser(options: TestBrowserOptions = {}): Promise<TestBrowser> {
  const executablePath = options.executablePath ?? CHROMIUM_PATH;
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium is not installed at ${executablePath}; the browser tests need it. Install it with \`apt-get install chromium\` (CI does), or set BLURGATE_CHROMIUM to a Chromium binary.`,
    );
  }
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'blurgate-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: ['--headless', ...FLAGS, ...(options.extraArgs ?? [])],
  });
  return {
    context,
    async newPage() {
      const page = await context.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      return { page, pageErrors };
    },
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
