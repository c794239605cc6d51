import { z } from 'zod';
import { unsafeTextReason } from '#libs/domain';
import { digits, text, unixSeconds } from './webhook-values.js';

/** The largest object of a kind the engine does not read that it keeps, as JSON. */
const RAW_MAX_CHARS = 16_384;

/** Every string in a value, at any depth, that PostgreSQL could not store. */
const unsafeIn = (value: unknown): string | null => {
  if (typeof value === 'string') return unsafeTextReason(value);
  if (Array.isArray(value)) {
    for (const v of value) {
      const reason = unsafeIn(v);
      if (reason) return reason;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const reason = unsafeIn(k) ?? unsafeIn(v);
      if (reason) return reason;
    }
  }
  return null;
};

/** A JSON object kept as Meta sent it: bounded, and free of what PostgreSQL refuses. */
const rawObject = z.unknown().superRefine((value, ctx) => {
  if (value === null || typeof value !== 'object') {
    ctx.addIssue({ code: 'custom', message: 'must be an object or an array' });
    return;
  }
  if (JSON.stringify(value).length > RAW_MAX_CHARS) {
    ctx.addIssue({
      code: 'custom',
      message: `must be at most ${RAW_MAX_CHARS} characters as JSON`,
    });
    return;
  }
  const reason = unsafeIn(value);
  if (reason) ctx.addIssue({ code: 'custom', message: reason });
});

const media = z.object({
  id: text(128).min(1),
  mime_type: text(255).optional(),
  sha256: text(128).optional(),
  caption: text(1024).optional(),
  filename: text(255).optional(),
  /** Stickers say whether they move, audio whether it is a voice note. */
  animated: z.boolean().optional(),
  voice: z.boolean().optional(),
});

const interactive = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('button_reply'),
    button_reply: z.object({ id: text(256).min(1), title: text(256) }),
  }),
  z.object({
    type: z.literal('list_reply'),
    list_reply: z.object({
      id: text(256).min(1),
      title: text(256),
      description: text(512).optional(),
    }),
  }),
  z.object({
    type: z.literal('nfm_reply'),
    nfm_reply: z.object({
      response_json: text(RAW_MAX_CHARS),
      body: text(4096).optional(),
      name: text(256).optional(),
    }),
  }),
]);

/** The schema of each message kind's own object (Meta names the object after the type). */
export const inboundKinds = {
  text: z.object({ body: text(4096) }),
  button: z.object({ text: text(256).optional(), payload: text(1024).optional() }),
  interactive,
  reaction: z.object({ message_id: text(128).min(1), emoji: text(64).optional() }),
  image: media,
  video: media,
  audio: media,
  document: media,
  sticker: media,
  location: z.object({
    latitude: z.number().min(-90).max(90),
    longitude: z.number().min(-180).max(180),
    name: text(1024).optional(),
    address: text(1024).optional(),
    url: text(2048).optional(),
  }),
  contacts: z.array(rawObject).min(1).max(50),
} as const;

export const inboundSchema = z.looseObject({
  from: digits(20),
  id: text(128).min(1),
  timestamp: unixSeconds,
  type: z.string().regex(/^[a-z_]{1,32}$/, 'must be a lower-case word such as text'),
  /** The message this one replies to: its wamid and the business number that sent it. */
  context: z
    .object({ id: text(128).min(1).optional(), from: digits(20).optional() })
    .loose()
    .optional(),
  errors: z.array(rawObject).max(10).optional(),
});

/** What the engine reads of an inbound message, besides who sent it and when. */
export interface InboundReading {
  text: string | undefined;
  payload: string | undefined;
  /** The wamid of the message replied (or reacted) to. */
  repliedTo: string | undefined;
  /** The message's own object in Meta's shape, under its type's name (and Meta's errors). */
  content: Record<string, unknown> | undefined;
}

/**
 * Reads a message's own object by its type. A kind the engine knows must be well formed;
 * another kind's object is kept as it came (bounded); either failing is the reason to skip it.
 */
export function readInbound(
  m: z.infer<typeof inboundSchema>,
): { ok: true; reading: InboundReading } | { ok: false; path: string; error: z.ZodError } {
  const type = m.type;
  // Only the message's own field of that name: never one inherited from Object.prototype.
  const own: unknown = Object.hasOwn(m, type) ? m[type] : undefined;
  const known = Object.hasOwn(inboundKinds, type)
    ? inboundKinds[type as keyof typeof inboundKinds]
    : undefined;
  const schema = known ?? rawObject.optional();
  const parsed = schema.safeParse(own);
  if (!parsed.success) return { ok: false, path: type, error: parsed.error };
  const value = parsed.data as never;
  // Text and quick replies are whole in text and payload; every other kind keeps its object.
  const kept = value !== undefined && type !== 'text' && type !== 'button';
  const entries: [string, unknown][] = [
    ...(kept ? [[type, value] as [string, unknown]] : []),
    ...(m.errors ? [['errors', m.errors] as [string, unknown]] : []),
  ];
  const reading: InboundReading = {
    text: undefined,
    payload: undefined,
    repliedTo: m.context?.id,
    // fromEntries defines own keys: no type name can set the object's prototype.
    content: entries.length ? Object.fromEntries(entries) : undefined,
  };
  switch (type) {
    case 'text':
      reading.text = (value as z.infer<typeof inboundKinds.text>).body;
      break;
    case 'button': {
      const b = value as z.infer<typeof inboundKinds.button>;
      reading.text = b.text;
      reading.payload = b.payload;
      break;
    }
    case 'interactive': {
      const i = value as z.infer<typeof interactive>;
      if (i.type === 'button_reply') {
        reading.text = i.button_reply.title;
        reading.payload = i.button_reply.id;
      } else if (i.type === 'list_reply') {
        reading.text = i.list_reply.title;
        reading.payload = i.list_reply.id;
      } else {
        reading.text = i.nfm_reply.body;
      }
      break;
    }
    case 'reaction': {
      const r = value as z.infer<typeof inboundKinds.reaction>;
      reading.text = r.emoji;
      reading.repliedTo ??= r.message_id;
      break;
    }
    case 'image':
    case 'video':
    case 'audio':
    case 'document':
    case 'sticker':
      reading.text = (value as z.infer<typeof media>).caption;
      break;
    case 'location':
      reading.text = (value as z.infer<typeof inboundKinds.location>).name;
      break;
  }
  return { ok: true, reading };
}
