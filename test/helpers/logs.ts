// A pino logger that keeps every line it writes, for tests that read what an app logged.
import { Writable } from 'node:stream';
import pino from 'pino';

export function capturingLogger(level = 'info') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}
