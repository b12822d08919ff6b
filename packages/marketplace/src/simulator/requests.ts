// The request inspector's memory: each call the emulator answered on Microsoft's behalf (the fulfillment
// and metering APIs, the token endpoints), kept in a bounded ring, newest last. Bodies are kept as the text
// that came and went, bounded per body and in total by size, and masked when shown: secrets (client
// secrets and assertions, access tokens, landing tokens, anything shaped like a JWT) never leave the
// emulator through the inspector. A body is parsed for showing only when it nests shallowly, so nothing a
// caller sends can make a look at the log recurse deeply or grow past its own size many times over.

/** How a call is kept: what the hook saw, untouched (formatting waits until it is shown). */
interface KeptCall {
  seq: number;
  /** Epoch milliseconds. */
  at: number;
  method: string;
  url: string;
  status: number;
  durationMs: number;
  publisherId: string | undefined;
  clientId: string | undefined;
  /** The text sent (keptBody); one longer than KEPT_BODY only by its length. */
  requestBody: KeptText;
  /** The answer as sent (keptAnswer); one longer than KEPT_BODY (a page of subscriptions) only by its length. */
  responseBody: KeptText;
}

type KeptText = string | Dropped | undefined;

/**
 * A body kept by its length alone, too long to keep or dropped to keep the log within its size: a class
 * of its own, so that no body a caller sends can pass for one.
 */
class Dropped {
  constructor(
    readonly length: number,
    readonly why: 'too long to keep' | 'dropped to keep the log small',
  ) {}
}

/** A call as the inspector shows it: secrets masked, bodies parsed where they are shallow JSON. */
export interface InspectedCall {
  seq: number;
  at: string;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  publisherId: string | null;
  clientId: string | null;
  subscriptionIds: string[];
  /** The body parsed (secrets masked), or its text when it is not JSON or nests deeper than SHOWN_DEPTH. */
  request: unknown;
  response: unknown;
}

export type CallToKeep = Omit<KeptCall, 'seq'>;

/** What the inspector shows in place of a secret. */
const MASK = '[hidden]';
/**
 * Names whose values are secrets wherever they appear (form fields, JSON members, query keys, headers),
 * compared without case, dashes or underscores: `client_secret`, `clientSecret`, `x-ms-marketplace-token`,
 * `marketplaceToken`, `access_token`, `code`, ...
 */
const SECRET_NAME = /(secret|password|token|assertion|authorization|apikey|codeverifier)$|^code$/;
const isSecretName = (name: string) => SECRET_NAME.test(name.toLowerCase().replace(/[-_]/g, ''));
/** A JWT (or any three base64url parts after "eyJ"): masked inside any text. */
const JWT = /eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g;
/** Bodies longer than this are kept only by their length: 500 pages of subscriptions would hold 50 MB. */
const KEPT_BODY = 16 * 1024;
/** All the bodies the log holds together, in characters; past it the oldest calls lose their bodies. */
const DEFAULT_KEPT_TOTAL = 4 * 1024 * 1024;
/** Bodies nesting deeper than this are shown as the (masked) text sent, not parsed. */
const SHOWN_DEPTH = 16;

/**
 * A request's body as the log keeps it: the JSON text as received (raw), else the parsed form's fields
 * (flat: a form has no nesting) as JSON.
 */
export function keptBody(raw: string | undefined, parsed: unknown): KeptText {
  if (raw !== undefined) return raw.length > KEPT_BODY ? new Dropped(raw.length, 'too long to keep') : raw;
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const fields = Object.entries(parsed).filter(([, value]) => typeof value === 'string');
  const text = JSON.stringify(Object.fromEntries(fields));
  return text.length > KEPT_BODY ? new Dropped(text.length, 'too long to keep') : text;
}

/** An answer as the log keeps it: the text sent, or its length when longer than KEPT_BODY. */
export function keptAnswer(payload: unknown): KeptText {
  if (typeof payload !== 'string') return undefined;
  return payload.length > KEPT_BODY ? new Dropped(payload.length, 'too long to keep') : payload;
}

const sizeOf = (text: KeptText) => (typeof text === 'string' ? text.length : 0);

/**
 * A ring of the newest calls: recording one is a slot written on the API's hot path (nothing moved),
 * everything else happens when someone looks. Bounded twice: by count (the ring) and by the characters of
 * the bodies it holds (the oldest calls give theirs up first).
 */
export class RequestLog {
  private readonly ring: (KeptCall | undefined)[];
  private nextSeq = 1;
  /** Characters of the bodies held, and the oldest call that may still hold some. */
  private held = 0;
  private oldestWithBodies = 1;

  constructor(
    readonly capacity: number,
    readonly keptTotal = DEFAULT_KEPT_TOTAL,
  ) {
    this.ring = new Array(Math.max(capacity, 0));
  }

  /** Keeps the call (the object itself: the caller makes it for this). */
  record(call: CallToKeep): void {
    if (this.capacity <= 0) return;
    const kept = Object.assign(call, { seq: this.nextSeq++ });
    const slot = kept.seq % this.capacity;
    const replaced = this.ring[slot];
    if (replaced) this.held -= sizeOf(replaced.requestBody) + sizeOf(replaced.responseBody);
    this.ring[slot] = kept;
    this.held += sizeOf(kept.requestBody) + sizeOf(kept.responseBody);
    this.oldestWithBodies = Math.max(this.oldestWithBodies, kept.seq - this.capacity + 1);
    while (this.held > this.keptTotal && this.oldestWithBodies < kept.seq) this.dropBodies(this.oldestWithBodies++);
  }

