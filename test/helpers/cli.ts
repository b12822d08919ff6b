// Runs the built command line (packages/cli/bin/saas-fulfillment.js, the package's bin) as a child process,
// as a user would. The test runner builds before it runs the tests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { repositoryRoot as root } from './paths.js';

const MAIN = path.join(root, 'packages/cli/bin/saas-fulfillment.js');

export function runCli(args: string[], env: Record<string, string> = {}, cwd = root): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [MAIN, ...args], { cwd, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs the command to its end without blocking this process (which may be serving the emulator it talks to). */
export async function runCliAsync(
  args: string[],
  env: Record<string, string> = {},
  cwd = root,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { status, stdout, stderr };
}

export interface CliProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the first match of `pattern` in stdout. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts the command (by default the repository's build; `entry`, the file of an installed one) in the background. */
export function startCli(args: string[], env: Record<string, string> = {}, cwd = root, entry = MAIN): CliProcess {
  const child = spawn(process.execPath, [entry, ...args], { cwd, env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => stdout + stderr,
    async waitFor(pattern, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = stdout.match(pattern);
        if (match) return match;
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`no ${pattern} in output:\n${stdout}\n${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
