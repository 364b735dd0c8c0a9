import type { Page } from 'playwright-core';
import { launchTestBrowser, type TestBrowser, type TestBrowserOptions } from './browser.js';
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

/** Starts the test server (repo root, plus `aliases`) and Chromium (or `browser`'s), and opens the harness page. */
export async function openHarnessPage(
  options: Omit<StaticServerOptions, 'root'> & { readonly browser?: TestBrowserOptions } = {},
): Promise<HarnessPage> {
  const { browser: browserOptions, ...serverOptions } = options;
  const server = await startStaticServer({ root: REPO_ROOT, ...serverOptions });
  const browser = await launchTestBrowser(browserOptions);
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
