// What every browser test of the dashboard shares: launching Debian's Chromium through
// playwright-core, signing in through the login form, named steps, screenshots, and the exit
// protocol the Rust tests read (success: one JSON line on stdout, exit 0; failure: the
// reason and the page's console errors on stderr, <screenshotDir>/<name>-failure.png, exit 1).

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

/** How long any one wait may take before the step fails. */
export const TIMEOUT_MS = 15_000;

/**
 * Runs a browser test. `body({ browser, newPage, shot })` returns what to print as JSON.
 * `newPage(viewport)` opens a page in a fresh context (its own localStorage, so its own
 * sign-in); `shot(page, file)` saves a full-page screenshot in `screenshotDir`.
 */
export async function run(name, screenshotDir, body) {
  mkdirSync(screenshotDir, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const consoleErrors = [];
  const pages = [];
  const newPage = async (viewport = { width: 1280, height: 900 }) => {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(String(err)));
    pages.push(page);
    return page;
  };
  const shot = (page, file) => page.screenshot({ path: join(screenshotDir, file), fullPage: true });
  try {
    const result = await body({ browser, newPage, shot });
    console.log(JSON.stringify(result ?? {}));
    await browser.close();
    process.exit(0);
  } catch (err) {
    console.error(`${name} failed: ${err.message}`);
    if (consoleErrors.length > 0) {
      console.error(`browser console errors:\n  ${consoleErrors.join('\n  ')}`);
    }
    const page = pages.at(-1);
    if (page) {
      console.error(`page url: ${page.url()}`);
      await shot(page, `${name}-failure.png`).catch((e) =>
        console.error(`could not save the failure screenshot: ${e.message}`),
      );
    }
    await browser.close().catch(() => {});
    process.exit(1);
  }
}

/** Runs one named step, so a failure says which step broke. */
export async function step(name, fn) {
  try {
    return await fn();
  } catch (err) {
    throw new Error(`${name}: ${err.message.split('\n')[0]}`);
  }
}

/** Signs in through the login form and waits for the overview (or the form's error). */
export async function signIn(page, base, email, password) {
  await step('open the login page', async () => {
    await page.goto(`${base}/login`, { waitUntil: 'domcontentloaded', timeout: TIMEOUT_MS });
    await page.locator('#email').waitFor({ state: 'visible', timeout: TIMEOUT_MS });
  });
  await step(`sign in as ${email}`, async () => {
    await page.fill('#email', email);
    await page.fill('#password', password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const outcome = await Promise.race([
      page.waitForURL((url) => new URL(url).pathname === '/', { timeout: TIMEOUT_MS }).then(() => 'ok'),
      page
        .locator('.form-error')
        .waitFor({ state: 'visible', timeout: TIMEOUT_MS })
        .then(async () => `the login form says: ${await page.locator('.form-error').innerText()}`),
    ]);
    if (outcome !== 'ok') throw new Error(outcome);
  });
}

/** Follows a link of the main navigation and waits for the page's heading. */
export async function navigate(page, label, heading) {
  await step(`open ${label}`, async () => {
    await page.locator('nav.nav').getByRole('link', { name: label, exact: true }).click();
    await page.getByRole('heading', { name: heading, exact: true }).first().waitFor({ timeout: TIMEOUT_MS });
  });
}

/** The card of the task titled `title`. */
export function taskCard(page, title) {
  return page.locator('.task-card', { has: page.getByRole('heading', { name: title, exact: true }) });
}

/** Opens a tab of the inbox (`Pending`, `In progress`…). */
export async function openTab(page, label) {
  await step(`open the ${label} tab`, async () => {
    await page.locator('.tabs').getByRole('link', { name: label, exact: true }).click();
    await page.locator(`.tab[aria-selected="true"]`, { hasText: label }).waitFor({ timeout: TIMEOUT_MS });
  });
}

/** The arguments of a flow: one JSON object, the first command-line argument. */
export function flowArgs(usage) {
  try {
    const args = JSON.parse(process.argv[2]);
    args.base = args.baseUrl.replace(/\/+$/, '');
    return args;
  } catch {
    console.error(usage);
    process.exit(2);
  }
}
