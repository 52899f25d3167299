import { mulberry32, MULBERRY32_STEP } from '../../src/random.js';

/** A seeded source of choices (mulberry32, as the simulator and the seed loader use). */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + MULBERRY32_STEP) >>> 0;
    return mulberry32(this.state);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
}

/** One route of the app's route table: a URL template (`:Param` segments) and its methods. */
export interface RouteEntry {
  url: string;
  methods: string[];
}

/**
 * The routes of `printRoutes({ commonPrefix: false })`'s tree: each line is a node whose path
 * continues its parent's; `/:Sid|:ServiceSid` (two names for one parameter) keeps the first.
 */
export function routesFromTree(tree: string): RouteEntry[] {
  const routes: RouteEntry[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^([│ ]*)[├└]── (\S+)(?: \(([A-Z, ]+)\))?$/.exec(line.replaceAll('\u00a0', ' '));
    if (!m) continue;
    const depth = (m[1] ?? '').length / 4;
    const segment = (m[2] ?? '').replace(/:(\w+)(\|:\w+)+/g, ':$1');
    stack.length = depth;
    const url = (stack[depth - 1] ?? '') + segment;
    stack.push(url);
    if (m[3]) routes.push({ url, methods: m[3].split(', ') });
  }
  return routes;
}

/** A request to send as raw bytes, and what to expect of its exchange. */
export interface FuzzRequest {
  /** What kind of malformation it carries, for the histogram. */
  kind: string;
  bytes: Buffer;
  head: boolean;
  /** Half-close after sending (a truncated body: the server sees the end of the stream). */
  end: boolean;
  /** Why the server may close the connection without an answer, when it may. */
  unanswered?: string;
  /** The route template it aims at (for reports). */
  route: string;
}

/** What the fuzzer knows of the server: credentials and real SIDs to aim at. */
export interface FuzzTarget {
  routes: RouteEntry[];
  auth: string;
  /** Other credentials: test credentials, a subaccount's, … (all valid). */
  otherAuth: string[];
  /** Real SIDs by prefix (`AC`, `SM`, `PN`, …) and other real path values (`number`, `id`). */
  known: Record<string, string[]>;
  /** Phone numbers the main account owns (valid `From`s). */
  numbers: string[];
}

/**
 * Cases of a generator that are known to answer 5xx and are fixed on another branch: each is
 * `[why, predicate on the final request text]`; the generator redraws a request that matches.
 */
export type Exclusion = readonly [string, (text: string) => boolean];

const HEX = '0123456789abcdef';
const PREFIX_OF_SEGMENT: Record<string, string> = {
  Accounts: 'AC',
  Keys: 'SK',
  IncomingPhoneNumbers: 'PN',
  PhoneNumbers: 'PN',
  Messages: 'SM',
  Media: 'ME',
  Applications: 'AP',
  Services: 'MG',
};

const PROTO_NAMES = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
];

/** Strings that are dangerous somewhere: SQL, HTML, paths, prototype names, format strings. */
const NASTY = [
  "' OR '1'='1",
  '1; DROP TABLE messages; --',
  '"; SELECT pg_sleep(0); --',
  '<script>alert(1)</script>',
  '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '%2e%2e%2f%2e%2e%2f',
  '${jndi:ldap://x}',
  '%s%s%s%n',
  '{{7*7}}',
  ...PROTO_NAMES,
  '',
  ' ',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-1',
  '1e309',
  '9007199254740993',
  '0x1F',
  '\u0000',
  'a\u0000b',
  '\r\nX-Injected: 1',
  '\ud83d\ude00\ud83d\ude00',
  '\u202e\u0645\u0631\u062d\u0628\u0627',
  '\ufeff',
  'true',
  '[]',
  '{}',
];

