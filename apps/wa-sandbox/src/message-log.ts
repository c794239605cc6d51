import { HOLE, joinComponents, type TemplateRecord } from './template-record.js';
import { WAMID_BYTES, WAMID_PREFIX } from './wamid.js';

/** One accepted send. GET /sandbox/messages adds its wamid and `acceptedAt` as an ISO string. */
export interface AcceptedMessage {
  phoneNumberId: string;
  to: string;
  type: 'text' | 'template';
  templateName?: string;
  /** What a template send carried: listed as `template: {name, language, components}`. */
  template?: TemplateRecord;
  /** A free-form message's body: listed as `text: {body}`. */
  text?: string;
  callbackData?: string;
  acceptedAtMs: number;
}

/** The status events of a message, as bits of what its receiver acknowledged. */
const STATUS_BITS = { sent: 1, delivered: 2, read: 4, failed: 8 } as const;
export type StatusName = keyof typeof STATUS_BITS;
const STATUS_NAMES = Object.keys(STATUS_BITS) as StatusName[];

/** Where a message sits in the log; acknowledging it after the log was cleared changes nothing. */
export interface LogPosition {
  readonly columns: object;
  readonly index: number;
}

export interface LogFilter {
  to?: string;
  phoneNumberId?: string;
}

interface Kind {
  type: 'text' | 'template';
  templateName?: string;
  template?: Omit<TemplateRecord, 'values'>;
  text: boolean;
}

/**
 * The columns of the log. Benchmarks keep a million messages here, so values that repeat
 * (phone-number ids, message kinds with their template's components) are stored once and
 * referenced by index, wamids are kept as raw bytes, what differs per message (template
 * parameters, a text's body) as UTF-8 in one growing buffer, and numbers live in arrays V8
 * stores unboxed.
 */
class Columns {
  wamidBytes = Buffer.allocUnsafe(WAMID_BYTES * 1024);
  readonly numberIndex: number[] = [];
  /**
   * Recipients as numbers: up to 15 digits fit a double exactly, at a quarter of a string's
   * memory. The rare number with a leading zero is kept as text, marked by NaN.
   */
  readonly to: number[] = [];
  readonly textTo = new Map<number, string>();
  readonly kindIndex: number[] = [];
  readonly callbackData: (string | undefined)[] = [];
  readonly acceptedAtMs: number[] = [];
  /** Per message, the statuses whose webhook the receiver answered with 200 (STATUS_BITS). */
  readonly acknowledged: number[] = [];
  /** Per message, where its values end in `valueBytes` (they start where the previous end). */
  readonly valueEnd: number[] = [];
  valueBytes = Buffer.allocUnsafe(64 * 1024);
  readonly numbers = new Interned<string>((id) => id);
  readonly kinds = new Interned<Kind>(
    (k) =>
      `${k.type}\0${k.templateName ?? ''}\0${k.text}\0${k.template ? `${k.template.name}\0${k.template.language}\0${k.template.skeleton}` : ''}`,
  );
  /** Each kind's fields as JSON, written once rather than per message, split where values go. */
  readonly kindPieces: string[][] = [];

  get length(): number {
    return this.to.length;
  }
}

/** A table of distinct values, each with a stable index. */
class Interned<T> {
  readonly values: T[] = [];
  private readonly index = new Map<string, number>();

  constructor(private readonly keyOf: (value: T) => string) {}

  indexOf(value: T, add: boolean): number | undefined {
    const key = this.keyOf(value);
    let i = this.index.get(key);
    if (i === undefined && add) {
      i = this.values.push(value) - 1;
      this.index.set(key, i);
    }
    return i;
  }
}

/** Every message the sandbox accepted, in acceptance order, so tests and benchmarks can count. */
export class MessageLog {
  private columns = new Columns();

  get length(): number {
    return this.columns.length;
  }

  /** Records an accepted send; `wamidBytes` are the random bytes of its wamid. */
  add(message: AcceptedMessage, wamidBytes: Buffer): LogPosition {
    const c = this.columns;
    const at = c.length * WAMID_BYTES;
    if (at + WAMID_BYTES > c.wamidBytes.length) {
      const grown = Buffer.allocUnsafe(c.wamidBytes.length * 2);
      c.wamidBytes.copy(grown, 0, 0, at);
      c.wamidBytes = grown;
    }
    wamidBytes.copy(c.wamidBytes, at, 0, WAMID_BYTES);
    c.numberIndex.push(c.numbers.indexOf(message.phoneNumberId, true) as number);
    const { type, templateName, template } = message;
    const text = message.text !== undefined;
    const kindOf: Kind = {
      type,
      templateName,
      text,
      template: template && {
        name: template.name,
        language: template.language,
        skeleton: template.skeleton,
      },
    };
    const kind = c.kinds.indexOf(kindOf, true) as number;
    c.kindPieces[kind] ??= piecesOf(kindOf);
    c.kindIndex.push(kind);
    this.addValues(text ? JSON.stringify(message.text) : (template?.values ?? ''));
    if (!/^[1-9]\d{0,14}$/.test(message.to)) {
      c.textTo.set(c.to.length, message.to);
      c.to.push(NaN);
    } else c.to.push(Number(message.to));
    c.callbackData.push(message.callbackData);
    c.acceptedAtMs.push(message.acceptedAtMs);
    return { columns: c, index: c.acknowledged.push(0) - 1 };
  }

