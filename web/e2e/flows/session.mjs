// Flow: someone creates an organization on /signup, logs out (the stored session is cleared
// and /login shown), signs in again; then the access token expires — first as the dashboard
// knows it (its stored expiry passes), then as only the server knows it (it refuses the
// token) — and the pages keep working on a refreshed session.
//
// Usage: node web/e2e/flows/session.mjs
//   '{"baseUrl","screenshotDir","organization","email","password"}'
// Prints {"signedUpStorage": [keys stored after sign-up], "loggedOutRefreshToken": the
// refresh token the log-out ended, "storageAfterLogOut": [keys left], "refreshedByExpiry":
// bool, "refreshedAfterRefusal": bool, "tasksHeading": what /tasks showed after the refusal}.

import { TIMEOUT_MS, flowArgs, navigate, run, signIn, step } from '../browser.mjs';

const args = flowArgs('usage: node web/e2e/flows/session.mjs <json args>');
const stored = (page) =>
  page.evaluate(() =>
    Object.fromEntries(Object.keys(localStorage).filter((k) => k.startsWith('humanaios.')).map((k) => [k, localStorage.getItem(k)])),
  );

await run('session', args.screenshotDir, async ({ newPage, shot }) => {
  const page = await newPage();
  const signedUpStorage = await step('sign up', async () => {
    await page.goto(`${args.base}/signup`, { waitUntil: 'domcontentloaded', timeout: TIMEOUT_MS });
    await page.getByLabel('Organization name').fill(args.organization);
    await page.getByLabel('Email').fill(args.email);
    await page.getByLabel('Password').fill(args.password);
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.waitForURL((url) => new URL(url).pathname === '/', { timeout: TIMEOUT_MS });
    await page.locator('.org-name', { hasText: args.organization }).waitFor({ timeout: TIMEOUT_MS });
    return Object.keys(await stored(page)).sort();
  });
  await shot(page, 'signed-up.png');

  const loggedOutRefreshToken = (await stored(page))['humanaios.refresh'];
  const storageAfterLogOut = await step('log out', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL((url) => new URL(url).pathname === '/login', { timeout: TIMEOUT_MS });
    await page.locator('#email').waitFor({ timeout: TIMEOUT_MS });
    return Object.keys(await stored(page));
  });
  await shot(page, 'logged-out.png');

  await signIn(page, args.base, args.email, args.password);

  // The stored expiry passes: the next request refreshes first. Set while the page stays
  // (a reload could cut a refresh short after the server rotated the token).
  const refreshedByExpiry = await step('refresh when the token is about to expire', async () => {
    await page.locator('nav.nav').getByRole('link', { name: 'Audit log' }).waitFor({ timeout: TIMEOUT_MS });
    const before = await stored(page);
    await page.evaluate(() => localStorage.setItem('humanaios.expires', String(Date.now() - 1000)));
    await navigate(page, 'Tasks', 'Tasks');
    await page.getByText('No pending tasks.').waitFor({ timeout: TIMEOUT_MS });
    // The refresh token changes with every refresh (an access token issued in the same
    // second as the last one may read the same).
    await page.waitForFunction((old) => localStorage.getItem('humanaios.refresh') !== old, before['humanaios.refresh'], { timeout: TIMEOUT_MS });
    const after = await stored(page);
    return after['humanaios.refresh'] !== before['humanaios.refresh'] && Number(after['humanaios.expires']) > Date.now();
  });

  // The server refuses the token (as after its expiry): one refresh, one retry, same page.
  const { refreshedAfterRefusal, tasksHeading } = await step('refresh when the server refuses the token', async () => {
    const before = await stored(page);
    await page.evaluate(() => localStorage.setItem('humanaios.token', 'expired.not-a.token'));
    await page.goto(`${args.base}/tasks`, { waitUntil: 'domcontentloaded', timeout: TIMEOUT_MS });
    const heading = page.getByRole('heading', { name: 'Tasks', exact: true }).first();
    await heading.waitFor({ timeout: TIMEOUT_MS });
    await page.getByText('No pending tasks', { exact: false }).first().waitFor({ timeout: TIMEOUT_MS });
    await page.locator('.who', { hasText: args.email }).waitFor({ timeout: TIMEOUT_MS });
    const after = await stored(page);
    return {
      refreshedAfterRefusal:
        after['humanaios.token'] !== 'expired.not-a.token' && after['humanaios.refresh'] !== before['humanaios.refresh'],
      tasksHeading: (await heading.innerText()).trim(),
    };
  });
  if (new URL(page.url()).pathname !== '/tasks') throw new Error(`ended on ${page.url()}`);
  await shot(page, 'session-refreshed.png');
  return { signedUpStorage, loggedOutRefreshToken, storageAfterLogOut, refreshedByExpiry, refreshedAfterRefusal, tasksHeading };
});
