import type { Page } from 'playwright-core';
import { launchTestBrowser, type TestBrowser } from './browser.js';
import { HARNESS_PATH, REPO_ROOT } from './harness.js';
import { type StaticServer, type StaticServerOptions, startStaticServer } from './static-server.js';

/** Chromium on the harness page, served from the repo root. */
export interface HarnessPage {
  readonly server: StaticServer;
  readonly browser: TestBrowser;
  readonly page: Page;
  /** Uncaught errors of the page. */
  readonly pageErrors: string[];
  close(): Promise<void>;
}

/** Starts the test server (repo root, plus `aliases`) and Chromium, and opens the harness page. */
export async function openHarnessPage(options: Omit<StaticServerOptions, 'root'> = {}): Promise<HarnessPage> {
  const server = await startStaticServer({ root: REPO_ROOT, ...options });
  const browser = await launchTestBrowser();
  const { page, pageErrors } = await browser.newPage();
  await page.goto(`${server.url}${HARNESS_PATH}`);
  await page.waitForFunction(() => 'blurgate' in globalThis);
  return {
    server,
    browser,
    page,
    pageErrors,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}
