// The request inspector's memory: each call the emulator answered on Microsoft's behalf (the fulfillment
// and metering APIs, the token endpoints), kept in a bounded ring, newest last. Bodies are kept as they
// came and went and masked when shown: secrets (client secrets and assertions, access tokens, landing
// tokens, anything shaped like a JWT) never leave the emulator through the inspector.

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
  /** As parsed (keptBody); one longer than KEPT_BODY only by its length. */
  requestBody: unknown;
  /** The answer as sent (keptAnswer); one longer than KEPT_BODY (a page of subscriptions) only by its length. */
  responseBody: string | TooLong | undefined;
}

/** A body kept by its length alone: a class of its own, so that no body a caller sends can pass for one. */
class TooLong {
  constructor(readonly length: number) {}
}

/** A call as the inspector shows it: secrets masked, bodies parsed where they are JSON. */
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
  request: unknown;
  response: unknown;
}

export type CallToKeep = Omit<KeptCall, 'seq'>;

/** What the inspector shows in place of a secret. */
const MASK = '[hidden]';
/** Names whose values are secrets wherever they appear (form fields, JSON members, headers). */
const SECRET_NAMES =
  /^(client_secret|client_assertion|assertion|code|code_verifier|refresh_token|access_token|id_token|password|authorization|token|x-ms-marketplace-token)$/i;
/** A JWT (or any three base64url parts after "eyJ"): masked inside any text. */
const JWT = /eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g;
/** Bodies longer than this are kept only by their length: 500 pages of subscriptions would hold 50 MB. */
const KEPT_BODY = 16 * 1024;

/**
 * A request's parsed body as the log keeps it. Its length is the one declared; a body sent in chunks
 * declares none, and is measured (rarely: clients send the length).
 */
export function keptBody(body: unknown, declaredLength: string | undefined): unknown {
  if (body === undefined) return undefined;
  const length = declaredLength === undefined ? JSON.stringify(body).length : Number(declaredLength);
  return length > KEPT_BODY ? new TooLong(length) : body;
}

/** An answer as the log keeps it: the text sent, or its length when longer than KEPT_BODY. */
export function keptAnswer(payload: unknown): string | TooLong | undefined {
  if (typeof payload !== 'string') return undefined;
  return payload.length > KEPT_BODY ? new TooLong(payload.length) : payload;
}

/**
 * A ring of the newest calls: recording one is a slot written on the API's hot path (no allocation beyond
 * the call itself, nothing moved), everything else happens when someone looks.
 */
export class RequestLog {
  private readonly ring: (KeptCall | undefined)[];
  private nextSeq = 1;

  constructor(readonly capacity: number) {
    this.ring = new Array(Math.max(capacity, 0));
  }

  /** Keeps the call (the object itself: the caller makes it for this). */
  record(call: CallToKeep): void {
    if (this.capacity <= 0) return;
    const kept = Object.assign(call, { seq: this.nextSeq++ });
    this.ring[kept.seq % this.capacity] = kept;
  }

  /** Calls after `after` (a seq), oldest first, at most `limit` of the newest; only those about `subscriptionId` if given. */
  list(filter: { after?: number | undefined; subscriptionId?: string | undefined; limit: number }): InspectedCall[] {
    const shown: InspectedCall[] = [];
    const oldest = Math.max(1, this.nextSeq - this.capacity);
    for (let seq = this.nextSeq - 1; seq >= oldest && shown.length < filter.limit; seq--) {
      const call = this.ring[seq % this.capacity];
      if (!call || call.seq !== seq || (filter.after !== undefined && seq <= filter.after)) break;
      const inspected = inspect(call);
      if (filter.subscriptionId === undefined || inspected.subscriptionIds.includes(filter.subscriptionId.toLowerCase())) shown.push(inspected);
    }
    return shown.reverse();
  }

  clear(): void {
    this.ring.fill(undefined);
  }
}

function inspect(call: KeptCall): InspectedCall {
  const request = masked(call.requestBody instanceof TooLong ? tooLongWords(call.requestBody) : (call.requestBody ?? null));
  const response = masked(parsed(call.responseBody));
  const ids = new Set<string>();
  // The subscription a call names in its path, and those its bodies name (usage's resourceId, resolve's answer).
  const inPath = /\/subscriptions\/([0-9a-f-]{36})/i.exec(call.url)?.[1];
  if (inPath) ids.add(inPath.toLowerCase());
  for (const value of [request, response]) for (const id of subscriptionIdsIn(value)) ids.add(id.toLowerCase());
  return {
    seq: call.seq,
    at: new Date(call.at).toISOString(),
    method: call.method,
    path: maskText(call.url),
    status: call.status,
    durationMs: Math.round(call.durationMs * 10) / 10,
    publisherId: call.publisherId ?? null,
    clientId: call.clientId ?? null,
    subscriptionIds: [...ids],
    request,
    response,
  };
}

const tooLongWords = (body: TooLong) => `(${body.length.toLocaleString('en-US')} characters: too long to keep)`;

function parsed(body: string | TooLong | undefined): unknown {
  if (body === undefined || body === '') return null;
  if (body instanceof TooLong) return tooLongWords(body);
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}

/** A copy of `value` with every secret replaced by MASK. */
function masked(value: unknown, name = ''): unknown {
  if (SECRET_NAMES.test(name) && value !== null && value !== undefined && value !== '') return MASK;
  if (typeof value === 'string') return maskText(value);
  if (Array.isArray(value)) return value.map((item) => masked(item));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, masked(inner, key)]));
  return value;
}

/** Text with JWTs and query-string secrets masked. */
function maskText(text: string): string {
  return text.replace(JWT, MASK).replace(/([?&](?:code|token|client_secret|client_assertion)=)[^&#]*/gi, `$1${MASK}`);
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
