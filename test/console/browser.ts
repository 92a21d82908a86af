import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium, with the flags a closed network needs: nothing is fetched from anywhere but the pages' own origin. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/**
 * A browser context that records the URL of every request any of its pages makes, so a test
 * can assert that none left the gateway's origin.
 */
export async function recordingContext(browser: Browser, options: { colorScheme?: 'light' | 'dark' } = {}): Promise<{ context: BrowserContext; requests: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, colorScheme: options.colorScheme ?? 'light', locale: 'vi-VN' });
  const requests: string[] = [];
  context.on('request', (request) => requests.push(request.url()));
  return { context, requests };
}

/** Requests that went anywhere but `origin` (data: URLs of inline images stay in the page). */
export const foreignRequests = (requests: string[], origin: string) => requests.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith('data:') && url !== 'about:blank');

/** Signs in through the development sign-in page as one of the sample personas. */
export async function signInAs(page: Page, base: string, personaId: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.waitForURL(/\/auth\/sign-in/);
  await page.locator('tr', { has: page.locator('code', { hasText: personaId }) }).getByRole('button').click();
  await page.waitForURL(`${base}/`);
}

export const SHOTS_DIR = process.env['CONSOLE_SHOTS_DIR'] ?? '/tmp/console-shots';

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS_DIR, { recursive: true });
  await page.screenshot({ path: `${SHOTS_DIR}/${name}.png`, fullPage: true });
}
