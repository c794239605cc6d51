import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureChromium, projectRoot } from '#dev-stack';
import { testInfrastructure } from './setup/test-settings.js';
import { apiClient, type CampaignView } from './support/api-client.js';
import { eventually, startEngine, testNumbers, type Engine } from './support/engine.js';
import type { SandboxLog } from './support/sandbox.js';

/** Where the screenshots of each step go (named in the README). */
export const SCREENSHOTS = path.join(projectRoot, 'test-artifacts', 'temporal-ui');

/**
 * An operator's console, tried in a real browser: the Temporal Web UI the dev server serves,
 * driven by Chromium. The operator finds a running campaign by its search attributes, pauses it
 * with "Send a Signal" (the sandbox stops receiving within a second), resumes it, then requests
 * cancellation (the API shows it cancelled, and nothing more is sent).
 */
describe('the Temporal Web UI as the operator console', () => {
  let engine: Engine;
  let browser: Browser;
  let page: Page;
  let ui: string;

  beforeAll(async () => {
    const { temporalUiUrl } = testInfrastructure();
    if (!temporalUiUrl) {
      throw new Error(
        'no Temporal Web UI: unset TEMPORAL_ADDRESS, or set TEMPORAL_UI_URL to its UI',
      );
    }
    ui = temporalUiUrl;
    await mkdir(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: await ensureChromium(() => undefined),
      // No sandboxing under root; no background traffic on a closed network.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    engine = await startEngine({ sandbox: { SANDBOX_STATUS_DELAYS_MS: '20,40,60' } });
  });

  afterAll(async () => {
    await browser?.close();
    await engine?.stop();
  });

  const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });

  it('finds a running campaign, pauses, resumes and cancels it from the UI', async () => {
    const api = apiClient(engine.apiUrl, await engine.login());
    await api.call('PUT', `/v1/rate-limits/senders/${engine.sender}`, { ratePerSecond: 20 });
    const numbers = testNumbers(2_000, 30_000);
    const { id } = await api.launch(
      numbers.map((phone) => ({ phone })),
      'console check',
    );
    const sent = async () => (await engine.sandbox<SandboxLog>('/sandbox/messages')).messages;
    await eventually(async () => ((await sent()).length >= 20 ? true : undefined));

    // Find it as an operator would: by its search attributes.
    const query = encodeURIComponent(
      `CampaignName = "console check" AND CampaignStatus = "running"`,
    );
    await page.goto(`${ui}/namespaces/default/workflows?query=${query}`);
    const link = page.getByRole('link', { name: `campaign-${id}` });
    await link.waitFor({ timeout: 30_000 });
    await shot('01-running-campaigns');
    await link.click();
    await page.getByRole('button', { name: 'More Actions' }).waitFor();
    // Its name and template, and its live counts, as the workflow reports them.
    await page.getByText('console check · template spring_sale').first().waitFor();
    await page.getByText('User Metadata', { exact: true }).click();
    await page.getByText('Current Details').waitFor();
    await page.waitForTimeout(1_000);
    await shot('02-campaign');

    // Pause through "Send a Signal".
    const pausedAt = await signal(
      'pause',
      { reason: 'checking the copy', actor: 'ops@example.com' },
      '03-pause',
    );
    const paused = await eventually(async () => {
      const c = await api.campaign(id);
      return c.status === 'paused' ? c : undefined;
    });
    expect(paused).toMatchObject({
      statusReason: 'checking the copy',
      statusActor: 'ops@example.com',
    });
    await new Promise((r) => setTimeout(r, 2_000));
    const whilePaused = await sent();
    const lastAfterPause = Math.max(...whilePaused.map((m) => m.acceptedAtMs)) - pausedAt;
    process.stderr.write(
      `[console] last send ${lastAfterPause} ms after the pause was submitted\n`,
    );
    expect(lastAfterPause).toBeLessThan(1_000);
    await page.reload();
    await shot('04-paused');

    // Resume, then sends go on.
    await signal('resume', { actor: 'ops@example.com' }, '05-resume');
    await eventually(async () =>
      (await sent()).length >= whilePaused.length + 20 ? true : undefined,
    );

    // Request cancellation: the campaign ends cancelled, and nothing more goes out.
    await page.getByRole('button', { name: 'Request Cancellation' }).click();
    const dialog = page.getByRole('dialog').filter({ hasText: 'Cancel' });
    await shot('06-request-cancellation');
    const cancelledAt = Date.now();
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    const done = await eventually<CampaignView>(
      async () => {
        const c = await api.campaign(id);
        return c.status === 'cancelled' ? c : undefined;
      },
      { timeoutMs: 30_000 },
    );
    await new Promise((r) => setTimeout(r, 2_000));
    const final = await sent();
    const lastAfterCancel = Math.max(...final.map((m) => m.acceptedAtMs)) - cancelledAt;
    expect(lastAfterCancel).toBeLessThan(1_000);
    expect(done.counts.cancelled).toBe(2_000 - final.length);
    await page.reload();
    await page.getByText('Canceled').first().waitFor({ timeout: 30_000 });
    await shot('07-cancelled');
  });

  /**
   * More Actions → Send a Signal → choose the signal, give its JSON input, submit. Returns when
   * Submit was pressed.
   */
  async function signal(name: string, input: object, screenshot: string): Promise<number> {
    await page.getByRole('button', { name: 'More Actions' }).click();
    await page.getByRole('menuitem', { name: 'Send a Signal' }).click();
    const dialog = page.getByRole('dialog').filter({ hasText: 'Send a Signal' });
    await dialog.getByTestId('signal-select-button').click();
    await dialog.locator(`li[role="option"]:has(span:text-is("${name}"))`).click();
    await dialog.locator('[role="textbox"][data-language="json"]').click();
    await page.keyboard.insertText(JSON.stringify(input));
    await shot(screenshot);
    const submittedAt = Date.now();
    await dialog.getByRole('button', { name: 'Submit' }).click();
    await dialog.waitFor({ state: 'hidden' });
    return submittedAt;
  }
});
