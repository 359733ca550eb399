// Flow: an operator uses the dashboard with the keyboard only: signs in (Tab between the
// fields, Enter to submit), reaches sections of the navigation with Tab and Enter, and
// approves a pending task by tabbing to its button; every focused control shows a focus
// ring.
//
// Usage: node web/e2e/flows/keyboard.mjs
//   '{"baseUrl","email","password","screenshotDir","sections","taskTitle"}'
// Prints {"reached": [headings reached from the keyboard], "unringed": [controls focused
// without a visible focus indicator], "approved": whether the task left the Pending tab}.

import { TIMEOUT_MS, flowArgs, run, step, taskCard } from '../browser.mjs';

const args = flowArgs('usage: node web/e2e/flows/keyboard.mjs <json args>');

/** Most Tab presses spent looking for one control before the step fails. */
const MAX_TABS = 80;

await run('keyboard', args.screenshotDir, async ({ newPage, shot }) => {
  const page = await newPage();
  const unringed = new Set();

  // What has the focus: its accessible-ish name, and whether a focus ring is drawn.
  const focused = () =>
    page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const style = getComputedStyle(el);
      const ring =
        (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) ||
        style.boxShadow !== 'none';
      const name = (el.getAttribute('aria-label') || el.innerText || el.id || el.tagName).trim();
      return { name, ring, tag: el.tagName };
    });

  // Presses Tab until the focused control's name is `name` (exactly), noting any control on
  // the way that has the focus without a visible ring.
  const tabTo = async (name, within = null) => {
    for (let i = 0; i < MAX_TABS; i++) {
      await page.keyboard.press('Tab');
      const now = await focused();
      if (!now) continue;
      if (!now.ring) unringed.add(`${now.tag} "${now.name}"`);
      if (now.name === name) {
        if (within && !(await within())) continue;
        return;
      }
    }
    throw new Error(`${name} never got the focus in ${MAX_TABS} Tab presses`);
  };

  await step('sign in with the keyboard', async () => {
    await page.goto(`${args.base}/login`, { waitUntil: 'domcontentloaded', timeout: TIMEOUT_MS });
    await page.locator('#email').waitFor({ state: 'visible', timeout: TIMEOUT_MS });
    await tabTo('email');
    await page.keyboard.type(args.email);
    await tabTo('password');
    await page.keyboard.type(args.password);
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => new URL(url).pathname === '/', { timeout: TIMEOUT_MS });
  });

  const reached = [];
  for (const section of args.sections) {
    await step(`open ${section} with the keyboard`, async () => {
      await tabTo(section);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: section, exact: true }).first().waitFor({ timeout: TIMEOUT_MS });
      reached.push(section);
    });
  }
  await shot(page, 'keyboard-sections.png');

  const approved = await step('approve the task with the keyboard', async () => {
    await page.goto(`${args.base}/tasks`, { waitUntil: 'domcontentloaded', timeout: TIMEOUT_MS });
    const card = taskCard(page, args.taskTitle);
    await card.waitFor({ timeout: TIMEOUT_MS });
    // The Approve button of this card, not of another one.
    await tabTo('Approve', () =>
      card.evaluate((node) => node.contains(document.activeElement)),
    );
    await shot(page, 'keyboard-focus-approve.png');
    await page.keyboard.press('Enter');
    await card.waitFor({ state: 'detached', timeout: TIMEOUT_MS });
    return true;
  });
  return { reached, unringed: [...unringed], approved };
});
