// Flow: an operator works the task inbox. Approves an APPROVAL task (it completes at once),
// then takes an inspection task through every step: approve, assign (to themself), start,
// complete with a result and a note; each time the task leaves its tab and shows up in the
// next one with its new status.
//
// Usage: node web/e2e/flows/task-inbox.mjs
//   '{"baseUrl","email","password","screenshotDir","approvalTitle","workTitle"}'
// Prints {"approval": status seen, "work": [statuses seen, in order]}.

import { TIMEOUT_MS, flowArgs, navigate, openTab, run, signIn, step, taskCard } from '../browser.mjs';

const args = flowArgs('usage: node web/e2e/flows/task-inbox.mjs <json args>');

await run('task-inbox', args.screenshotDir, async ({ newPage, shot }) => {
  const page = await newPage();
  await signIn(page, args.base, args.email, args.password);
  await navigate(page, 'Tasks', 'Tasks');

  const approval = taskCard(page, args.approvalTitle);
  const work = taskCard(page, args.workTitle);
  await step('see both tasks pending', async () => {
    await approval.waitFor({ timeout: TIMEOUT_MS });
    await work.waitFor({ timeout: TIMEOUT_MS });
  });
  await shot(page, 'inbox-pending.png');

  /** Clicks `button` on `card`, then finds the task in `tab` and returns its status. */
  const act = async (card, button, tab, fill) => {
    await step(`${button} "${await card.locator('h3').innerText()}"`, async () => {
      await card.getByRole('button', { name: button, exact: true }).click();
      if (fill) await fill(card);
      await card.waitFor({ state: 'detached', timeout: TIMEOUT_MS });
    });
    await openTab(page, tab);
    await card.waitFor({ timeout: TIMEOUT_MS });
    return card.getAttribute('data-status');
  };

  const approvalStatus = await act(approval, 'Approve', 'Completed');
  await openTab(page, 'Pending');
  const statuses = [];
  statuses.push(await act(work, 'Approve', 'Approved'));
  statuses.push(
    await act(work, 'Assign', 'Assigned', async (card) => {
      const select = card.locator('select');
      await select.locator('option', { hasText: args.email }).waitFor({ state: 'attached', timeout: TIMEOUT_MS });
      await select.selectOption({ label: args.email });
      await card.getByRole('button', { name: 'Assign', exact: true }).last().click();
    }),
  );
  statuses.push(await act(work, 'Start', 'In progress'));
  await step('open the complete form', () => work.getByRole('button', { name: 'Complete', exact: true }).click());
  await work.getByLabel('Result').fill('{"dock": "clear", "photos": 3}');
  await work.getByLabel('Note for the agent (optional)').fill('All clear, photos attached');
  await shot(page, 'inbox-complete-form.png');
  await step('complete the task', async () => {
    await work.getByRole('button', { name: 'Complete task' }).click();
    await work.waitFor({ state: 'detached', timeout: TIMEOUT_MS });
  });
  await openTab(page, 'Completed');
  await work.waitFor({ timeout: TIMEOUT_MS });
  statuses.push(await work.getAttribute('data-status'));
  await step('see the result on the completed task', () =>
    work.getByText('All clear, photos attached').waitFor({ timeout: TIMEOUT_MS }),
  );
  await shot(page, 'inbox-completed.png');
  return { approval: approvalStatus, work: statuses };
});
