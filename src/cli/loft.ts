#!/usr/bin/env node
import { ConfigError, loadConfig } from '../config.js';
import { banner, startServer, startWorker } from '../main.js';
import { openStore } from '../store/open.js';
import { redactUrl } from '../store/postgres/postgres.url.js';

const USAGE = `Usage: loft <command> [flags]

Commands:
  serve     run the HTTP server (default)
  worker    run only the background workers (dispatch, delivery reports, webhooks, retention)
  migrate   apply database migrations and exit
  seed      bulk-load realistic finished messages: seed --count N [--account AC…] [--batch-size N]

Flags (each mirrors an environment variable):
  --port N                 PORT (default 3000)
  --host H                 HOST (default 127.0.0.1)
  --database-url URL       DATABASE_URL (default sqlite:./data/loft.db)
  --account-sid AC…        TWILIO_ACCOUNT_SID (main account)
  --auth-token TOKEN       TWILIO_AUTH_TOKEN
  --public-base-url URL    PUBLIC_BASE_URL
  --log-level LEVEL        LOG_LEVEL (info)
  --body-limit BYTES       BODY_LIMIT (1048576)
  --workers on|off         WORKERS (on): run dispatch, delivery reports and webhooks here
  --webhook-timeout-ms N   WEBHOOK_TIMEOUT_MS (10000): per-request timeout of webhooks
  --retention-max-count N  RETENTION_MAX_COUNT (1000000): finished messages kept per account
  --retention-max-age D    RETENTION_MAX_AGE (off): e.g. 30d, 12h
  --retention-interval D   RETENTION_INTERVAL (60s): time between sweeps
  --job-lease D            JOB_LEASE (30s): lease of a claimed job; a dead process's jobs wait this long
  --pacing on|off          PACING (off): Twilio-like per-sender rates (long code 1 segment/s)
  --sim on|off             SIM (on): the simulated carrier and /sim; off in production
  --sim-delay-ms N         SIM_DELAY_MS (1000): simulated network delay before a delivery report
  --sim-seed S             SIM_SEED (loft): seed of probabilistic simulator outcomes
  --sim-rules JSON         SIM_RULES: failure-injection rules, e.g. '[{"match":"+1555*","outcome":"undelivered:30003"}]'
  --sim-chaos JSON         SIM_CHAOS: global mix, e.g. '{"mix":[{"probability":0.05,"outcome":"undelivered:30003"}]}'
  --prices JSON            PRICES: per-segment prices, e.g. '{"US":{"sms":0.0083,"mms":0.022}}'`;

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  const command = first === undefined || first.startsWith('-') ? 'serve' : first;
  const flags = command === first ? rest : argv;
  if (command === 'help' || flags.includes('--help') || flags.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  if (command === 'seed') return (await import('./seed.js')).seedCommand(flags, process.env);
  const config = loadConfig(flags, process.env);
  if (command === 'migrate') {
    const store = await openStore(config.databaseUrl);
    await store.close();
    console.log(`migrations applied to ${redactUrl(config.databaseUrl)}`);
    return 0;
  }
  if (command === 'worker') {
    const worker = await startWorker(config, {
      onError: (err) => console.error('loft worker: background job failed:', err),
    });
    console.log(`Loft worker running (store: ${worker.store.capabilities.engine})`);
    const stopWorker = () => {
      worker.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.on('SIGINT', stopWorker);
    process.on('SIGTERM', stopWorker);
    return -1;
  }
  if (command !== 'serve') {
    console.error(`unknown command '${command}'\n\n${USAGE}`);
    return 2;
  }
  const server = await startServer(config);
  console.log(banner(server, config));
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.app.log.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  return -1;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof ConfigError) {
      console.error(`loft: ${e.message}`);
      process.exitCode = 2;
    } else {
      console.error('loft: failed to start:', e);
      process.exitCode = 1;
    }
  },
);
