// Flow: an admin opens the audit log, filters it by action, pages through it, and verifies
// the hash chain.
//
// Usage: node web/e2e/flows/audit.mjs '{"baseUrl","screenshotDir","email","password"}'
// Prints {"firstPage": rows on the first page, "filteredActions": [actions shown for the
// filter "agent"], "secondPage": rows on the next page, "verdict": what the button said}.

import { TIMEOUT_MS, flowArgs, navigate, run, signIn, step } from '../browser.mjs';

const args = flowArgs('usage: node web/e2e/flows/audit.mjs <json args>');

await run('audit', args.screenshotDir, async ({ newPage, shot }) => {
  const page = await newPage();
  await signIn(page, args.base, args.email, args.password);
  // The admin's sections appear once the role is known; the links move then.
  await page.locator('nav.nav').getByRole('link', { name: 'Audit log' }).waitFor({ timeout: TIMEOUT_MS });
  await navigate(page, 'Audit log', 'Audit log');
  const rows = page.locator('.audit-row');
  const firstPage = await step('read the first page', async () => {
    await rows.first().waitFor({ timeout: TIMEOUT_MS });
    return rows.count();
  });
  const secondPage = await step('page to older entries', async () => {
    const firstSeq = await rows.first().locator('td').first().innerText();
    await page.getByRole('button', { name: 'Older' }).click();
    await page.getByText('Page 2').waitFor({ timeout: TIMEOUT_MS });
    await page.waitForFunction(
      (seq) => document.querySelector('.audit-row td')?.innerText !== seq,
      firstSeq,
      { timeout: TIMEOUT_MS },
    );
    const count = await rows.count();
    await page.getByRole('button', { name: 'Newer' }).click();
    await page.getByText('Page 1').waitFor({ timeout: TIMEOUT_MS });
    return count;
  });
  const filteredActions = await step('filter by action', async () => {
    await page.getByLabel('Action').fill('agent');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForFunction(
      () => [...document.querySelectorAll('.audit-row code')].every((c) => c.innerText.startsWith('agent')),
      null,
      { timeout: TIMEOUT_MS },
    );
    return page.locator('.audit-row code').allInnerTexts();
  });
  const verdict = await step('verify the chain', async () => {
    await page.getByRole('button', { name: 'Verify chain' }).click();
    const v = page.locator('.verdict');
    await v.waitFor({ timeout: TIMEOUT_MS });
    return (await v.innerText()).trim();
  });
  await shot(page, 'audit-verified.png');
  return { firstPage, filteredActions, secondPage, verdict };
});
