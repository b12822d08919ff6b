// A trace context as work carries it from one hop to the next: the W3C `traceparent` of the request or job
// that queued it, stored with the job so its run continues the same trace, after a restart too. Without a
// registered tracer (OTEL_EXPORTER_OTLP_ENDPOINT unset) there is no active trace and these cost next to nothing.
import { context, propagation, ROOT_CONTEXT, type Context } from '@opentelemetry/api';

/** The active trace's traceparent, or undefined outside a trace. */
export function activeTraceparent(): string | undefined {
  const carrier: { traceparent?: string } = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/** The context a stored traceparent names (the root context when there is none). */
export function contextOf(traceparent: string | undefined): Context {
  return traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;
}
