import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from '../config.js';
import {
  ApiError,
  loftClient,
  UnreachableError,
  type LoftClient,
  type MessageJson,
} from './client.js';
import { EXIT } from './failures.js';
import { commandHelp, type FlagHelp } from './help.js';
import { streamSource, type TailEvent, type TailSource } from './tail.source.js';

/** Where a client command writes: lines to stdout and to stderr. */
export interface CommandIo {
  out(line: string): void;
  err(line: string): void;
  /** Stops a command that runs until interrupted (`tail`). */
  signal?: AbortSignal;
  /** The source `tail` follows; the live stream when not given. */
  tailSource?: (client: LoftClient, o: { to?: string }) => TailSource;
}

/** The commands that talk to a running Loft over HTTP. */
export const CLIENT_COMMANDS = ['send', 'messages', 'tail', 'reset'] as const;
export type ClientCommand = (typeof CLIENT_COMMANDS)[number];

/** Flags every client command takes: where Loft is, and whose credentials. */
const CONNECTION: FlagHelp[] = [
  {
    flag: 'url',
    arg: 'URL',
    env: 'PUBLIC_BASE_URL',
    help: "Loft's base URL (else http://HOST:PORT from their variables, http://127.0.0.1:3000)",
  },
  { flag: 'account-sid', arg: 'AC…', env: 'TWILIO_ACCOUNT_SID', help: 'account to act as' },
  { flag: 'auth-token', arg: 'TOKEN', env: 'TWILIO_AUTH_TOKEN', help: "the account's auth token" },
];
const JSON_FLAG: FlagHelp = { flag: 'json', arg: '', help: 'print the API JSON instead of lines' };

/** Each command's own flags, usage and summary. */
const SPECS: Record<ClientCommand, { usage: string; summary: string; flags: FlagHelp[] }> = {
  send: {
    usage: 'loft send --to E164 --body TEXT [--from E164] [--media URL]… [flags]',
    summary:
      "Sends a message (POST Messages.json). Without --from: the account's first SMS number.",
    flags: [
      { flag: 'to', arg: 'E164', help: 'recipient' },
      { flag: 'body', arg: 'TEXT', help: 'text of the message' },
      { flag: 'from', arg: 'E164', help: 'sender (a number the account owns)' },
      { flag: 'media', arg: 'URL', help: 'a MediaUrl (repeat for several)' },
      { flag: 'messaging-service-sid', arg: 'MG…', help: 'send through a Messaging Service' },
      { flag: 'status-callback', arg: 'URL', help: 'StatusCallback URL' },
      JSON_FLAG,
    ],
  },
  messages: {
    usage: 'loft messages list|get|redact|delete [SM…] [flags]',
    summary:
      'list: the newest messages, one line each; get: one message (JSON); redact: empties its body; delete: deletes it.',
    flags: [
      { flag: 'to', arg: 'E164', help: 'list: only messages to this address' },
      { flag: 'from', arg: 'E164', help: 'list: only messages from this address' },
      { flag: 'limit', arg: 'N', help: 'list: how many, newest first (20)' },
      JSON_FLAG,
    ],
  },
  tail: {
    usage: 'loft tail [--to E164] [--status STATUS] [flags]',
    summary:
      'Follows messages as they change, one line per status reached, until interrupted (Ctrl-C).',
    flags: [
      { flag: 'to', arg: 'E164', help: 'only messages to this address' },
      { flag: 'status', arg: 'STATUS', help: 'only this status (delivered, undelivered, …)' },
    ],
  },
  reset: {
    usage: 'loft reset [flags]',
    summary:
      'Deletes every finished message of the account with its media, history, handset copies and webhook attempts (DELETE /loft/v1/Accounts/{AC}/Messages); messages still queued, sending, scheduled or sent without a final report stay.',
    flags: [JSON_FLAG],
  },
};

/** The help of a client command. */
export function clientHelp(command: ClientCommand): string {
  const spec = SPECS[command];
  return commandHelp(spec.usage, spec.summary, [...spec.flags, ...CONNECTION]);
}

