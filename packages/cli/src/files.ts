// Writing a file the command makes (a state export, the dev secrets, certificates): to a new file beside
// it, opened exclusively (O_EXCL: never a file or link someone planted under the name), flushed, then
// renamed over the target, so a reader sees the old file or the new one whole and a crash leaves no half.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

/** Writes `data` to `file` as described above; `mode` is the new file's (0600 by default: what we write may be secret). */
export function writeFileSafely(file: string, data: string | Buffer, mode = 0o600): void {
  const partial = `${file}.${randomBytes(6).toString('hex')}.partial`;
  const fd = openSync(partial, 'wx', mode);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(partial, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(partial, file);
}
