import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository root: the CLI runs from here as users run it (`src/cli/loft.ts` through tsx). */
export const root = resolve(import.meta.dirname, '../..');

/** A `loft` child process with its combined output. */
export interface CliRun {
  child: ChildProcess;
  /** Resolves with the first match of `re` in the output; rejects if the process exits first. */
  waitFor(re: RegExp): Promise<RegExpMatchArray>;
  /** The exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  output(): string;
}

/**
 * Spawns processes of the real CLI and temporary directories; `cleanup()` (in afterEach) kills
 * what is still running and removes the directories.
 */
export function cliHarness() {
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  const run = (
    args: string[],
    env: Record<string, string>,
    extra: Pick<SpawnOptions, 'uid' | 'gid'> & { preload?: string } = {},
  ): CliRun => {
    const { preload, ...options } = extra;
    const node = ['--import', 'tsx', ...(preload ? ['--import', preload] : [])];
    const child = spawn(process.execPath, [...node, 'src/cli/loft.ts', ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...options,
    });
    children.push(child);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    // 'close', not 'exit': the exit code once its output has been read to the end.
    const exited = new Promise<number | null>((ok) => child.on('close', (code) => ok(code)));
    const waitFor = (re: RegExp) =>
      new Promise<RegExpMatchArray>((ok, fail) => {
        const timer = setInterval(() => {
          const m = re.exec(out);
          if (m) {
            clearInterval(timer);
            ok(m);
          }
        }, 50);
        void exited.then((code) => {
          clearInterval(timer);
          const m = re.exec(out);
          if (m) ok(m);
          else fail(new Error(`exited ${code}: ${out}`));
        });
      });
    return { child, waitFor, exited, output: () => out };
  };
  /** A fresh temporary directory, removed by `cleanup()`. */
  const tempDir = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'loft-cli-'));
    dirs.push(d);
    return d;
  };
  /** `sqlite:` URL of a database file that does not exist yet. */
  const tempDb = (): string => `sqlite:${join(tempDir(), 'loft.db')}`;
  const cleanup = () => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  };
  return { run, tempDir, tempDb, cleanup };
}
