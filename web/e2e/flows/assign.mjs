// Flow: an admin opens the assign form of an approved task that has a place: the members
// are offered nearest first, with their distance; the admin assigns the nearest one and
// opens the task's history.
//
// Usage: node web/e2e/flows/assign.mjs '{"baseUrl","screenshotDir","email","password","title"}'
// Prints {"choices": [the assign form's option labels], "history": [actions in the task's
// history after the assignment]}.

import { TIMEOUT_MS, flowArgs, navigate, openTab, run, signIn, step, taskCard } from '../browser.mjs';

const args = flowArgs('usage: node web/e2e/flows/assign.mjs <json args>');

await run('assign', args.screenshotDir, async ({ newPage, shot }) => {
  const page = await newPage();
  await signIn(page, args.base, args.email, args.password);
  await navigate(page, 'Tasks', 'Tasks');
  await openTab(page, 'Approved');
  const card = taskCard(page, args.title);
  const choices = await step('open the assign form', async () => {
    await card.getByRole('button', { name: 'Assign' }).click();
    // The suggestions arrive after the form opens: wait for a distance.
    await page.waitForFunction(
      () => [...document.querySelectorAll('.task-form select option')].some((o) => / (k?m) · /.test(o.textContent)),
      null,
      { timeout: TIMEOUT_MS },
    );
    return (await card.locator('.task-form select option').allInnerTexts()).map((s) => s.trim()).filter((s) => s && !s.startsWith('Choose'));
  });
  await shot(page, 'assign-suggestions.png');
  const history = await step('assign the nearest and read the history', async () => {
    const first = card.locator('.task-form select option').nth(1);
    await card.locator('.task-form select').selectOption(await first.getAttribute('value'));
    await card.getByRole('button', { name: 'Assign', exact: true }).last().click();
    await openTab(page, 'Assigned');
    const assigned = taskCard(page, args.title);
    await assigned.getByRole('button', { name: 'History' }).click();
    await assigned.locator('.audit-row', { hasText: 'task.assign' }).waitFor({ timeout: TIMEOUT_MS });
    return assigned.locator('.audit-row code').allInnerTexts();
  });
  await shot(page, 'task-history.png');
  return { choices, history };
});
