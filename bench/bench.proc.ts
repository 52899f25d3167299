import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** A server under test, running in its own process. */
export interface Child {
  proc: ChildProcess;
  pid: number;
  /** What the process wrote so far (stdout and stderr). */
  output: () => string;
  /** Resolves with the first match of `re` in the output; rejects if the process exits first. */
  waitFor: (re: RegExp, timeoutMs?: number) => Promise<RegExpMatchArray>;
  /** SIGTERM, then SIGKILL after 5 s; resolves when it has exited. */
  stop: () => Promise<void>;
}

const running = new Set<Child>();

/** Starts `command args` with extra environment; its output is kept for `waitFor`. */
export function start(command: string, args: string[], env: Record<string, string> = {}): Child {
  const proc = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((ok) => proc.on('exit', () => ok()));
  const child: Child = {
    proc,
    pid: proc.pid ?? -1,
    output: () => out,
    waitFor: (re, timeoutMs = 60_000) =>
      new Promise((ok, fail) => {
        const check = () => {
          const m = re.exec(out);
          if (m) {
            clearInterval(timer);
            clearTimeout(deadline);
            ok(m);
          }
        };
        const timer = setInterval(check, 20);
        const deadline = setTimeout(() => {
          clearInterval(timer);
          fail(new Error(`timed out waiting for ${re} from ${command}:\n${out.slice(-2000)}`));
        }, timeoutMs);
        void exited.then(() => {
          check();
          clearInterval(timer);
          clearTimeout(deadline);
          fail(new Error(`${command} ${args.join(' ')} exited:\n${out.slice(-2000)}`));
        });
      }),
    stop: async () => {
      running.delete(child);
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(child);
  return child;
}

/** Runs a command to completion; resolves with its output, rejects on a non-zero exit. */
export function run(
  command: string,
  args: string[],
  env: Record<string, string> = {},
  onOutput?: (chunk: string) => void,
): Promise<string> {
  return new Promise((ok, fail) => {
    const proc = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const take = (d: Buffer) => {
      out += d.toString();
      onOutput?.(d.toString());
    };
    proc.stdout.on('data', take);
    proc.stderr.on('data', take);
    proc.on('exit', (code) =>
      code === 0 ? ok(out) : fail(new Error(`${command} ${args.join(' ')} → ${code}:\n${out}`)),
    );
  });
}

/** Resident set size of a process in MB, from /proc/<pid>/status (VmRSS). */
export function rssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/** Clock ticks per second of /proc/<pid>/stat's CPU times (USER_HZ; 100 on Linux). */
const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system, every thread) a process has used so far, in seconds, from
 * /proc/<pid>/stat; steadier than throughput on a shared machine, in 10 ms steps.
 */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) in parentheses; utime and stime
    // are the 14th and 15th fields of the line.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/**
 * CPU time the whole machine has been busy so far (every core: user, nice, system, irq,
 * softirq and steal from /proc/stat's first line), in seconds; the cost of work spread over
 * several processes (Loft, PostgreSQL, the load generator, a callback receiver).
 */
export function machineBusySeconds(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const [user, nice, system, , , irq, softirq, steal] = line
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const busy = [user, nice, system, irq, softirq, steal].reduce<number>(
      (a, b) => a + (b ?? 0),
      0,
    );
    return Number.isFinite(busy) ? busy / TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU time used so far by every process whose command name is `comm` (for `postgres`: the
 * server's backends and background processes; a backend that exits in between takes its time
 * with it), in seconds.
 */
export function commandCpuSeconds(comm: string): number | undefined {
  let total = 0;
  let found = false;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== comm) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
      found = true;
    } catch {
      // The process ended while being read.
    }
  }
  return found ? total : undefined;
}

/** Server CPU µs per unit of work between two {@link cpuSeconds} readings. */
export function cpuUsPer(before: number | undefined, after: number | undefined, units: number) {
  if (before === undefined || after === undefined || units <= 0) return undefined;
  return Math.round(((after - before) * 1e6) / units);
}

/** Stops every child still running (on exit or interrupt). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((c) => c.stop()));
}