  private dropBodies(seq: number): void {
    const call = this.ring[seq % this.capacity];
    if (!call || call.seq !== seq) return;
    this.held -= sizeOf(call.requestBody) + sizeOf(call.responseBody);
    if (typeof call.requestBody === 'string') call.requestBody = new Dropped(call.requestBody.length, 'dropped to keep the log small');
    if (typeof call.responseBody === 'string') call.responseBody = new Dropped(call.responseBody.length, 'dropped to keep the log small');
  }

  /** Calls after `after` (a seq), oldest first, at most `limit` of the newest; only those about `subscriptionId` if given. */
  list(filter: { after?: number | undefined; subscriptionId?: string | undefined; limit: number }): InspectedCall[] {
    const shown: InspectedCall[] = [];
    for (let seq = this.nextSeq - 1; seq >= this.oldestSeq && shown.length < filter.limit; seq--) {
      const call = this.ring[seq % this.capacity];
      if (!call || call.seq !== seq || (filter.after !== undefined && seq <= filter.after)) break;
      const inspected = inspect(call);
      if (filter.subscriptionId === undefined || inspected.subscriptionIds.includes(filter.subscriptionId.toLowerCase())) shown.push(inspected);
    }
    return shown.reverse();
  }

  /** One call, if it is still kept. */
  get(seq: number): InspectedCall | undefined {
    if (!Number.isSafeInteger(seq) || seq < this.oldestSeq || seq >= this.nextSeq) return undefined;
    const call = this.ring[seq % this.capacity];
    return call && call.seq === seq ? inspect(call) : undefined;
  }

  clear(): void {
    this.ring.fill(undefined);
    this.held = 0;
    this.oldestWithBodies = this.nextSeq;
  }

  private get oldestSeq(): number {
    return Math.max(1, this.nextSeq - this.capacity);
  }
}

function inspect(call: KeptCall): InspectedCall {
  const request = shown(call.requestBody);
  const response = shown(call.responseBody);
  const ids = new Set<string>();
  // The subscription a call names in its path, and those its bodies name (usage's resourceId, resolve's answer).
  const inPath = /\/subscriptions\/([0-9a-f-]{36})/i.exec(call.url)?.[1];
  if (inPath) ids.add(inPath.toLowerCase());
  for (const value of [request, response]) for (const id of subscriptionIdsIn(value)) ids.add(id.toLowerCase());
  return {
    seq: call.seq,
    at: new Date(call.at).toISOString(),
    method: call.method,
    path: maskedUrl(call.url),
    status: call.status,
    durationMs: Math.round(call.durationMs * 10) / 10,
    publisherId: call.publisherId ?? null,
    clientId: call.clientId ?? null,
    subscriptionIds: [...ids],
    request,
    response,
  };
}

/** A kept body as shown: parsed and masked when it is JSON nesting at most SHOWN_DEPTH deep, else its masked text. */
function shown(body: KeptText): unknown {
  if (body === undefined || body === '') return null;
  if (body instanceof Dropped) return `(${body.length.toLocaleString('en-US')} characters: ${body.why})`;
  if (nesting(body, SHOWN_DEPTH) > SHOWN_DEPTH) return maskedText(body);
  try {
    return masked(JSON.parse(body) as unknown);
  } catch {
    return maskedText(body);
  }
}

/** How deep the brackets of a JSON text nest, outside its strings; counting stops just past `limit`. */
function nesting(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

/** A copy of `value` (at most SHOWN_DEPTH deep) with every secret replaced by MASK. */
function masked(value: unknown, name = ''): unknown {
  if (isSecretName(name) && value !== null && value !== undefined && value !== '') return MASK;
  if (typeof value === 'string') return value.replace(JWT, MASK);
  if (Array.isArray(value)) return value.map((item) => masked(item));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, masked(inner, key)]));
  return value;
}

/** A JSON member `"name": "value"` in text. */
const MEMBER = /"((?:[^"\\]|\\.){1,100})"(\s*:\s*)"(?:[^"\\]|\\.)*"/g;

/** Text that is not parsed (not JSON, or nesting too deep): JWTs and the values of secret-named members masked. */
function maskedText(text: string): string {
  return text.replace(JWT, MASK).replace(MEMBER, (member, name: string, colon: string) => (isSecretName(name) ? `"${name}"${colon}"${MASK}"` : member));
}

/** A path with its query's secret values masked (keys compared decoded: `client%5Fsecret` is `client_secret`) and JWTs hidden. */
function maskedUrl(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) return url.replace(JWT, MASK);
  const pairs = url
    .slice(at + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq >= 0 && isSecretName(decodedKey(pair.slice(0, eq))) ? `${pair.slice(0, eq)}=${MASK}` : pair;
    });
  return `${url.slice(0, at)}?${pairs.join('&')}`.replace(JWT, MASK);
}

function decodedKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return key;
  }
}

/** Subscription ids a body names: `id` of a resolve answer, `resourceId`/`subscriptionId` members. */
function subscriptionIdsIn(value: unknown): string[] {
  if (typeof value !== 'object' || value === null) return [];
  if (Array.isArray(value)) return value.flatMap(subscriptionIdsIn);
  const found: string[] = [];
  for (const [key, inner] of Object.entries(value)) {
    if ((key === 'resourceId' || key === 'subscriptionId' || key === 'usageResourceId') && typeof inner === 'string') found.push(inner);
    else if (key === 'subscription' || key === 'request' || key === 'result' || key === 'subscriptions') found.push(...subscriptionIdsIn(inner));
    else if (key === 'id' && typeof inner === 'string' && 'subscriptionName' in value) found.push(inner);
  }
  return found;
}
