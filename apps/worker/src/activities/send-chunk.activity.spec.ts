import { jest } from '@jest/globals';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { RecipientRepository, SendableRecipient } from '#libs/persistence';
import { WhatsAppApiError, WhatsAppTransportError, type WhatsAppClient } from '#libs/whatsapp';
import type { SendChunkInput, SendChunkResult } from '#workflows/campaign.activities';
import { createSendChunk } from './send-chunk.activity.js';

const rows = (n: number): SendableRecipient[] =>
  Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    phone: `+44740010000${i}`,
    variables: null,
    attempts: 0,
  }));

type Send = WhatsAppClient['sendTemplate'];

function setup(batch: SendableRecipient[], send: (to: string) => ReturnType<Send>) {
  const recipients = {
    settleInterruptedSends: jest.fn(async () => 0),
    nextPending: jest.fn(async () => batch),
    markSending: jest.fn(async () => true),
    markSent: jest.fn(async () => true),
    markUnknown: jest.fn(async () => true),
    markFailed: jest.fn(async () => true),
    scheduleRetry: jest.fn(async (_id: number, _delayMs: number) => true),
    releaseToPending: jest.fn(async () => true),
    pendingSummary: jest.fn(async () => ({ pending: 0, nextAttemptAt: null })),
  };
  const whatsapp = { sendTemplate: jest.fn<Send>(send) };
  const activity = createSendChunk({
    recipients: recipients as unknown as RecipientRepository,
    whatsapp: whatsapp as unknown as WhatsAppClient,
    loadTemplate: async () => ({ name: 'spring_sale', language: 'en_US' }),
    concurrency: 2,
    maxAttempts: 3,
  });
  const sendChunk = (
    input: SendChunkInput,
    attempt = 1,
    env = new MockActivityEnvironment({ attempt }),
  ): Promise<SendChunkResult> => env.run(activity, input);
  return { recipients, whatsapp, sendChunk };
}

const apiError = (code: number, status = 400) =>
  new WhatsAppApiError(status, code, `error ${code}`);

