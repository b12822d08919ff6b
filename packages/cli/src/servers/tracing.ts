// Traces out of the process, over OTLP, when OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) is set:
// the OpenTelemetry SDK, the official Fastify instrumentation (a span per request), undici's (each call
// out: Microsoft, the provisioning hook, the app's events) and pg's (each query). Without the variable
// nothing here is loaded: the apps' own spans (jobs, hooks, marketplace calls) go to the API's no-op
// tracer and cost next to nothing (bench: webhook ingest and entitlements).
import { isSpanContextValid, trace } from '@opentelemetry/api';

export interface Tracing {
  /** Sends what is buffered and stops: called as the process closes. */
  shutdown(): Promise<void>;
}

function tracingWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) && env.OTEL_SDK_DISABLED !== 'true';
}

let started: Promise<Tracing | undefined> | undefined;

/**
 * Starts the SDK once per process (the exporter reads the standard OTEL_* variables); undefined when
 * tracing is not wanted.
 */
export function startTracing(serviceName: string, env: NodeJS.ProcessEnv = process.env): Promise<Tracing | undefined> {
  started ??= tracingWanted(env) ? startSdk(serviceName, env) : Promise.resolve(undefined);
  return started;
}

async function startSdk(serviceName: string, env: NodeJS.ProcessEnv): Promise<Tracing> {
  const [{ NodeTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }, { registerInstrumentations }, undici, pg, fastify] =
    await Promise.all([
      import('@opentelemetry/sdk-trace-node'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
      import('@opentelemetry/instrumentation'),
      import('@opentelemetry/instrumentation-undici'),
      import('@opentelemetry/instrumentation-pg'),
      import('@fastify/otel'),
    ]);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME || serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // The global provider, AsyncLocalStorage context and W3C trace context propagation.
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new undici.UndiciInstrumentation({
        requestHook: (span, request) => span.setAttributes(tracedUrl(`${request.origin}${request.path}`)),
      }),
      new pg.PgInstrumentation({ enhancedDatabaseReporting: false }),
      // Registers itself on every Fastify instance made from now on.
      new fastify.FastifyOtelInstrumentation({
        registerOnInitialization: true,
        requestHook: (span, request) => span.setAttributes({ 'url.path': tracedUrl(request.url)['url.path'] }),
      }),
    ],
  });
  return { shutdown: () => provider.shutdown() };
}

/** The query keys a span may keep: queries carry secrets (a landing token, a sign-in code, a status ticket). */
const TRACED_QUERY_KEYS = new Set(['api-version']);

/**
 * A URL as spans may hold it: the path, and of the query only the keys known to be harmless. An absolute
 * URL also gives `url.full` and `url.query` (what the client instrumentation sets).
 */
function tracedUrl(url: string): Record<string, string> {
  const at = url.indexOf('?');
  const kept =
    at < 0
      ? ''
      : url
          .slice(at + 1)
          .split('&')
          .filter((pair) => TRACED_QUERY_KEYS.has(pair.split('=')[0] ?? ''))
          .join('&');
  const query = kept ? `?${kept}` : '';
  const base = at < 0 ? url : url.slice(0, at);
  if (!/^https?:\/\//.test(base)) return { 'url.path': base };
  return { 'url.full': `${base}${query}`, 'url.path': new URL(base).pathname, 'url.query': query };
}

/** Pino's mixin: the active trace and span ids on every log line written inside a trace. */
export function traceIds(): Record<string, string> {
  const context = trace.getActiveSpan()?.spanContext();
  return context && isSpanContextValid(context) ? { trace_id: context.traceId, span_id: context.spanId } : {};
}
