// Flow: an admin creates an API key (its secret shown once), rotates it (a new secret, the
// old key kept for its grace period) and revokes the successor; then a viewer signs in and
// finds no Settings section and no task buttons they may not use.
//
// Usage: node web/e2e/flows/api-keys.mjs
//   '{"baseUrl","email","password","screenshotDir","keyName","viewerEmail","viewerPassword",
//     "pendingTitle"}'
// Prints {"created": secret, "rotated": secret, "viewerSections": [labels],
// "viewerTaskButtons": [labels on the pending task], "viewerSettings": what /settings says}.

import { TIMEOUT_MS, flowArgs, navigate, run, signIn, step, taskCard } from '../browser.mjs';

const args = flowArgs('usage: node web/e2e/flows/api-keys.mjs <json args>');

await run('api-keys', args.screenshotDir, async ({ newPage, shot }) => {
  const page = await newPage();
  await signIn(page, args.base, args.email, args.password);
  await navigate(page, 'Settings', 'Settings');

  const secretShown = async () => {
    const secret = page.locator('.secret-value');
    await secret.waitFor({ state: 'visible', timeout: TIMEOUT_MS });
    return (await secret.innerText()).trim();
  };
  const created = await step('create a key', async () => {
    await page.getByLabel('Name').fill(args.keyName);
    await page.getByLabel('Scope').selectOption('INGEST');
    await page.getByRole('button', { name: 'Create key' }).click();
    return secretShown();
  });
  await page.locator('.api-key-row', { hasText: args.keyName }).waitFor({ timeout: TIMEOUT_MS });
  await shot(page, 'api-key-created.png');
  await page.getByRole('button', { name: 'Done' }).click();

  const row = (state) =>
    page.locator('.api-key-row', { hasText: args.keyName }).filter({
      has: page.locator('.api-key-state', { hasText: new RegExp(`^${state}`) }),
    });
  const rotated = await step('rotate the key', async () => {
    await row('active$').getByRole('button', { name: 'Rotate' }).click();
    const secret = await secretShown();
    await row('active until').waitFor({ timeout: TIMEOUT_MS });
    return secret;
  });
  await shot(page, 'api-key-rotated.png');
  await page.getByRole('button', { name: 'Done' }).click();

  await step('revoke the new key', async () => {
    await row('active$').getByRole('button', { name: 'Revoke' }).click();
    await row('revoked').waitFor({ timeout: TIMEOUT_MS });
    await row('revoked').getByRole('button').waitFor({ state: 'detached', timeout: TIMEOUT_MS });
  });
  await shot(page, 'api-key-revoked.png');

  // A viewer: no Settings in the navigation, nothing to press on /settings or in the inbox.
  const viewer = await newPage();
  await signIn(viewer, args.base, args.viewerEmail, args.viewerPassword);
  const viewerSections = await step('read the viewer navigation', async () => {
    await viewer.locator('nav.nav').getByRole('link', { name: 'My tasks' }).waitFor({ timeout: TIMEOUT_MS });
    // The role arrives with the viewer query; wait until the header shows it.
    await viewer.locator('.who', { hasText: 'viewer' }).waitFor({ timeout: TIMEOUT_MS });
    return (await viewer.locator('nav.nav a').allInnerTexts()).map((s) => s.trim());
  });
  await navigate(viewer, 'Tasks', 'Tasks');
  const viewerTaskButtons = await step('read the buttons on a pending task', async () => {
    const card = taskCard(viewer, args.pendingTitle);
    await card.waitFor({ timeout: TIMEOUT_MS });
    return card.getByRole('button').allInnerTexts();
  });
  await shot(viewer, 'viewer-tasks.png');
  const viewerSettings = await step('open /settings as a viewer', async () => {
    await viewer.goto(`${args.base}/settings`, { waitUntil: 'domcontentloaded', timeout: TIMEOUT_MS });
    const note = viewer.getByText('Only admins manage');
    await note.waitFor({ timeout: TIMEOUT_MS });
    if ((await viewer.locator('main button').count()) > 0) {
      throw new Error('the viewer sees buttons on /settings');
    }
    return (await note.innerText()).trim();
  });
  return { created, rotated, viewerSections, viewerTaskButtons, viewerSettings };
});
