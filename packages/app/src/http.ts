// How the SDK talks to the publisher: its application API with the app key, JSON in and out, a time limit
// on every call, and the publisher's error body (`{ code, message, target? }`) kept on the error.

export interface PublisherConnection {
  /** The publisher's origin, e.g. `https://billing.example.com`. */
  baseUrl: string;
  /** The application API key (the publisher's APP_API_KEY). */
  apiKey: string;
  /** Each call gives up after this long (default 5 s). */
  timeoutMs?: number;
  /** For tests and custom agents: the fetch to use (default the global one). */
  fetch?: typeof fetch;
}

/** The publisher answered with an error status, or could not be reached (`status` 0). */
export class PublisherError extends Error {
  override readonly name = 'PublisherError';
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }

  /** Worth trying again later: the publisher was unreachable, overloaded or failing. */
  get transient(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

export interface Answer {
  status: number;
  etag: string | null;
  body: unknown;
}

export async function call(
  connection: PublisherConnection,
  path: string,
  init: { method?: string; body?: unknown; etag?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...init.headers, authorization: `Bearer ${connection.apiKey}`, accept: 'application/json' };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (init.etag) headers['if-none-match'] = init.etag;
  let response: Response;
  try {
    response = await (connection.fetch ?? fetch)(`${connection.baseUrl.replace(/\/+$/, '')}${path}`, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(connection.timeoutMs ?? 5000),
    });
  } catch (error) {
    throw new PublisherError(0, `the publisher did not answer: ${error instanceof Error ? error.message : String(error)}`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // Not the publisher's JSON (a proxy's error page): a failure of the call, never a crash of the caller.
    throw new PublisherError(response.status >= 400 ? response.status : 502, `the answer (${response.status}) is not JSON`);
  }
  if (response.status >= 400) {
    const problem = body as { code?: string; message?: string } | undefined;
    throw new PublisherError(response.status, problem?.message ?? `the publisher answered ${response.status}`, problem?.code);
  }
  return { status: response.status, etag: response.headers.get('etag'), body };
}
