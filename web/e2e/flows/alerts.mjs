// Flow: an admin creates an error-rate alert rule on /alerts, an agent then reports errors,
// and the alert appears under "Fired alerts" without a reload (alertFired); the admin adds
// a webhook and sees its deliveries.
//
// Usage: node web/e2e/flows/alerts.mjs
//   '{"baseUrl","screenshotDir","email","password","apiKey","agentId","ruleName","webhookUrl"}'
// Prints {"ruleRow": the rule's row text, "firedRule": the fired alert's rule name,
// "firedMessage": its message, "webhookSecret": the secret shown, "deliveryRow": the first
// delivery's row text}.

import { randomUUID } from 'node:crypto';
import { TIMEOUT_MS, flowArgs, navigate, run, signIn, step } from '../browser.mjs';

const args = flowArgs('usage: node web/e2e/flows/alerts.mjs <json args>');
const text = async (locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();

await run('alerts', args.screenshotDir, async ({ newPage, shot }) => {
  const page = await newPage();
  await signIn(page, args.base, args.email, args.password);
  // The admin's sections appear once the role is known; the links move then.
  await page.locator('nav.nav').getByRole('link', { name: 'Audit log' }).waitFor({ timeout: TIMEOUT_MS });
  await navigate(page, 'Alerts', 'Alerts');
  await page.getByText('No alert has fired.').waitFor({ timeout: TIMEOUT_MS });

  const webhookSecret = await step('add a webhook', async () => {
    await page.getByLabel('URL').fill(args.webhookUrl);
    await page.getByRole('button', { name: 'Add webhook' }).click();
    const secret = page.locator('.secret-value');
    await secret.waitFor({ timeout: TIMEOUT_MS });
    await page.locator('.webhook-row', { hasText: args.webhookUrl }).waitFor({ timeout: TIMEOUT_MS });
    const value = (await secret.innerText()).trim();
    await page.getByRole('button', { name: 'Done' }).click();
    return value;
  });

  const ruleRow = await step('create an error-rate rule', async () => {
    await page.getByLabel('Rule name').fill(args.ruleName);
    await page.getByLabel('Watch').selectOption('ERROR_RATE');
    await page.getByLabel('Error rate above (0 to 1)').fill('0.5');
    await page.getByLabel('Window (minutes)').fill('5');
    await page.getByRole('button', { name: 'Create rule' }).click();
    const row = page.locator('.rule-row', { hasText: args.ruleName });
    await row.waitFor({ timeout: TIMEOUT_MS });
    return text(row);
  });
  await page.locator('.badge-live').waitFor({ timeout: TIMEOUT_MS });

  await step('the agent reports errors', async () => {
    const activities = [1, 2, 3].map(() => ({
      id: randomUUID(), agentId: args.agentId, type: 'TOOL_CALL', status: 'ERROR',
      errorMessage: 'upstream refused the call', durationMs: 40,
    }));
    const response = await fetch(`${args.base}/graphql`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${args.apiKey}` },
      body: JSON.stringify({
        query: 'mutation($a: [ActivityInput!]!) { recordActivities(activities: $a) { inserted } }',
        variables: { a: activities },
      }),
    });
    const body = await response.json();
    if (body.data?.recordActivities?.inserted !== 3) throw new Error(JSON.stringify(body));
  });

  const { firedRule, firedMessage } = await step('see the alert fire', async () => {
    const item = page.locator('.alert-item[data-firing="true"]', { hasText: args.ruleName });
    await item.waitFor({ timeout: TIMEOUT_MS });
    return { firedRule: (await item.locator('.alert-rule').innerText()).trim(), firedMessage: await text(item.locator('.alert-message')) };
  });
  await shot(page, 'alert-fired.png');

  const deliveryRow = await step("open the webhook's deliveries", async () => {
    await page.locator('.webhook-row', { hasText: args.webhookUrl }).getByRole('button', { name: 'Deliveries' }).click();
    const row = page.locator('.delivery-row').first();
    await row.waitFor({ timeout: TIMEOUT_MS });
    return text(row);
  });
  await shot(page, 'alert-webhook-deliveries.png');
  return { ruleRow, firedRule, firedMessage, webhookSecret, deliveryRow };
});