/**
 * Loft's base URL for the client commands: `--url`, else PUBLIC_BASE_URL (the URL clients use to
 * reach Loft), else `http://HOST:PORT` as `loft serve` would listen with the same variables.
 */
export function clientUrl(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  const given = flag ?? (env['PUBLIC_BASE_URL'] || undefined);
  const host = env['HOST'] || '127.0.0.1';
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const url = (
    given ?? `http://${shown.includes(':') ? `[${shown}]` : shown}:${env['PORT'] || '3000'}`
  ).replace(/\/+$/, '');
  try {
    new URL(url);
  } catch {
    throw new ConfigError(`--url must be an absolute URL, got '${url}'`);
  }
  return url;
}

/** A message in one line: SID, status, addresses, creation time, body, error. */
export function messageLine(m: MessageJson): string {
  const error = m.error_code === null ? '' : `  ${m.error_code} ${m.error_message ?? ''}`.trimEnd();
  const body = m.body.length > 40 ? `${m.body.slice(0, 39)}…` : m.body;
  return `${m.sid}  ${m.status.padEnd(11)}  ${m.from ?? '-'} → ${m.to}  ${iso(m.date_created)}  ${JSON.stringify(body)}${error}`;
}

/** A status reached, in one line: when, SID, status (and error), addresses. */
export function tailLine(e: TailEvent): string {
  const error = e.errorCode === null ? '' : ` ${e.errorCode}`;
  return `${e.date}  ${e.sid}  ${(e.status + error).padEnd(17)}  ${e.from ?? '-'} → ${e.to}`;
}

/** Twilio's RFC 2822 dates as ISO 8601 (UTC). */
const iso = (rfc2822: string): string => {
  const d = new Date(rfc2822);
  return Number.isNaN(d.getTime()) ? rfc2822 : d.toISOString().replace('.000Z', 'Z');
};

/** Flags that may be repeated (each value kept). */
const REPEATED = new Set(['media']);

function parse(command: ClientCommand, argv: string[]) {
  // Each flag as its help declares it: one without an argument is a switch.
  const options: NonNullable<ParseArgsConfig['options']> = Object.fromEntries(
    [...SPECS[command].flags, ...CONNECTION].map((f) => [
      f.flag,
      f.arg === ''
        ? { type: 'boolean' as const }
        : { type: 'string' as const, multiple: REPEATED.has(f.flag) },
    ]),
  );
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new ConfigError(`${(e as Error).message} (loft ${command} --help)`);
  }
}

/**
 * Runs a client command against a running Loft; returns the exit code: 0 done, 1 the API
 * refused (its error printed), 2 bad usage or settings, 3 Loft unreachable.
 */
