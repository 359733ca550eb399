// Flow: an admin, on /settings, invites someone as a viewer (the link is shown once), and
// that person opens the link in their own browser, chooses a password and lands signed in
// with the invited role; the admin then makes an operator a viewer, adds a PII pattern and
// a model price override.
//
// Usage: node web/e2e/flows/settings.mjs
//   '{"baseUrl","screenshotDir","email","password","inviteeEmail","inviteePassword",
//     "operatorEmail","patternName","pattern","model"}'
// Prints {"invitationLink": the link shown, "inviteeWho": the invitee's header, "roleShown":
// the operator's role select after the change, "patternRow": the new rule's row text,
// "priceRow": the override's row text}.

import { TIMEOUT_MS, flowArgs, navigate, run, signIn, step } from '../browser.mjs';

const args = flowArgs('usage: node web/e2e/flows/settings.mjs <json args>');

await run('settings', args.screenshotDir, async ({ newPage, shot }) => {
  const page = await newPage();
  await signIn(page, args.base, args.email, args.password);
  await navigate(page, 'Settings', 'Settings');
  await page.getByRole('heading', { name: 'Members' }).waitFor({ timeout: TIMEOUT_MS });

  const invitationLink = await step('invite a viewer', async () => {
    await page.locator('#invite-email').fill(args.inviteeEmail);
    await page.locator('#invite-role').selectOption('VIEWER');
    await page.getByRole('button', { name: 'Invite' }).click();
    const link = page.locator('.invitation-link');
    await link.waitFor({ timeout: TIMEOUT_MS });
    await page.locator('.invitation-row', { hasText: args.inviteeEmail }).waitFor({ timeout: TIMEOUT_MS });
    return (await link.innerText()).trim();
  });
  await shot(page, 'invitation-link.png');
  await page.getByRole('button', { name: 'Done' }).click();

  const invitee = await newPage();
  const inviteeWho = await step('accept the invitation', async () => {
    await invitee.goto(invitationLink, { waitUntil: 'domcontentloaded', timeout: TIMEOUT_MS });
    await invitee.getByLabel('Password').fill(args.inviteePassword);
    await invitee.getByRole('button', { name: 'Join' }).click();
    await invitee.waitForURL((url) => new URL(url).pathname === '/', { timeout: TIMEOUT_MS });
    const who = invitee.locator('.who', { hasText: args.inviteeEmail });
    await who.waitFor({ timeout: TIMEOUT_MS });
    return (await who.innerText()).trim();
  });
  await shot(invitee, 'invitation-accepted.png');

  const roleShown = await step("make the operator a viewer", async () => {
    const select = page.getByLabel(`Role of ${args.operatorEmail}`);
    await select.selectOption('VIEWER');
    // The page reloads its data after the change; the select shows what the server holds.
    await page.waitForFunction(
      (label) => document.querySelector(`select[aria-label="${label}"]`)?.selectedOptions[0]?.text === 'viewer',
      `Role of ${args.operatorEmail}`,
      { timeout: TIMEOUT_MS },
    );
    await page.locator('.member-row', { hasText: args.inviteeEmail }).waitFor({ timeout: TIMEOUT_MS });
    return select.evaluate((s) => s.selectedOptions[0].text);
  });

  const patternRow = await step('add a PII pattern', async () => {
    await page.locator('#pattern-name').fill(args.patternName);
    await page.locator('#pattern-regex').fill(args.pattern);
    await page.getByRole('button', { name: 'Add pattern' }).click();
    const row = page.locator(`.redaction-row[data-rule="${args.patternName}"]`);
    await row.waitFor({ timeout: TIMEOUT_MS });
    return (await row.innerText()).replace(/\s+/g, ' ').trim();
  });

  const priceRow = await step('override a model price', async () => {
    await page.locator('#price-model').fill(args.model);
    await page.locator('#price-input').fill('1.5');
    await page.locator('#price-output').fill('6');
    await page.getByRole('button', { name: 'Set price' }).click();
    const row = page.locator('.price-row[data-source="override"]', { hasText: args.model });
    await row.waitFor({ timeout: TIMEOUT_MS });
    return (await row.innerText()).replace(/\s+/g, ' ').trim();
  });
  await shot(page, 'settings-admin.png');
  return { invitationLink, inviteeWho, roleShown, patternRow, priceRow };
});
