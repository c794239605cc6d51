import { WAMID_BYTES, WAMID_PREFIX } from './wamid.js';

/** One accepted send. GET /sandbox/messages adds its wamid and `acceptedAt` as an ISO string. */
export interface AcceptedMessage {
  phoneNumberId: string;
  to: string;
  type: 'text' | 'template';
  templateName?: string;
  callbackData?: string;
  acceptedAtMs: number;
}

export interface LogFilter {
  to?: string;
  phoneNumberId?: string;
}

interface Kind {
  type: 'text' | 'template';
  templateName?: string;
}

/**
 * The columns of the log. Benchmarks keep a million messages here, so values that repeat
 * (phone-number ids, message kinds) are stored once and referenced by index, wamids are kept as
 * raw bytes, and numbers live in arrays V8 stores unboxed.
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
  readonly numbers = new Interned<string>((id) => id);
  readonly kinds = new Interned<Kind>((k) => `${k.type}\0${k.templateName ?? ''}`);
  /** Each kind's fields as JSON, written once rather than per message. */
  readonly kindJson: string[] = [];

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
  add(message: AcceptedMessage, wamidBytes: Buffer): void {
    const c = this.columns;
    const at = c.length * WAMID_BYTES;
    if (at + WAMID_BYTES > c.wamidBytes.length) {
      const grown = Buffer.allocUnsafe(c.wamidBytes.length * 2);
      c.wamidBytes.copy(grown, 0, 0, at);
      c.wamidBytes = grown;
    }
    wamidBytes.copy(c.wamidBytes, at, 0, WAMID_BYTES);
    c.numberIndex.push(c.numbers.indexOf(message.phoneNumberId, true) as number);
    const { type, templateName } = message;
    const kind = c.kinds.indexOf({ type, templateName }, true) as number;
    c.kindJson[kind] ??= JSON.stringify({ type, templateName }).slice(1, -1);
    c.kindIndex.push(kind);
    if (!/^[1-9]\d{0,14}$/.test(message.to)) {
      c.textTo.set(c.to.length, message.to);
      c.to.push(NaN);
    } else c.to.push(Number(message.to));
    c.callbackData.push(message.callbackData);
    c.acceptedAtMs.push(message.acceptedAtMs);
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
    return (
      `{"wamid":"${WAMID_PREFIX}${c.wamidBytes.toString('base64url', i * WAMID_BYTES, (i + 1) * WAMID_BYTES)}"` +
      `,"phoneNumberId":"${c.numbers.values[c.numberIndex[i]]}","to":"${c.textTo.get(i) ?? c.to[i]}"` +
      `,${c.kindJson[c.kindIndex[i]]}` +
      (callbackData !== undefined ? `,"callbackData":${JSON.stringify(callbackData)}` : '') +
      `,"acceptedAt":"${new Date(at).toISOString()}","acceptedAtMs":${at}}`
    );
  }
}