export async function runClientCommand(
  command: ClientCommand,
  argv: string[],
  env: NodeJS.ProcessEnv,
  io: CommandIo,
): Promise<number> {
  try {
    const { values, positionals } = parse(command, argv);
    const v = values as Record<string, string | string[] | boolean | undefined>;
    const str = (name: string) => v[name] as string | undefined;
    const accountSid = str('account-sid') ?? (env['TWILIO_ACCOUNT_SID'] || undefined);
    const authToken = str('auth-token') ?? (env['TWILIO_AUTH_TOKEN'] || undefined);
    if (!accountSid || !authToken) {
      throw new ConfigError(
        'set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or --account-sid and --auth-token): the main account is in the start-up banner',
      );
    }
    const client = loftClient({ url: clientUrl(str('url'), env), accountSid, authToken });
    const json = v['json'] === true;
    const print = (value: unknown, line: string) =>
      io.out(json ? JSON.stringify(value, null, 2) : line);
    switch (command) {
      case 'send': {
        if (positionals.length > 0) throw new ConfigError(`unexpected '${positionals[0]}'`);
        const to = str('to');
        if (!to) throw new ConfigError('send needs --to');
        const service = str('messaging-service-sid');
        let from = str('from');
        if (!from && !service) {
          from = await client.firstNumber();
          if (!from) {
            throw new ConfigError(
              'send needs --from: the account has no number yet (buy one: POST IncomingPhoneNumbers.json)',
            );
          }
        }
        const m = await client.send({
          To: to,
          From: from,
          MessagingServiceSid: service,
          Body: str('body'),
          MediaUrl: v['media'] as string[] | undefined,
          StatusCallback: str('status-callback'),
        });
        print(m, messageLine(m));
        return EXIT.ok;
      }
      case 'messages':
        return await messages(client, positionals, v, print, io);
      case 'tail': {
        if (positionals.length > 0) throw new ConfigError(`unexpected '${positionals[0]}'`);
        const status = str('status');
        const to = str('to');
        const source =
          io.tailSource?.(client, { ...(to && { to }) }) ??
          streamSource(client, { ...(to && { to }), reconnectMs: 1000, window: 50 });
        await source.follow(
          {
            onEvent: (e) => {
              if (status === undefined || e.status === status) io.out(tailLine(e));
            },
            onReady: () => io.err(`following the messages of ${accountSid} (Ctrl-C to stop)`),
            onError: (e) => io.err(`loft tail: ${describe(e)}; reconnecting`),
            onSkipped: (n) => io.err(`loft tail: ${n} new messages at once, not followed`),
          },
          io.signal ?? new AbortController().signal,
        );
        return EXIT.ok;
      }
      case 'reset': {
        if (positionals.length > 0) throw new ConfigError(`unexpected '${positionals[0]}'`);
        const r = await client.reset();
        print(
          r,
          `deleted ${r.deleted} finished message${r.deleted === 1 ? '' : 's'} of ${r.account_sid}`,
        );
        return EXIT.ok;
      }
    }
  } catch (e) {
    io.err(`loft ${command}: ${describe(e)}`);
    if (e instanceof ConfigError) return EXIT.config;
    if (e instanceof UnreachableError) return EXIT.unavailable;
    if (e instanceof ApiError) return EXIT.failure;
    throw e;
  }
}

/** `loft messages list|get|redact|delete`. */
async function messages(
  client: LoftClient,
  positionals: string[],
  v: Record<string, string | string[] | boolean | undefined>,
  print: (value: unknown, line: string) => void,
  io: CommandIo,
): Promise<number> {
  const [action, sid, extra] = positionals;
  if (extra !== undefined) throw new ConfigError(`unexpected '${extra}'`);
  const needSid = () => {
    if (!sid) throw new ConfigError(`messages ${action} needs a message SID`);
    return sid;
  };
  switch (action) {
    case 'list': {
      if (sid !== undefined) throw new ConfigError(`unexpected '${sid}'`);
      const raw = (v['limit'] as string | undefined) ?? '20';
      if (!/^\d+$/.test(raw) || Number(raw) < 1) {
        throw new ConfigError(`--limit must be a positive integer, got '${raw}'`);
      }
      const limit = Number(raw);
      const out: MessageJson[] = [];
      let page = await client.page({
        ...(typeof v['to'] === 'string' && { to: v['to'] }),
        ...(typeof v['from'] === 'string' && { from: v['from'] }),
        pageSize: Math.min(limit, 1000),
      });
      for (;;) {
        out.push(...page.messages.slice(0, limit - out.length));
        if (out.length >= limit || !page.next_page_uri) break;
        page = await client.page({ uri: page.next_page_uri });
      }
      if (v['json'] === true) io.out(JSON.stringify(out, null, 2));
      else for (const m of out) io.out(messageLine(m));
      return EXIT.ok;
    }
    case 'get': {
      const m = await client.get(needSid());
      io.out(JSON.stringify(m, null, 2));
      return EXIT.ok;
    }
    case 'redact': {
      const m = await client.redact(needSid());
      print(m, `${m.sid} redacted`);
      return EXIT.ok;
    }
    case 'delete': {
      await client.remove(needSid());
      print({ sid, deleted: true }, `${sid} deleted`);
      return EXIT.ok;
    }
    default:
      throw new ConfigError(
        `messages needs list, get, redact or delete${action ? `, not '${action}'` : ''}`,
      );
  }
}

/** An error in one line: Twilio's status, code and message for API errors. */
function describe(e: unknown): string {
  if (e instanceof ApiError) {
    return `${e.status}${e.code === undefined ? '' : ` ${e.code}`} ${e.message}`;
  }
  return e instanceof Error ? e.message : String(e);
}
