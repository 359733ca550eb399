// Flow: an admin signs in, opens the overview afresh (timing its first render), and visits
// every section from the navigation; then the API goes away and the pages show why instead
// of a blank screen.
//
// Usage: node web/e2e/flows/navigation.mjs '{"baseUrl","email","password","screenshotDir"}'
// Prints {"sections": [the navigation's labels], "firstRenderMs": from navigation start to
// the overview's agents and feed shown, "downMessage": the error a page showed}.

import { TIMEOUT_MS, flowArgs, navigate, run, signIn, step } from '../browser.mjs';

const args = flowArgs('usage: node web/e2e/flows/navigation.mjs <json args>');

await run('navigation', args.screenshotDir, async ({ newPage, shot }) => {
  const page = await newPage();
  await signIn(page, args.base, args.email, args.password);
  const firstRenderMs = await step('open the overview afresh', async () => {
    await page.goto(`${args.base}/`, { waitUntil: 'commit', timeout: TIMEOUT_MS });
    // Rendered: both sections past their loading state (a fresh organization has no agents).
    await page.getByText('No agents yet.').waitFor({ timeout: TIMEOUT_MS });
    await page.locator('.badge-live').waitFor({ timeout: TIMEOUT_MS });
    return page.evaluate(() => performance.now());
  });
  await shot(page, 'overview.png');
  const sections = await step('read the navigation', async () => {
    await page.locator('nav.nav').getByRole('link', { name: 'Settings' }).waitFor({ timeout: TIMEOUT_MS });
    return page.locator('nav.nav a').allInnerTexts();
  });
  await navigate(page, 'Agents', 'Agents');
  await navigate(page, 'Tasks', 'Tasks');
  await navigate(page, 'My tasks', 'My tasks');
  await navigate(page, 'Settings', 'Settings');
  await page.locator('.api-key-row, .placeholder').first().waitFor({ timeout: TIMEOUT_MS });
  await shot(page, 'nav-settings.png');

  // The API is down (every GraphQL request fails), the dashboard itself still loads.
  await page.route('**/graphql', (route) => route.abort('connectionrefused'));
  const downMessage = await step('open the inbox with the API down', async () => {
    await page.goto(`${args.base}/tasks`, { waitUntil: 'domcontentloaded', timeout: TIMEOUT_MS });
    const error = page.locator('.error-state').first();
    await error.waitFor({ state: 'visible', timeout: TIMEOUT_MS });
    await page.getByRole('button', { name: 'Try again' }).first().waitFor({ timeout: TIMEOUT_MS });
    await page.locator('nav.nav').waitFor({ timeout: TIMEOUT_MS });
    return (await error.innerText()).trim();
  });
  await shot(page, 'api-down.png');
  return { sections: sections.map((s) => s.trim()), firstRenderMs, downMessage };
});
