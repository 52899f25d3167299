import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cliHarness, root } from '../support/cli.js';
import { postgresServerUrl } from '../support/stores.js';
import { openStore } from '../../src/store/open.js';

// What a newcomer meets first: --version, each command's --help, and start-up failures that
// say in one line what to do (exit 2: a bad setting; 3: something a setting names is missing).
const { run, tempDir, tempDb, cleanup } = cliHarness();
afterEach(cleanup);

const version = (
  JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }
).version;

/**
 * Runs the CLI to its end: exit code and output. LOG_LEVEL=warn: the `info` lines of a start
 * that got part-way (`migrations applied`) are not the failure's line under test.
 */
async function finish(args: string[], env: Record<string, string> = {}, extra = {}) {
  const p = run(args, { LOG_LEVEL: 'warn', ...env }, extra);
  const code = await p.exited;
  return { code, out: p.output().trim() };
}

/** One line, no stack trace. */
function expectOneLine(out: string, re: RegExp) {
  expect(out.split('\n'), out).toHaveLength(1);
  expect(out).toMatch(re);
  expect(out).not.toMatch(/\n\s+at /);
}

/** A TCP port nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  const { port } = s.address() as AddressInfo;
  await new Promise((ok) => s.close(ok));
  return port;
}

describe('loft --version and --help', () => {
  it('--version and -v print the package version', async () => {
    for (const flag of ['--version', '-v']) {
      expect(await finish([flag])).toEqual({ code: 0, out: version });
    }
  });

  it("each command's --help lists its own flags with their meaning and variable", async () => {
    const seed = await finish(['seed', '--help']);
    expect(seed.code).toBe(0);
    expect(seed.out).toMatch(/--count N\s+messages to add/);
    expect(seed.out).toMatch(/--batch-size N\s+messages per transaction/);
    expect(seed.out).toMatch(/--database-url URL\s+DATABASE_URL: /);
    expect(seed.out).not.toMatch(/--port/);
    const migrate = await finish(['help', 'migrate']);
    expect(migrate.out).toMatch(/--database-url URL\s+DATABASE_URL: /);
    expect(migrate.out).not.toMatch(/--port|--count/);
    const serve = await finish(['serve', '--help']);
    expect(serve.out).toMatch(/--port N\s+PORT: TCP port/);
    expect(serve.out).toMatch(/--prices JSON\s+PRICES: /);
    expect(serve.out).not.toMatch(/--count/);
  });
});

describe('start-up failures: one line, a distinct exit code', () => {
  it('a port in use: exit 3', async () => {
    const blocker = createServer();
    await new Promise<void>((ok) => blocker.listen(0, '127.0.0.1', ok));
    const { port } = blocker.address() as AddressInfo;
    try {
      const r = await finish(['serve', '--port', String(port), '--database-url', tempDb()]);
      expect(r.code).toBe(3);
      expectOneLine(r.out, new RegExp(`port ${port} on 127.0.0.1 is already in use.*--port`));
    } finally {
      blocker.close();
    }
  });

  it('an unreachable database server (refused port, unknown host): exit 3', async () => {
    const refused = await finish(['migrate'], {
      DATABASE_URL: `postgres://loft@127.0.0.1:${await freePort()}/loft`,
    });
    expect(refused.code).toBe(3);
    expectOneLine(
      refused.out,
      /refused the connection: start PostgreSQL there or fix DATABASE_URL/,
    );
    const unknown = await finish(['serve', '--port', '0'], {
      DATABASE_URL: 'postgres://loft@no-such-host.invalid:5432/loft',
    });
    expect(unknown.code).toBe(3);
    expectOneLine(unknown.out, /database host 'no-such-host.invalid' was not found/);
  });

  it('a database that does not exist on the server: exit 3', async (ctx) => {
    const server = await postgresServerUrl();
    if (!server) ctx.skip(); // needs a PostgreSQL server (CI and development have one)
    const url = new URL(server!);
    url.pathname = '/loft_no_such_database';
    const r = await finish(['migrate', '--database-url', url.toString()]);
    expect(r.code).toBe(3);
    expectOneLine(r.out, /database "loft_no_such_database" does not exist: create it/);
  });

  it('a data directory this user cannot write: exit 3', async () => {
    const dir = tempDir();
    chmodSync(dir, 0o555);
    // root writes anywhere: run the CLI as nobody then.
    const nobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const r = await finish(
      ['serve', '--port', '0'],
      { DATABASE_URL: `sqlite:${join(dir, 'data', 'loft.db')}` },
      nobody,
    );
    expect(r.code).toBe(3);
    expectOneLine(
      r.out,
      /cannot create or write the SQLite database .*make its directory writable/,
    );
  });

  it('a read-only database file: exit 3, says so', async () => {
    const dir = tempDir();
    const url = `sqlite:${join(dir, 'loft.db')}`;
    await (await openStore(url)).close(); // a migrated database
    chmodSync(dir, 0o777); // the -wal and -shm files could be created: only the file is read-only
    chmodSync(join(dir, 'loft.db'), 0o444);
    const nobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const r = await finish(['serve', '--port', '0', '--database-url', url], {}, nobody);
    expect(r.code).toBe(3);
    expectOneLine(
      r.out,
      /the SQLite database .*loft\.db is read-only \(SQLITE_READONLY: attempt to write a readonly database\): make it/,
    );
  });

  it('a full disk: exit 3, says so', async (ctx) => {
    // A real full disk: a 4 MB tmpfs, filled after the migrations. Mounting needs root.
    const dir = tempDir();
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', dir], { stdio: 'pipe' });
    } catch (e) {
      console.log(`skipped: cannot mount a tmpfs here (${String(e).trim()}); needs root`);
      ctx.skip();
    }
    try {
      const url = `sqlite:${join(dir, 'loft.db')}`;
      await (await openStore(url)).close(); // a migrated database
      const fd = openSync(join(dir, 'filler'), 'w');
      try {
        for (;;) writeSync(fd, Buffer.alloc(1 << 16));
      } catch (e) {
        expect((e as { code?: string }).code).toBe('ENOSPC');
      } finally {
        closeSync(fd);
      }
      const r = await finish(['serve', '--port', '0', '--database-url', url]);
      expect(r.code).toBe(3);
      expectOneLine(
        r.out,
        /the disk holding the SQLite database .*loft\.db is full \(SQLITE_\w+: .*\): free space on it/,
      );
    } finally {
      execFileSync('umount', ['-l', dir]);
    }
  });

  it('an invalid PRICES: exit 2 at start-up', async () => {
    const r = await finish(['serve', '--port', '0', '--database-url', tempDb()], {
      PRICES: '{"US":{"sms":"cheap"}}',
    });
    expect(r.code).toBe(2);
    expectOneLine(r.out, /PRICES.US.sms must be a non-negative number/);
  });
});