const PARAM_NAMES = [
  'To',
  'From',
  'Body',
  'MessagingServiceSid',
  'MediaUrl',
  'StatusCallback',
  'StatusCallbackMethod',
  'ApplicationSid',
  'MaxPrice',
  'ProvideFeedback',
  'Attempt',
  'ValidityPeriod',
  'ForceDelivery',
  'SmartEncoded',
  'PersistentAction',
  'ShortenUrls',
  'ScheduleType',
  'SendAt',
  'SendAsMms',
  'ContentSid',
  'ContentVariables',
  'Tags',
  'PageSize',
  'Page',
  'PageToken',
  'DateSent',
  'DateSent<',
  'DateSent>',
  'DateCreated>',
  'FriendlyName',
  'PhoneNumber',
  'PhoneNumberSid',
  'SmsUrl',
  'SmsMethod',
  'SmsFallbackUrl',
  'SmsApplicationSid',
  'VoiceUrl',
  'Status',
  'Outcome',
  'Sid',
  'AuthToken',
  'InboundRequestUrl',
  'StopReply',
  'HelpReply',
  'after',
  'limit',
  ...PROTO_NAMES,
  '__proto__[polluted]',
  'constructor[prototype][polluted]',
  'To[]',
  'To[0]',
  'a.b',
  '',
];

/** JSON field names the /sim routes read. */
const SIM_FIELDS = [
  'match',
  'outcome',
  'rules',
  'chaos',
  'deliveryDelayMs',
  'seed',
  'to',
  'body',
  'mediaUrls',
  'errorCode',
  'delayMs',
  'probability',
  ...PROTO_NAMES,
];

const ODD_METHODS = [
  'TRACE',
  'CONNECT',
  'PROPFIND',
  'MKCOL',
  'SEARCH',
  'PURGE',
  'LINK',
  'QUERY',
  'FOO',
  'get',
  'G\u00c9T',
  'GET GET',
  '',
];

const CONTENT_TYPES = [
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=utf-8',
  'application/x-www-form-urlencoded; charset=iso-8859-1',
  'application/x-www-form-urlencoded; charset=utf-16',
  'APPLICATION/X-WWW-FORM-URLENCODED',
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'text/html',
  'multipart/form-data; boundary=xyz',
  'application/xml',
  'application/octet-stream',
  '*/*',
  'application/',
  ';;;',
  'application/x-www-form-urlencoded; a="unterminated',
  'application/json; ' + 'p=x;'.repeat(500),
  '',
];

