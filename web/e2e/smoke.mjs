// Browser smoke test of the dashboard: sign in, see the agents (and optionally the live feed).
//
// Usage: node web/e2e/smoke.mjs <baseUrl> <email> <password> <screenshotDir> [--expect-feed]
//
// Drives the system Chromium (env CHROMIUM, default /usr/bin/chromium) through playwright-core.
// On success prints the agent names as a JSON array on stdout, saves
// <screenshotDir>/dashboard-agents.png and exits 0. On failure saves <screenshotDir>/failure.png,
// prints the reason (with the page's console errors) on stderr and exits 1.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const USAGE =
  'usage: node web/e2e/smoke.mjs <baseUrl> <email> <password> <screenshotDir> [--expect-feed]';
const TIMEOUT_MS = 15_000;

const [baseUrl, email, password, screenshotDir, ...flags] = process.argv.slice(2);
const unknownFlags = flags.filter((f) => f !== '--expect-feed');
if (!baseUrl || !email || !password || !screenshotDir || unknownFlags.length > 0) {
  console.error(USAGE);
  process.exit(2);
}
const expectFeed = flags.includes('--expect-feed');
const base = baseUrl.replace(/\/+$/, '');
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
let page;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => consoleErrors.push(String(err)));

  await step('open the login page', async () => {
    await page.goto(`${base}/login`, { waitUntil: 'domcontentloaded', timeout: TIMEOUT_MS });
    await page.locator('#email').waitFor({ state: 'visible', timeout: TIMEOUT_MS });
  });

  await step('sign in', async () => {
    await page.fill('#email', email);
    await page.fill('#password', password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Either the overview appears or the form shows the server's error.
    const outcome = await Promise.race([
      page.waitForURL((url) => new URL(url).pathname === '/', { timeout: TIMEOUT_MS }).then(() => 'ok'),
      page
        .locator('.form-error')
        .waitFor({ state: 'visible', timeout: TIMEOUT_MS })
        .then(async () => `the login form says: ${await page.locator('.form-error').innerText()}`),
    ]);
    if (outcome !== 'ok') throw new Error(outcome);
  });

  const names = await step('wait for at least one .agent-row', async () => {
    await page.locator('.agent-row').first().waitFor({ state: 'visible', timeout: TIMEOUT_MS });
    return page.locator('.agent-row .agent-name').allInnerTexts();
  });

  if (expectFeed) {
    await step('wait for at least one .feed-item', async () => {
      await page.locator('.feed-item').first().waitFor({ state: 'visible', timeout: TIMEOUT_MS });
    });
  }

  await page.screenshot({ path: join(screenshotDir, 'dashboard-agents.png'), fullPage: true });
  console.log(JSON.stringify(names.map((n) => n.trim())));
  await browser.close();
  process.exit(0);
} catch (err) {
  console.error(`smoke test failed: ${err.message}`);
  if (consoleErrors.length > 0) {
    console.error(`browser console errors:\n  ${consoleErrors.join('\n  ')}`);
  }
  if (page) {
    console.error(`page url: ${page.url()}`);
    await page
      .screenshot({ path: join(screenshotDir, 'failure.png'), fullPage: true })
      .catch((e) => console.error(`could not save failure.png: ${e.message}`));
  }
  await browser.close().catch(() => {});
  process.exit(1);
}

/** Runs one named step, so a failure says which step broke. */
async function step(name, fn) {
  try {
    return await fn();
  } catch (err) {
    throw new Error(`${name}: ${err.message.split('\n')[0]}`);
  }
}