describe('sendChunk', () => {
  it('claims each row before sending and records the message id after', async () => {
    const { recipients, whatsapp, sendChunk } = setup(rows(3), async (to) => ({
      wamid: `w-${to}`,
      waId: to,
    }));
    const result = await sendChunk({ campaignId: 'c', limit: 10 });
    expect(result).toMatchObject({ processed: 3, transitions: { 'pending>sent': 3 }, fatal: null });
    expect(recipients.markSending).toHaveBeenCalledTimes(3);
    expect(whatsapp.sendTemplate).toHaveBeenCalledWith(
      '447400100000',
      { name: 'spring_sale', language: 'en_US', components: undefined },
      '1',
    );
    expect(recipients.markSent).toHaveBeenCalledWith(1, 'w-447400100000');
  });

  it('skips a row another attempt already claimed, without sending it', async () => {
    const { recipients, whatsapp, sendChunk } = setup(rows(2), async (to) => ({
      wamid: to,
      waId: to,
    }));
    recipients.markSending.mockResolvedValueOnce(false);
    await sendChunk({ campaignId: 'c', limit: 10 });
    expect(whatsapp.sendTemplate).toHaveBeenCalledTimes(1);
  });

  it('fills body parameters from the recipient variables', async () => {
    const { whatsapp, sendChunk } = setup(
      [{ id: 9, phone: '+447400100009', variables: ['Ann', '20%'], attempts: 0 }],
      async (to) => ({ wamid: to, waId: to }),
    );
    await sendChunk({ campaignId: 'c', limit: 10 });
    expect(whatsapp.sendTemplate.mock.calls[0]?.[1]).toEqual({
      name: 'spring_sale',
      language: 'en_US',
      components: [
        {
          type: 'body',
          parameters: [
            { type: 'text', text: 'Ann' },
            { type: 'text', text: '20%' },
          ],
        },
      ],
    });
  });

  it('marks a send whose outcome is unknown as unknown, never repeating it', async () => {
    const { recipients, sendChunk } = setup(rows(1), async () => {
      throw new WhatsAppTransportError('unknown', 'timed out');
    });
    const result = await sendChunk({ campaignId: 'c', limit: 10 });
    expect(recipients.markUnknown).toHaveBeenCalledWith(1, 'timed out');
    expect(recipients.scheduleRetry).not.toHaveBeenCalled();
    expect(result.transitions).toEqual({ 'pending>unknown': 1 });
  });

  it('schedules a transient error for a later retry, honouring the provider wait', async () => {
    const { recipients, sendChunk } = setup(rows(1), async () => {
      throw apiError(131056);
    });
    await sendChunk({ campaignId: 'c', limit: 10 });
    expect(recipients.scheduleRetry).toHaveBeenCalledWith(1, expect.any(Number));
    expect(recipients.scheduleRetry.mock.calls[0]?.[1]).toBeGreaterThanOrEqual(4_000);
  });

  it('fails a transient error once the attempts are used up', async () => {
    const { recipients, sendChunk } = setup([{ ...rows(1)[0], attempts: 2 }], async () => {
      throw apiError(131000, 500);
    });
    await sendChunk({ campaignId: 'c', limit: 10 });
    expect(recipients.markFailed).toHaveBeenCalledWith(
      1,
      131000,
      expect.stringContaining('131000'),
    );
  });

  it('fails only the recipient on a permanent error and goes on with the rest', async () => {
    const { recipients, sendChunk } = setup(rows(3), async (to) => {
      if (to.endsWith('1')) throw apiError(131026);
      return { wamid: to, waId: to };
    });
    const result = await sendChunk({ campaignId: 'c', limit: 10 });
    expect(result.transitions).toEqual({ 'pending>sent': 2, 'pending>failed': 1 });
    expect(recipients.markFailed).toHaveBeenCalledWith(2, 131026, expect.any(String));
  });

  it('stops the chunk on a campaign-fatal error and gives the row back', async () => {
    const { recipients, whatsapp, sendChunk } = setup(rows(5), async () => {
      throw apiError(132001);
    });
    const result = await sendChunk({ campaignId: 'c', limit: 10 });
    expect(result.fatal).toMatchObject({ action: 'fail', code: 132001 });
    expect(recipients.releaseToPending).toHaveBeenCalled();
    // Two lanes may each have one request in flight; nothing after the error is started.
    expect(whatsapp.sendTemplate.mock.calls.length).toBeLessThanOrEqual(2);
  });

  it('settles rows a crashed attempt left in sending before it starts again', async () => {
    const { recipients, sendChunk } = setup([], async (to) => ({ wamid: to, waId: to }));
    recipients.settleInterruptedSends.mockResolvedValueOnce(4);
    const result = await sendChunk({ campaignId: 'c', limit: 10 }, 2);
    expect(recipients.settleInterruptedSends).toHaveBeenCalledWith('c');
    expect(result.transitions).toEqual({ 'sending>unknown': 4 });
  });

  it('takes no new row once cancelled, records the rows in flight, and reports the cancellation', async () => {
    let release!: () => void;
    const inFlight = new Promise<void>((resolve) => (release = resolve));
    const { recipients, whatsapp, sendChunk } = setup(rows(10), async (to) => {
      await inFlight;
      return { wamid: to, waId: to };
    });
    const env = new MockActivityEnvironment();
    const run = sendChunk({ campaignId: 'c', limit: 10 }, 1, env);
    await new Promise((r) => setTimeout(r, 20));
    env.cancel();
    release();
    await expect(run).rejects.toThrow();
    // The two lanes' requests in flight are recorded; nothing else was started.
    expect(whatsapp.sendTemplate).toHaveBeenCalledTimes(2);
    expect(recipients.markSent).toHaveBeenCalledTimes(2);
  });
});
