// Flow: with the overview open and its feed live, record one activity with an API key and
// time how long after the acknowledged ingest its entry is visible in the feed.
//
// Usage: node web/e2e/flows/feed-latency.mjs
//   '{"baseUrl","email","password","screenshotDir","apiKey","agentId"}'
// Prints {"activityId", "latencyMs"}.

import { randomUUID } from 'node:crypto';
import { TIMEOUT_MS, flowArgs, run, signIn, step } from '../browser.mjs';

const args = flowArgs('usage: node web/e2e/flows/feed-latency.mjs <json args>');

await run('feed-latency', args.screenshotDir, async ({ newPage, shot }) => {
  const page = await newPage();
  await signIn(page, args.base, args.email, args.password);
  await step('wait for the feed to be live', () =>
    page.locator('.badge-live').waitFor({ state: 'visible', timeout: TIMEOUT_MS }),
  );

  const activityId = randomUUID();
  const entry = page.locator(`.feed-item[data-activity-id="${activityId}"]`);
  // Watching starts before the ingest, so the clock stops on the first frame that shows it.
  const seen = entry.waitFor({ state: 'visible', timeout: TIMEOUT_MS }).then(() => performance.now());
  const acknowledged = await step('record an activity', async () => {
    const response = await fetch(`${args.base}/graphql`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${args.apiKey}` },
      body: JSON.stringify({
        query:
          'mutation($a: [ActivityInput!]!) { recordActivities(activities: $a) { inserted } }',
        variables: {
          a: [{ id: activityId, agentId: args.agentId, type: 'TOOL_CALL', costUsd: '0.0042', durationMs: 87 }],
        },
      }),
    });
    const at = performance.now();
    const body = await response.json();
    if (body.data?.recordActivities?.inserted !== 1) {
      throw new Error(`the ingest was not acknowledged: ${JSON.stringify(body)}`);
    }
    return at;
  });
  const visible = await step('see the entry in the feed', () => seen);
  await shot(page, 'feed-latency.png');
  return { activityId, latencyMs: Math.max(0, visible - acknowledged) };
});
