// Flow: an operator's inbox is out of date (its live link is cut, so it does not hear that
// an admin approved the task meanwhile); approving the task there is refused with
// VERSION_CONFLICT, the inbox says so in plain words and reloads, and the task shows up in
// the Approved tab.
//
// Usage: node web/e2e/flows/task-conflict.mjs
//   '{"baseUrl","email","password","screenshotDir","title","taskId","otherToken"}'
// Prints {"message": what the inbox said, "statusAfter": the task's status in its new tab}.

import { TIMEOUT_MS, flowArgs, navigate, openTab, run, signIn, step, taskCard } from '../browser.mjs';

const args = flowArgs('usage: node web/e2e/flows/task-conflict.mjs <json args>');

await run('task-conflict', args.screenshotDir, async ({ newPage, shot }) => {
  const page = await newPage();
  // The subscription's socket opens but never hears from the server.
  await page.routeWebSocket(/\/graphql\/ws$/, () => {});
  await signIn(page, args.base, args.email, args.password);
  await navigate(page, 'Tasks', 'Tasks');
  const card = taskCard(page, args.title);
  await step('see the task pending', () => card.waitFor({ timeout: TIMEOUT_MS }));

  await step('the admin approves it elsewhere', async () => {
    const response = await fetch(`${args.base}/graphql`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${args.otherToken}` },
      body: JSON.stringify({
        query: 'mutation($id: ID!) { approveHumanTask(id: $id) { status } }',
        variables: { id: args.taskId },
      }),
    });
    const body = await response.json();
    if (body.data?.approveHumanTask?.status !== 'APPROVED') {
      throw new Error(`the other approval failed: ${JSON.stringify(body)}`);
    }
  });

  const message = await step('approve the stale task', async () => {
    await card.getByRole('button', { name: 'Approve', exact: true }).click();
    const refusal = page.locator('.form-error');
    await refusal.waitFor({ state: 'visible', timeout: TIMEOUT_MS });
    return (await refusal.innerText()).trim();
  });
  await step('see the reloaded inbox without it', () =>
    card.waitFor({ state: 'detached', timeout: TIMEOUT_MS }),
  );
  await shot(page, 'inbox-conflict.png');
  await openTab(page, 'Approved');
  await card.waitFor({ timeout: TIMEOUT_MS });
  return { message, statusAfter: await card.getAttribute('data-status') };
});
