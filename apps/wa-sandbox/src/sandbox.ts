import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { accountSignalRoutes } from './account-signals.routes.js';
import { AccountStandings } from './account-standing.js';
import { defaultBehaviour, mergeBehaviour } from './behaviour.js';
import { BehaviourState } from './behaviour-state.js';
import { HeldRequests, sendJson } from './http-io.js';
import { inspectionRoutes } from './inspection.routes.js';
import { mediaRoutes } from './media.routes.js';
import { MediaStore } from './media-store.js';
import { MessageLog } from './message-log.js';
import { MessagingTier } from './messaging-tier.js';
import { PairRate } from './pair-rate.js';
import { PhoneNumberQuality } from './phone-number-quality.js';
import { phoneNumberRoutes } from './phone-number.routes.js';
import { Router } from './router.js';
import type { SandboxConfig } from './sandbox.config.js';
import type { SandboxContext } from './sandbox-context.js';
import { SandboxStats } from './sandbox-stats.js';
import { sendMessageRoute } from './send-message.route.js';
import { ServiceWindows } from './service-windows.js';
import { simulationRoutes } from './simulation.routes.js';
import { addTemplate } from './template-adding.js';
import { TemplateRegistry } from './template-registry.js';
import { TemplateReviews } from './template-reviews.js';
import { templateSignalRoutes } from './template-signals.routes.js';
import { templateRoutes } from './templates.routes.js';
import { ThroughputWindow } from './throughput-window.js';
import { Wabas } from './wabas.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';

export interface Sandbox {
  server: Server;
  /** Starts listening (on the configured port and host unless given); resolves to the base URL. */
  listen(port?: number, host?: string): Promise<string>;
  /** Stops webhooks, destroys open connections and closes the server. */
  close(): Promise<void>;
  context: SandboxContext;
}

export interface SandboxOptions {
  /** Where warnings go (dropped webhook deliveries, handler failures); stderr by default. */
  warn?: (line: string) => void;
}

/** The WhatsApp Cloud API stand-in, as one plain node:http server. */
export function createSandbox(config: SandboxConfig, options: SandboxOptions = {}): Sandbox {
  const warn = options.warn ?? ((line: string) => process.stderr.write(`wa-sandbox: ${line}\n`));
  const expectedAuth = Buffer.from(`Bearer ${config.WHATSAPP_TOKEN}`);
  const stats = new SandboxStats();
  const initial = defaultBehaviour({
    throughputPerSecond: config.SANDBOX_THROUGHPUT_PER_SECOND,
    statusDelaysMs: config.SANDBOX_STATUS_DELAYS_MS,
  });
  const wabas = new Wabas(config.SANDBOX_WABA_ID, config.SANDBOX_PHONE_NUMBER_WABAS);
  const log = new MessageLog();
  const context: SandboxContext = {
    authorized(header) {
      const presented = Buffer.from(header ?? '');
      return presented.length === expectedAuth.length && timingSafeEqual(presented, expectedAuth);
    },
    log,
    stats,
    behaviour: new BehaviourState(mergeBehaviour(initial, config.SANDBOX_FAULTS ?? {})),
    throughput: new ThroughputWindow(),
    pairRate: new PairRate(),
    held: new HeldRequests(),
    webhooks: config.SANDBOX_WEBHOOK_URL
      ? new WebhookDispatcher({
          url: config.SANDBOX_WEBHOOK_URL,
          appSecret: config.WHATSAPP_APP_SECRET,
          batch: config.SANDBOX_WEBHOOK_BATCH,
          concurrency: config.SANDBOX_WEBHOOK_CONCURRENCY,
          retryForMs: config.SANDBOX_WEBHOOK_RETRY_FOR_MS,
          displayPhoneNumber: config.SANDBOX_DISPLAY_PHONE_NUMBER,
          wabaOf: (phoneNumberId) => wabas.of(phoneNumberId),
          stats,
          acknowledged: (items) => {
            for (const item of items) {
              if ('acknowledges' in item && item.acknowledges)
                log.acknowledge(item.acknowledges.position, item.acknowledges.status);
            }
          },
          warn,
        })
      : undefined,
    wabas,
    templates: new TemplateRegistry(),
    reviews: new TemplateReviews(),
    media: new MediaStore(),
    windows: new ServiceWindows(),
    tier: new MessagingTier(),
    standings: new AccountStandings(),
    phoneQuality: new PhoneNumberQuality(),
    displayPhoneNumber: config.SANDBOX_DISPLAY_PHONE_NUMBER,
  };
  for (const seed of config.SANDBOX_TEMPLATES ?? []) {
    // The config schema has refused duplicates and unknown accounts already.
    addTemplate(context, seed.wabaId ?? wabas.primary, seed, 'APPROVED');
  }

  const router = new Router().on(
    'POST',
    '/:version/:phoneNumberId/messages',
    sendMessageRoute(context),
  );
  mediaRoutes(router, context);
  templateRoutes(router, context);
  inspectionRoutes(router, context);
  simulationRoutes(router, context);
  templateSignalRoutes(router, context);
  accountSignalRoutes(router, context);
  // Last: its pattern is as broad as /:version/:id, narrowed to a version and a number id.
  phoneNumberRoutes(router, context);

  const server = createServer((req, res) => {
    router.handle(req, res, (err) => {
      warn(`${req.method} ${req.url} failed: ${err instanceof Error ? err.stack : String(err)}`);
      if (!res.headersSent) sendJson(res, 500, { error: { message: 'Internal error' } });
      else res.destroy();
    });
  });

  return {
    server,
    context,
    listen(port = config.SANDBOX_PORT, host = config.HOST) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(baseUrl(server.address() as AddressInfo));
        });
      });
    },
    close() {
      context.held.release();
      context.reviews.close();
      context.webhooks?.close();
      return new Promise((resolve) => {
        // Held requests and idle keep-alive sockets would keep close() waiting: end them now.
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** A wildcard address is reached through the loopback interface. */
function baseUrl({ address, port, family }: AddressInfo): string {
  if (address === '0.0.0.0' || address === '::') return `http://127.0.0.1:${port}`;
  return family === 'IPv6' ? `http://[${address}]:${port}` : `http://${address}:${port}`;
}
