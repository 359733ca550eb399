// Browser smoke test of the dashboard: sign in, see the agents (and optionally the live feed).
//
// Usage: node web/e2e/smoke.mjs <baseUrl> <email> <password> <screenshotDir> [--expect-feed]
//
// On success prints the agent names as a JSON array on stdout and saves
// <screenshotDir>/dashboard-agents.png (see browser.mjs for the failure protocol).

import { join } from 'node:path';
import { TIMEOUT_MS, run, signIn, step } from './browser.mjs';

const USAGE =
  'usage: node web/e2e/smoke.mjs <baseUrl> <email> <password> <screenshotDir> [--expect-feed]';

const [baseUrl, email, password, screenshotDir, ...flags] = process.argv.slice(2);
const unknownFlags = flags.filter((f) => f !== '--expect-feed');
if (!baseUrl || !email || !password || !screenshotDir || unknownFlags.length > 0) {
  console.error(USAGE);
  process.exit(2);
}
const expectFeed = flags.includes('--expect-feed');
const base = baseUrl.replace(/\/+$/, '');

await run('smoke', screenshotDir, async ({ newPage }) => {
  const page = await newPage();
  await signIn(page, base, email, password);

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
  return names.map((n) => n.trim());
});