  /** Notes that the receiver answered 200 to a delivery carrying this status of the message. */
  acknowledge(position: LogPosition, status: StatusName): void {
    if (position.columns !== this.columns) return;
    this.columns.acknowledged[position.index] |= STATUS_BITS[status];
  }

  private addValues(values: string): void {
    const c = this.columns;
    const start = c.valueEnd.length ? c.valueEnd[c.valueEnd.length - 1] : 0;
    if (values) {
      const size = Buffer.byteLength(values);
      if (start + size > c.valueBytes.length) {
        const grown = Buffer.allocUnsafe(Math.max(c.valueBytes.length * 2, start + size));
        c.valueBytes.copy(grown, 0, 0, start);
        c.valueBytes = grown;
      }
      c.valueBytes.write(values, start, 'utf8');
      c.valueEnd.push(start + size);
    } else c.valueEnd.push(start);
  }

  /** Positions of the matching messages, fixed at the time of the call. */
  select(filter: LogFilter = {}): Snapshot {
    const c = this.columns;
    const end = c.length;
    if (!filter.to && !filter.phoneNumberId) return new Snapshot(c, end, undefined);
    const number = filter.phoneNumberId ? c.numbers.indexOf(filter.phoneNumberId, false) : -1;
    if (number === undefined) return new Snapshot(c, 0, []);
    const to = filter.to;
    // NaN, which equals nothing, for any recipient that is not stored as a number.
    const toNumber = to && /^[1-9]\d*$/.test(to) ? Number(to) : NaN;
    const positions: number[] = [];
    for (let i = 0; i < end; i++) {
      if (number !== -1 && c.numberIndex[i] !== number) continue;
      if (to && c.to[i] !== toNumber && c.textTo.get(i) !== to) continue;
      positions.push(i);
    }
    return new Snapshot(c, positions.length, positions);
  }

  clear(): void {
    // A new set of columns, so a listing still being streamed keeps the one it started with.
    this.columns = new Columns();
  }
}

/** The messages one listing returns; reads what the log held when it was taken. */
export class Snapshot {
  constructor(
    private readonly c: Columns,
    readonly count: number,
    private readonly positions: number[] | undefined,
  ) {}

  /** The n-th message as JSON, built directly so listings of a million messages stay quick. */
  json(n: number): string {
    const c = this.c;
    const i = this.positions ? this.positions[n] : n;
    const at = c.acceptedAtMs[i];
    const callbackData = c.callbackData[i];
    const pieces = c.kindPieces[c.kindIndex[i]];
    const fields =
      pieces.length === 1
        ? pieces[0]
        : joinComponents(
            pieces,
            c.valueBytes.toString('utf8', i ? c.valueEnd[i - 1] : 0, c.valueEnd[i]),
          );
    return (
      `{"wamid":"${WAMID_PREFIX}${c.wamidBytes.toString('base64url', i * WAMID_BYTES, (i + 1) * WAMID_BYTES)}"` +
      `,"phoneNumberId":"${c.numbers.values[c.numberIndex[i]]}","to":"${c.textTo.get(i) ?? c.to[i]}"` +
      `,${fields}` +
      (callbackData !== undefined ? `,"callbackData":${JSON.stringify(callbackData)}` : '') +
      `,"acceptedAt":"${new Date(at).toISOString()}","acceptedAtMs":${at}` +
      `,"acknowledged":${acknowledgedJson(c.acknowledged[i])}}`
    );
  }
}

const acknowledgedJsons: string[] = [];
/** The statuses a message's receiver acknowledged, as a JSON list of names (one per bit set). */
function acknowledgedJson(bits: number): string {
  return (acknowledgedJsons[bits] ??= JSON.stringify(
    STATUS_NAMES.filter((name) => bits & STATUS_BITS[name]),
  ));
}

/** A kind's JSON, split at the holes its messages' values fill. */
function piecesOf(kind: Kind): string[] {
  const base = JSON.stringify({ type: kind.type, templateName: kind.templateName }).slice(1, -1);
  if (kind.text) return [`${base},"text":{"body":`, '}'];
  if (!kind.template) return [base];
  const { name, language, skeleton } = kind.template;
  const pieces = skeleton.split(HOLE);
  pieces[0] = `${base},"template":{"name":${JSON.stringify(name)},"language":${JSON.stringify(language)},"components":${pieces[0]}`;
  pieces[pieces.length - 1] += '}';
  return pieces;
}
