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

/** Launches Debian's Chromium headless with a fresh profile. Fails loudly when it is not installed. */
export async function launchTestBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}; the browser tests need it. Install it with \`apt-get install chromium\` (CI does), or set BLURGATE_CHROMIUM to a Chromium binary.`,
    );
  }
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'blurgate-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--headless', ...FLAGS],
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
