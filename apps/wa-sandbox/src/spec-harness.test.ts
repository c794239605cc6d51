/**
 * Shared by the sandbox's specs (the .test.ts suffix keeps it out of the build; Jest runs only
 * *.spec.ts). Starts a sandbox in-process on a free port, with a webhook receiver that records
 * every delivery and answers with a status the test can change.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  parseWebhook,
  verifyWebhookSignature,
  type InboundMessage,
  type StatusEvent,
} from '#libs/whatsapp';
import { loadConfig } from '#libs/config';
import { createSandbox, type Sandbox } from './sandbox.js';
import { sandboxConfigSchema } from './sandbox.config.js';

export const TOKEN = 'sandbox-token';
export const SECRET = 'sandbox-secret';

export interface Delivery {
  signed: boolean;
  body: WebhookBody;
  statuses: StatusEvent[];
  messages: InboundMessage[];
}

export interface WebhookBody {
  object: string;
  entry: {
    id: string;
    time?: number;
    changes: { field: string; value: Record<string, unknown> }[];
  }[];
}

/** One change of an account field (templates, quality, account_update) as it was delivered. */
export interface AccountEvent {
  wabaId: string;
  time: number | undefined;
  signed: boolean;
  value: Record<string, unknown>;
}

export interface Harness {
  url: string;
  sandbox: Sandbox;
  deliveries: Delivery[];
  warnings: string[];
  /** The HTTP status the receiver answers with. */
  receiverStatus: number;
  statuses(wamid?: string): StatusEvent[];
  /** Every delivered change of the field, in delivery order. */
  accountEvents(field: string): AccountEvent[];
  send(body: unknown, options?: { token?: string; path?: string }): Promise<Response>;
  call(method: string, path: string, body?: unknown, token?: string | null): Promise<Response>;
  configure(settings: unknown): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const deliveries: Delivery[] = [];
  const state = { receiverStatus: 200 };
  const receiver = await listen(
    createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (state.receiverStatus === 200) {
          const raw = Buffer.concat(chunks);
          const body = JSON.parse(raw.toString()) as WebhookBody;
          const signature = req.headers['x-hub-signature-256'] as string | undefined;
          deliveries.push({
            signed: verifyWebhookSignature(raw, signature, SECRET),
            body,
            ...parseWebhook(body),
          });
        }
        res.writeHead(state.receiverStatus).end();
      });
    }),
  );
  const config = loadConfig(sandboxConfigSchema, {
    WHATSAPP_TOKEN: TOKEN,
    WHATSAPP_APP_SECRET: SECRET,
    SANDBOX_WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
    SANDBOX_THROUGHPUT_PER_SECOND: '1000',
    SANDBOX_STATUS_DELAYS_MS: '10,20,30',
    ...env,
  });
  const warnings: string[] = [];
  const sandbox = createSandbox(config, { warn: (line) => warnings.push(line) });
  const url = await sandbox.listen(0, '127.0.0.1');

  const call = (method: string, path: string, body?: unknown, token: string | null = TOKEN) =>
    fetch(`${url}${path}`, {
      method,
      headers: {
        ...(token !== null ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  return {
    url,
    sandbox,
    deliveries,
    warnings,
    get receiverStatus() {
      return state.receiverStatus;
    },
    set receiverStatus(status: number) {
      state.receiverStatus = status;
    },
    statuses: (wamid) =>
      deliveries.flatMap((d) => d.statuses).filter((s) => !wamid || s.wamid === wamid),
    accountEvents: (field) =>
      deliveries.flatMap((d) =>
        d.body.entry.flatMap((entry) =>
          entry.changes
            .filter((c) => c.field === field)
            .map((c) => ({ wabaId: entry.id, time: entry.time, signed: d.signed, value: c.value })),
        ),
      ),
    send: (body, options = {}) =>
      call('POST', options.path ?? '/v24.0/111/messages', body, options.token ?? TOKEN),
    call,
    async configure(settings) {
      const res = await call('PUT', '/sandbox/config', settings);
      if (res.status !== 200) throw new Error(`PUT /sandbox/config: ${await res.text()}`);
    },
    async close() {
      await sandbox.close();
      receiver.closeAllConnections();
      await new Promise((resolve) => receiver.close(resolve));
    },
  };
}

function listen(server: Server): Promise<Server> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

export const template = (to: string, callbackData?: string) => ({
  messaging_product: 'whatsapp',
  to,
  type: 'template',
  template: { name: 'hello', language: { code: 'en' } },
  ...(callbackData !== undefined ? { biz_opaque_callback_data: callbackData } : {}),
});

/** Polls until `check` returns a value other than undefined or false; the machine is noisy. */
export async function eventually<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

export interface ErrorBody {
  error: {
    code: number;
    message: string;
    type: string;
    fbtrace_id: string;
    error_data?: { details: string };
  };
}

export interface Accepted {
  messages: { id: string; message_status?: string }[];
  contacts: { input: string; wa_id: string }[];
}

/** Sends one template and returns its wamid; fails the test unless it was accepted. */
export async function accepted(h: Harness, to: string, callbackData?: string, pnid = '111') {
  const res = await h.send(template(to, callbackData), { path: `/v24.0/${pnid}/messages` });
  if (res.status !== 200) throw new Error(`send refused: ${res.status} ${await res.text()}`);
  return (await json<Accepted>(res)).messages[0]?.id;
}

export const WABA = '102290129340398';

/** Adds an approved template through the sandbox route; fails the test unless it was added. */
export async function seed(h: Harness, definition: object): Promise<string> {
  const res = await h.call('POST', '/sandbox/templates', definition);
  if (res.status !== 201) throw new Error(`seed refused: ${res.status} ${await res.text()}`);
  return (await json<{ id: string }>(res)).id;
}

/** A template send with components, from number 111 unless told. */
export const templateSend = (
  to: string,
  name: string,
  components?: unknown[],
  language = 'en_US',
) => ({
  messaging_product: 'whatsapp',
  to,
  type: 'template',
  template: { name, language: { code: language }, ...(components ? { components } : {}) },
});

/** The Cloud API error code of a refused answer, or 200. */
export async function codeOf(res: Response): Promise<number> {
  return res.ok ? 200 : (await json<ErrorBody>(res)).error.code;
}
