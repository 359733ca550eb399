// Flow: a worker on a 390×844 phone screen opens "My tasks", starts one task and completes it
// with a note, and fails another with a reason; both leave the list. Nothing may be wider
// than the screen.
//
// Usage: node web/e2e/flows/worker.mjs
//   '{"baseUrl","email","password","screenshotDir","completeTitle","failTitle"}'
// Prints {"before": [titles listed], "after": [titles listed], "overflowPx": widest overflow}.

import { TIMEOUT_MS, flowArgs, navigate, run, signIn, step, taskCard } from '../browser.mjs';

const args = flowArgs('usage: node web/e2e/flows/worker.mjs <json args>');

await run('worker', args.screenshotDir, async ({ newPage, shot }) => {
  const page = await newPage({ width: 390, height: 844 });
  await signIn(page, args.base, args.email, args.password);
  await navigate(page, 'My tasks', 'My tasks');

  const done = taskCard(page, args.completeTitle);
  const failed = taskCard(page, args.failTitle);
  await step('see both tasks', async () => {
    await done.waitFor({ timeout: TIMEOUT_MS });
    await failed.waitFor({ timeout: TIMEOUT_MS });
  });
  const titles = () => page.locator('.task-card h3').allInnerTexts();
  const before = await titles();
  const overflow = () =>
    page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  let overflowPx = await overflow();
  await shot(page, 'worker-my-tasks.png');

  await step('start the first task', async () => {
    await done.getByRole('button', { name: 'Start' }).click();
    await page.locator(`.task-card[data-status="IN_PROGRESS"]`, { hasText: args.completeTitle }).waitFor({ timeout: TIMEOUT_MS });
  });
  await step('complete it with a note', async () => {
    await done.getByRole('button', { name: 'Complete', exact: true }).click();
    await done.getByLabel('Note for the agent (optional)').fill('Parcel picked up, receipt in the van');
    overflowPx = Math.max(overflowPx, await overflow());
    await shot(page, 'worker-complete-form.png');
    await done.getByRole('button', { name: 'Complete task' }).click();
    await done.waitFor({ state: 'detached', timeout: TIMEOUT_MS });
  });
  await step('fail the other with a reason', async () => {
    await failed.getByRole('button', { name: 'Fail', exact: true }).click();
    await failed.getByLabel('Reason').fill('The shop was closed');
    await failed.getByRole('button', { name: 'Fail task' }).click();
    await failed.waitFor({ state: 'detached', timeout: TIMEOUT_MS });
  });
  await page.getByText('Nothing assigned to you right now.').waitFor({ timeout: TIMEOUT_MS });
  await shot(page, 'worker-done.png');
  return { before: before.map((t) => t.trim()), after: (await titles()).map((t) => t.trim()), overflowPx };
});
