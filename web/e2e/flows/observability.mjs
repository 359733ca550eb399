// Flow: an admin watches agents that have reported a run with nested spans and costs.
// The overview's figures match what was ingested; pausing the feed holds a new entry (and
// counts it) until Resume; filtering by agent hides the other agent's entries; the agents
// page draws a sparkline per agent and leads to an agent's page, whose charts are drawn and
// whose search finds an activity by a word of its payload; the run's trace shows the nested
// spans with their costs; analytics shows the cost by agent.
//
// Usage: node web/e2e/flows/observability.mjs
//   '{"baseUrl","email","password","screenshotDir","apiKey","plannerId","searchWord",
//     "runId"}'
// Prints {"figures", "held", "resumed", "filtered", "sparklines", "charts", "found",
// "spans", "costByAgent"}.

import { randomUUID } from 'node:crypto';
import { TIMEOUT_MS, flowArgs, navigate, run, signIn, step } from '../browser.mjs';

const args = flowArgs('usage: node web/e2e/flows/observability.mjs <json args>');

await run('observability', args.screenshotDir, async ({ newPage, shot }) => {
  const page = await newPage();
  await signIn(page, args.base, args.email, args.password);

  const figures = await step('read the overview figures', async () => {
    const read = async (name) =>
      (await page.locator(`[data-figure="${name}"] .figure-value`).innerText()).trim();
    await page.locator('[data-figure="today"] .figure-value').waitFor({ timeout: TIMEOUT_MS });
    await page.locator('.badge-live').waitFor({ timeout: TIMEOUT_MS });
    return { today: await read('today'), month: await read('month'), errorRate: await read('error-rate') };
  });
  await shot(page, 'overview-figures.png');

  // Paused, a new activity is held and counted; Resume shows it.
  const feedItem = (id) => page.locator(`.feed-item[data-activity-id="${id}"]`);
  const heldId = randomUUID();
  const held = await step('pause the feed and record an activity', async () => {
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    const response = await fetch(`${args.base}/graphql`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${args.apiKey}` },
      body: JSON.stringify({
        query: 'mutation($a: [ActivityInput!]!) { recordActivities(activities: $a) { inserted } }',
        variables: { a: [{ id: heldId, agentId: args.plannerId, type: 'DECISION', payload: { note: 'held' } }] },
      }),
    });
    const body = await response.json();
    if (body.data?.recordActivities?.inserted !== 1) throw new Error(JSON.stringify(body));
    const resume = page.getByRole('button', { name: 'Resume (1 new)', exact: true });
    await resume.waitFor({ timeout: TIMEOUT_MS });
    return { label: (await resume.innerText()).trim(), shownWhilePaused: await feedItem(heldId).count() };
  });
  await shot(page, 'feed-paused.png');
  const resumed = await step('resume the feed', async () => {
    await page.getByRole('button', { name: 'Resume (1 new)', exact: true }).click();
    await feedItem(heldId).waitFor({ timeout: TIMEOUT_MS });
    return feedItem(heldId).count();
  });

  const filtered = await step('filter the feed by agent', async () => {
    await page.selectOption('#feed-agent', { label: 'searcher' });
    await page.locator('.feed-item .feed-agent', { hasText: 'planner' }).first().waitFor({ state: 'detached', timeout: TIMEOUT_MS });
    return page.locator('.feed-item .feed-agent').allInnerTexts();
  });
  await shot(page, 'feed-filtered.png');

  await navigate(page, 'Agents', 'Agents');
  const sparklines = await step('see a sparkline per agent', async () => {
    await page.locator('.agent-row svg.sparkline').first().waitFor({ timeout: TIMEOUT_MS });
    return page.locator('.agent-row svg.sparkline').count();
  });
  await shot(page, 'agents.png');

  const charts = await step("open the planner's page", async () => {
    await page.locator('.agent-row a', { hasText: 'planner' }).click();
    await page.getByRole('heading', { name: 'planner', exact: true }).waitFor({ timeout: TIMEOUT_MS });
    await page.locator('.chart-svg').first().waitFor({ timeout: TIMEOUT_MS });
    return page.locator('.chart-svg').count();
  });
  const found = await step(`search the log for "${args.searchWord}"`, async () => {
    await page.locator('.log-item').first().waitFor({ timeout: TIMEOUT_MS });
    await page.getByLabel('Search activities').fill(args.searchWord);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.waitForFunction(
      () => {
        const items = document.querySelectorAll('.log-item');
        return items.length > 0 && items.length < 3;
      },
      null,
      { timeout: TIMEOUT_MS },
    );
    return page.locator('.log-item').evaluateAll((items) => items.map((i) => i.dataset.activityId));
  });
  await shot(page, 'agent-detail.png');

  const spans = await step('open the run trace', async () => {
    await page.locator(`a[href="/runs/${args.runId}"]`).first().click();
    await page.locator('.span').first().waitFor({ timeout: TIMEOUT_MS });
    // Open every span to show its details.
    for (const summary of await page.locator('.span summary').all()) await summary.click();
    return page.locator('.span').evaluateAll((spans) =>
      spans.map((s) => ({
        name: s.querySelector('.span-name').innerText.replace('✕', '').trim(),
        indent: s.style.getPropertyValue('--indent').trim(),
        cost: s.querySelector('.span-cost').innerText.trim(),
        failed: s.classList.contains('row-error'),
        open: s.open,
        details: s.querySelector('.span-details').innerText,
      })),
    );
  });
  await shot(page, 'run-trace.png');

  await navigate(page, 'Analytics', 'Analytics');
  const costByAgent = await step('read the cost by agent', async () => {
    const table = page.locator('.cost-table', { hasText: 'By agent' });
    await table.locator('.cost-row').first().waitFor({ timeout: TIMEOUT_MS });
    await page.locator('.chart-svg rect').first().waitFor({ timeout: TIMEOUT_MS });
    return table.locator('.cost-row').evaluateAll((rows) =>
      rows.map((r) => [r.querySelector('th').innerText.trim(), r.querySelectorAll('td')[1].innerText.trim()]),
    );
  });
  await shot(page, 'analytics.png');

  return { figures, held, resumed, filtered, sparklines, charts, found, spans, costByAgent };
});
