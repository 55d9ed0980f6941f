// Opens an HTML file in the machine's headless Chromium (Debian package `chromium`) through
// playwright-core, which never downloads a browser: the tests render what users will open.
// No Chromium is a failure, not a skip: CI installs it (.ci/run).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import type { Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'];

export interface RenderedPage {
  /** Console errors and uncaught page errors, in order. */
  errors: string[];
  /** Requests the page tried to make beyond its own file. */
  requests: string[];
  /** PNG of the full page. */
  screenshot: Buffer;
}

/** Loads `file` in a fresh profile, runs `inspect` on the page, and closes the browser. */
export async function renderInChromium<T>(file: string, inspect: (page: Page) => Promise<T>): Promise<RenderedPage & { result: T }> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install the Debian package (apt-get install chromium) or set CHROMIUM_PATH`);
  }
  const profile = mkdtempSync(path.join(os.tmpdir(), 'cachectl-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const errors: string[] = [];
    const requests: string[] = [];
    const url = pathToFileURL(file).href;
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('request', (request) => {
      if (request.url() !== url) requests.push(request.url());
    });
    await page.goto(url, { waitUntil: 'load' });
    const result = await inspect(page);
    const screenshot = await page.screenshot({ fullPage: true });
    return { errors, requests, screenshot, result };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
