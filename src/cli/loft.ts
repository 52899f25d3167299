#!/usr/bin/env node
import { FLAGS, loadConfig } from '../config.js';
import { banner, openMetricsWarning, startServer, startWorker } from '../main.js';
import { openStore } from '../store/open.js';
import { createLogger } from '../log/loggers.js';
import { stopOnSignals } from './shutdown.js';
import { redactUrl } from '../store/postgres/postgres.url.js';
import { EXIT, explain } from './failures.js';
import { commandHelp, configFlags, version } from './help.js';
import {
  CLIENT_COMMANDS,
  clientHelp,
  runClientCommand,
  type ClientCommand,
} from './client.commands.js';

const isClientCommand = (c: string): c is ClientCommand =>
  (CLIENT_COMMANDS as readonly string[]).includes(c);

const CONFIG_FLAGS = Object.keys(FLAGS) as Array<keyof typeof FLAGS>;
/**
 * `loft worker` has no API (only /metrics and /livez on METRICS_PORT, at HOST) and does not
 * create the main account; `loft serve` serves /metrics on its own port.
 */
const NOT_WORKER = ['port', 'body-limit', 'account-sid', 'auth-token'];
const WORKER_FLAGS = CONFIG_FLAGS.filter((f) => !NOT_WORKER.includes(f));
const SERVE_FLAGS = CONFIG_FLAGS.filter((f) => f !== 'metrics-port');

/** Each command's help: what it does and the flags it reads. */
const COMMANDS: Record<string, () => string | Promise<string>> = {
  serve: () =>
    commandHelp(
      'loft serve [flags]',
      'Runs the HTTP server (and, unless --workers off, the background workers).',
      configFlags(SERVE_FLAGS),
    ),
  worker: () =>
    commandHelp(
      'loft worker [flags]',
      'Runs only the background workers (dispatch, delivery reports, webhooks, retention).',
      configFlags(WORKER_FLAGS),
    ),
  migrate: () =>
    commandHelp(
      'loft migrate [flags]',
      'Applies database migrations and exits.',
      configFlags(['database-url']),
    ),
  seed: async () => (await import('./seed.js')).seedHelp(),
  ...Object.fromEntries(CLIENT_COMMANDS.map((c) => [c, () => clientHelp(c)])),
};

const USAGE = `Usage: loft <command> [flags]

Commands:
  serve     run the HTTP server (default)
  worker    run only the background workers (dispatch, delivery reports, webhooks, retention)
  migrate   apply database migrations and exit
  seed      bulk-load realistic finished messages: seed --count N

Client commands (talk to a running Loft: --url, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN):
  send      send a message: send --to E164 --body TEXT [--from E164] [--media URL]
  messages  messages list | get SM… | redact SM… | delete SM…
  tail      follow messages as they change: tail [--to E164] [--status STATUS]
  reset     delete every finished message of the account

Run 'loft <command> --help' for a command's flags; 'loft --version' prints the version.

Exit codes: 0 done, 1 unexpected failure (client commands: the API refused), 2 invalid
configuration or usage, 3 something the configuration names is unavailable (port in use,
database unreachable or missing, data directory not writable; Loft, for client commands).`;

/** The configured store, for start-up failures met after it opened (see `explain`). */
let databaseUrl: string | undefined;

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  const command = first === undefined || first.startsWith('-') ? 'serve' : first;
  const flags = command === first ? rest : argv;
  if (flags.includes('--version') || flags.includes('-v') || command === 'version') {
    console.log(version());
    return 0;
  }
  if (command === 'help' || flags.includes('--help') || flags.includes('-h')) {
    // `loft help seed`, `loft seed --help`; `loft --help` alone: the commands.
    const topic = command === 'help' ? flags[0] : command === first ? command : undefined;
    const help = topic === undefined ? undefined : COMMANDS[topic];
    console.log(help ? await help() : USAGE);
    return 0;
  }
  if (command === 'seed') return (await import('./seed.js')).seedCommand(flags, process.env);
  if (isClientCommand(command)) {
    const stop = new AbortController();
    // `tail` runs until interrupted: Ctrl-C ends it cleanly (exit 0).
    if (command === 'tail') {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
    }
    return runClientCommand(command, flags, process.env, {
      out: (line) => console.log(line),
      err: (line) => console.error(line),
      signal: stop.signal,
    });
  }
  const config = loadConfig(flags, process.env);
  databaseUrl = config.databaseUrl;
  if (command === 'migrate') {
    const log = createLogger({ level: config.logLevel, format: config.logFormat });
    const store = await openStore(config.databaseUrl, {
      sqliteWalLimitMb: config.sqliteWalLimitMb,
      log: log.child({ subsystem: 'store' }),
    });
    await store.close();
    console.log(`migrations applied to ${redactUrl(config.databaseUrl)}`);
    return 0;
  }
  if (command === 'worker') {
    const worker = await startWorker(config);
    // Before the lines that say it runs: a SIGTERM sent on reading them must stop it gracefully.
    stopOnSignals(worker, config.shutdownTimeoutMs);
    console.log(`Loft worker running (store: ${worker.store.capabilities.engine})`);
    if (worker.metricsServer) {
      console.log(`Metrics: ${worker.metricsServer.url}/metrics, liveness: /livez`);
      const open = openMetricsWarning(config, config.host);
      if (open) worker.loggers.root.warn({ host: config.host }, open);
    }
    return -1;
  }
  if (command !== 'serve') {
    console.error(`unknown command '${command}'\n\n${USAGE}`);
    return EXIT.config;
  }
  const server = await startServer(config);
  // Before the banner: a SIGTERM sent on reading it (a test, a supervisor) must stop gracefully;
  // installed after, it could arrive first and kill the process outright (exit by signal).
  stopOnSignals(server, config.shutdownTimeoutMs);
  console.log(banner(server, config));
  return -1;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (e: unknown) => {
    // Known failures (bad settings, a port in use, a database out of reach) in one line.
    const known = explain(e, databaseUrl);
    if (known) console.error(`loft: ${known.line}`);
    else console.error('loft: failed to start:', e);
    process.exitCode = known?.code ?? EXIT.failure;
  },
);