/** Builds malformed requests against `target`, deterministically from `seed`. */
export function fuzzRequests(
  target: FuzzTarget,
  seed: number,
  exclusions: readonly Exclusion[] = [],
): () => FuzzRequest {
  const rng = new Rng(seed);

  const hex = (n: number) => Array.from({ length: n }, () => rng.pick([...HEX])).join('');

  /** A SID that does not exist or is not a SID at all. */
  const badSid = (prefix: string): string =>
    rng.pick<() => string>([
      () => rng.pick(['XX', 'AC', 'SM', 'MM', 'PN', 'ac', 'sm']) + hex(32),
      () => prefix + hex(rng.pick([0, 1, 31, 33, 64, 200])),
      () => prefix + 'g'.repeat(32),
      () => prefix + hex(32).toUpperCase(),
      () => prefix + hex(30) + '%00',
      () => rng.pick(NASTY),
      () => rng.pick(PROTO_NAMES),
      () => prefix + 'x'.repeat(rng.pick([120, 1000, 5000])),
    ])();

  const realFor = (segment: string | undefined): string[] => {
    const prefix = segment ? PREFIX_OF_SEGMENT[segment] : undefined;
    return prefix ? (target.known[prefix] ?? []) : Object.values(target.known).flat();
  };

  /** A value for a path parameter: mostly real, else broken; encoded unless raw bytes win. */
  const pathValue = (name: string, segment: string | undefined): string => {
    const prefix = (segment && PREFIX_OF_SEGMENT[segment]) ?? 'XX';
    const real = name === 'number' ? target.numbers : (target.known[name] ?? realFor(segment));
    const value = real.length > 0 && rng.chance(0.6) ? rng.pick(real) : badSid(prefix);
    return rng.chance(0.85) ? encode(value) : rawBytes(value);
  };

  /** Percent-encoding as a client would do it, or broken on purpose. */
  const encode = (s: string): string => {
    try {
      return encodeURIComponent(s);
    } catch {
      // A lone surrogate: send its WTF-8 bytes percent-encoded (invalid UTF-8).
      return [...Buffer.from(s, 'utf16le')]
        .map((b) => '%' + b.toString(16).padStart(2, '0'))
        .join('');
    }
  };
  /** Bytes a client should never send: invalid escapes, invalid UTF-8, raw spaces and NULs. */
  const rawBytes = (s: string): string =>
    rng.pick<() => string>([
      () => s + '%',
      () => s + '%Z' + rng.pick(['Z', '1', '']),
      () => s + '%E0%A4%A',
      () => s + '%C0%AF',
      () => s + '%FF%FE',
      () => s + '%ED%A0%80', // an encoded surrogate half
      () => s + '\u00ff\u00fe', // latin1 bytes 0xFF 0xFE on the wire
      () => s + '\u00c3(',
      () => s + '%00',
      () => s + '\u0000',
      () => s + ' ' + s,
      () => s.replaceAll('a', '%61') + '%2F..%2F..',
    ])();

  const phone = (): string =>
    rng.pick<() => string>([
      () => rng.pick(target.numbers),
      () => '+1415555' + String(rng.int(10000)).padStart(4, '0'),
      () => '+44' + hex(10).replace(/[a-f]/g, '7'),
      () => '+' + '9'.repeat(rng.pick([1, 16, 40])),
      () =>
        rng.pick([
          'whatsapp:+14155550100',
          'sip:x@y',
          'client:bob',
          '+1 (415) 555-0100',
          '415-555-0100',
        ]),
    ])();

  /** A parameter value: plausible, nasty or huge. */
  const value = (): string =>
    rng.pick<() => string>([
      () => phone(),
      () => phone(),
      () => rng.pick(['hello', 'STOP', 'START', 'HELP', 'Ol\u00e1 \u4f60\u597d', 'x'.repeat(1601)]),
      () => rng.pick(Object.values(target.known).flat()),
      () =>
        rng.pick([
          'http://127.0.0.1:1/cb',
          'https://example.invalid/x.png',
          'file:///etc/passwd',
          'ftp://x',
          'http://[::1',
          'javascript:alert(1)',
          'http://' + 'a'.repeat(300) + '.com',
        ]),
      () =>
        rng.pick([
          '2020-01-01',
          '2020-13-45',
          '1970-01-01T00:00:00Z',
          'Tue, 10 Aug 2010 00:00:00 +0000',
          '0',
          '-0',
        ]),
      () =>
        rng.pick([
          '1',
          '0',
          '-5',
          '50',
          '1000',
          '1001',
          '2147483648',
          '1.5',
          'abc',
          'true',
          'fixed',
          'active',
          'suspended ',
          'CLOSED',
          'delivered',
          'failed',
          'confirmed',
          'GET',
          'POST',
          'DELETE',
        ]),
      () => rng.pick(NASTY),
      () => 'PT' + hex(rng.pick([8, 40])),
      () => JSON.stringify({ '1': rng.pick(NASTY), __proto__: 'x' }),
      () => (rng.chance(0.1) ? 'y'.repeat(rng.pick([10_000, 200_000, 900_000])) : 'z'.repeat(2000)),
    ])();

  /** A form or query string: known names, repeats, nasty values, sometimes broken escapes. */
  const form = (): string => {
    const parts: string[] = [];
    const n = rng.pick([0, 1, 2, 3, 4, 6, 10]);
    for (let i = 0; i < n; i++) {
      const k = rng.pick(PARAM_NAMES);
      const v = value();
      const repeat = rng.chance(0.1) ? rng.pick(v.length > 2000 ? [2, 3] : [2, 3, 50, 1000]) : 1;
      for (let r = 0; r < repeat; r++) {
        const key = rng.chance(0.95) ? encode(k) : rawBytes(k);
        const val = rng.chance(0.9)
          ? encode(v).replaceAll('%20', rng.pick(['%20', '+']))
          : rawBytes(v);
        parts.push(rng.chance(0.03) ? key : `${key}=${val}`);
      }
    }
    if (rng.chance(0.05)) parts.push(rng.pick(['&&&', '=', '==', '&=&', '%', 'a=%']));
    // Often a valid message on top, so creates get past validation into the store.
    if (rng.chance(0.3)) {
      parts.unshift(`To=${encode(phone())}&From=${encode(rng.pick(target.numbers))}&Body=hello`);
    }
    return parts.join('&');
  };

  /** A JSON body for /sim: plausible, wrong types, nested deep, or truncated. */
  const json = (): string => {
    const field = (): [string, unknown] => [
      rng.pick(SIM_FIELDS),
      rng.pick<() => unknown>([
        () => value(),
        () => rng.int(1e9) - 5e8,
        () => rng.pick([null, true, false, 1e308, -0, 0.5]),
        () => [value(), value()],
        () => ({ [rng.pick(SIM_FIELDS)]: value() }),
      ])(),
    ];
    const obj = Object.fromEntries(Array.from({ length: rng.int(5) }, field));
    return rng.pick<() => string>([
      () => JSON.stringify(obj),
      () => JSON.stringify([obj, obj]),
      () => JSON.stringify(value()),
      () => rng.pick(['null', 'true', '0', '""', '[]', '{}', '[[[]]]']),
      () => JSON.stringify(obj).slice(0, rng.int(40)),
      () => '{"__proto__":{"polluted":1},"match":"+1*","outcome":"failed"}',
      () => '{"constructor":{"prototype":{"polluted":1}}}',
      () => '{"a":1,"a":2,"a":' + '1'.repeat(400) + '}',
      () => '\ufeff{}',
      () => {
        const depth = rng.pick([64, 1000, 10_000, 100_000]);
        return rng.chance(0.5)
          ? '['.repeat(depth) + ']'.repeat(depth)
          : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
      },
    ])();
  };

  const authHeader = (): string | undefined =>
    rng.chance(0.85)
      ? rng.chance(0.85)
        ? target.auth
        : rng.pick(target.otherAuth)
      : rng.pick<() => string | undefined>([
          () => undefined,
          () =>
            'Basic ' +
            Buffer.from(`${rng.pick(target.known['AC'] ?? ['AC'])}:wrong`).toString('base64'),
          () => 'Basic ' + Buffer.from(rng.pick(NASTY) + ':' + rng.pick(NASTY)).toString('base64'),
          () => 'Basic ' + Buffer.from('no-colon').toString('base64'),
          () => 'Basic !!!not base64!!!',
          () => 'Basic',
          () => 'Bearer ' + hex(40),
          () => 'Basic ' + 'QUFB'.repeat(2000),
          () => 'Basic ' + Buffer.from('\u00ff\u00fe:\u0000').toString('latin1'),
        ])();

  /** A path for `route`: its parameters filled, a query string, sometimes mangled. */
  const pathFor = (route: RouteEntry): string => {
    const segments = route.url.split('/');
    const filled = segments.map((seg, i) =>
      seg.replace(/^:(\w+)/, (_, name: string) => pathValue(name, segments[i - 1])),
    );
    let path = filled.join('/');
    if (rng.chance(0.05)) {
      path = rng.pick<() => string>([
        () => path + '/',
        () => path.replace('/', '//'),
        () => path + '/..',
        () => path.toLowerCase(),
        () => path.replace('.json', '.xml'),
        () => path + '.json',
        () => path + '#frag',
        () => path + ';jsessionid=1',
      ])();
    }
    if (rng.chance(0.5)) path += '?' + form();
    return path;
  };

  const build = (): FuzzRequest => {
    const route = rng.pick(target.routes);
    let method = rng.chance(0.9) ? rng.pick(route.methods) : rng.pick(ODD_METHODS);
    let path = pathFor(route);
    const headers: string[] = ['Host: fuzz.test', 'Connection: close'];
    const sim = route.url.startsWith('/sim');
    // /sim takes the API's credentials too, so every route gets the same mix.
    const auth = authHeader();
    if (auth !== undefined) headers.push(`Authorization: ${auth}`);
    let kind = sim ? 'sim' : 'api';
    let body: Buffer | undefined;
    let end = false;
    const wantsBody = ['POST', 'PUT', 'PATCH'].includes(method) || rng.chance(0.1);
    if (wantsBody) {
      const text = sim && rng.chance(0.8) ? json() : form();
      const type = rng.chance(0.8)
        ? sim
          ? 'application/json'
          : 'application/x-www-form-urlencoded'
        : rng.pick(CONTENT_TYPES);
      if (type !== '' || rng.chance(0.5)) headers.push(`Content-Type: ${type}`);
      body = Buffer.from(text, rng.chance(0.97) ? 'utf8' : 'latin1');
      const framing = rng.int(20);
      if (framing === 0) {
        // Truncated: announce more than is sent, then end the stream.
        headers.push(`Content-Length: ${body.length + 1 + rng.int(5000)}`);
        end = true;
        kind += ':truncated';
      } else if (framing === 1) {
        headers.push('Transfer-Encoding: chunked');
        const cut = rng.int(body.length + 1);
        body = Buffer.concat([
          Buffer.from(rng.pick([cut.toString(16), 'zz', '-1', 'ffffffffffffffff']) + '\r\n'),
          body.subarray(0, cut),
          Buffer.from(rng.chance(0.5) ? '\r\n0\r\n\r\n' : '\r\n'),
        ]);
        end = true;
        kind += ':chunked';
      } else if (framing === 2) {
        headers.push(`Content-Length: ${body.length}`, `Content-Length: ${body.length + 1}`);
        kind += ':double-length';
      } else if (framing === 3) {
        headers.push(
          `Content-Length: ${rng.pick(['-1', 'abc', '1e3', ' 5', '99999999999999999999'])}`,
        );
        end = true; // a length that parses may still be more than is sent
        kind += ':bad-length';
      } else {
        headers.push(`Content-Length: ${body.length}`);
      }
    }
    const extra = rng.int(40);
    if (extra === 0) {
      headers.push(`X-Huge: ${'h'.repeat(rng.pick([8_000, 20_000, 70_000]))}`);
      kind += ':huge-header';
    } else if (extra === 1) {
      for (let i = 0; i < 300; i++) headers.push(`X-Many-${i}: ${i}`);
      kind += ':many-headers';
    } else if (extra === 2) {
      headers.push(
        rng.pick([
          'X-Nul: a\u0000b',
          'X-Bytes: \u00ff\u00fe\u00c3(',
          'Bad Header: x',
          ': empty',
          'X-Fold: a\r\n folded',
        ]),
      );
      kind += ':bad-header';
    } else if (extra === 3) {
      headers.push('Expect: 100-continue');
    } else if (extra === 4) {
      headers.push(
        `X-Twilio-Request-Id: ${rng.pick(NASTY)}`,
        `X-Forwarded-For: ${rng.pick(NASTY)}`,
      );
    } else if (extra === 5) {
      headers.splice(0, 1); // no Host
      kind += ':no-host';
    }
    let version = 'HTTP/1.1';
    const line = rng.int(60);
    if (line === 0) version = rng.pick(['HTTP/1.0', 'HTTP/2.0', 'HTTP/9.9', 'HTTP/1.1x', '']);
    else if (line === 1) path = 'http://fuzz.test' + path;
    else if (line === 2) path = rng.pick(['*', '', 'nopath', '/' + 'p'.repeat(70_000)]);
    else if (line === 3) method = rng.pick(ODD_METHODS);
    if (line <= 3) kind += ':request-line';
    const head = `${method} ${path} ${version}\r\n${headers.join('\r\n')}\r\n\r\n`;
    const bytes = Buffer.concat([Buffer.from(head, 'latin1'), body ?? Buffer.alloc(0)]);
    return {
      kind,
      bytes,
      head: method === 'HEAD',
      end,
      route: route.url,
      ...(end && { unanswered: 'the stream ended mid-request' }),
      // Node's HTTP server closes a CONNECT unanswered when nothing listens for it
      // (nodejs.org/api/http.html#event-connect): no response at all, so nothing to check.
      ...(method === 'CONNECT' && { unanswered: 'CONNECT' }),
    };
  };

  return () => {
    for (;;) {
      const req = build();
      const text = req.bytes.toString('latin1');
      if (!exclusions.some(([, matches]) => matches(text))) return req;
    }
  };
}
