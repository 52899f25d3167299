/**
 * Test helper: validate HTTP response bodies against Twilio's OpenAPI 3.0 descriptions of the
 * api.twilio.com 2010-04-01 API and of Messaging v1 (`/v1/Services`), twilio/twilio-oai
 * `spec/json/twilio_api_v2010.json` and `twilio_messaging_v1.json` as the pinned
 * `@twilio-alpha/mcp` devDependency ships them (see twilio-oai.ts). A request path is matched
 * against the templates of both.
 *
 * Notes on the spec (it is generated, and looser than Twilio's real output):
 * - No response schema uses `required` or `additionalProperties`, so by default missing or extra
 *   keys are NOT reported. Pass `{ requireAllProperties: true }` to require every declared key.
 * - 4xx/5xx responses are (almost) never declared; for those we validate against a local schema of
 *   Twilio's error body (see TWILIO_ERROR_SCHEMA).
 * - `nullable: true` next to `enum` is honoured by adding `null` to the enum (Ajv's `nullable`
 *   support only relaxes `type`).
 */
import fs from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsImport from 'ajv-formats';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { twilioSpecPath, type TwilioSpecName } from './twilio-oai.js';

// ajv-formats is CommonJS (`module.exports = plugin`); under NodeNext the default import is the
// module object as far as TypeScript knows, so pick the callable defensively.
type FormatsPluginFn = (ajv: Ajv) => Ajv;
const addFormats: FormatsPluginFn =
  (addFormatsImport as unknown as { default?: FormatsPluginFn }).default ??
  (addFormatsImport as unknown as FormatsPluginFn);

export interface SpecValidationOptions {
  /** Treat every property declared in a response object schema as required (default false). */
  requireAllProperties?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Spec location and loading (once per process)

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

interface MediaType {
  schema?: JsonObject;
}
interface ResponseObject {
  description?: string;
  content?: Record<string, MediaType>;
}
interface Operation {
  responses?: Record<string, ResponseObject>;
}
interface Spec {
  /** Path items: operations by method, and other keys (`parameters`, `summary`). */
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, JsonObject> };
}

/** One spec document, registered with Ajv under `id`. */
interface SpecDoc {
  id: string;
  spec: Spec;
  /** The object format its `uri-map` links (Service `links`, Message `subresource_uris`) get. */
  uriMap: 'uri-map' | 'absolute-uri-map';
}

/** The documents responses are checked against, and how each writes resource links. */
const SOURCES: { name: TwilioSpecName; uriMap: SpecDoc['uriMap'] }[] = [
  { name: 'twilio_api_v2010', uriMap: 'uri-map' },
  // Messaging v1 links are absolute URLs (twilio.com/docs/messaging/api/service-resource).
  { name: 'twilio_messaging_v1', uriMap: 'absolute-uri-map' },
];

interface Template {
  doc: SpecDoc;
  template: string;
  regex: RegExp;
  paramCount: number;
  literalLength: number;
}

let specCache: { docs: SpecDoc[]; templates: Template[] } | undefined;

function loadSpecs(): { docs: SpecDoc[]; templates: Template[] } {
  if (specCache) return specCache;
  const docs: SpecDoc[] = [];
  const templates: Template[] = [];
  for (const { name, uriMap } of SOURCES) {
    const file = twilioSpecPath(name);
    const spec = JSON.parse(fs.readFileSync(file, 'utf8')) as Spec;
    if (!spec.paths || !spec.components?.schemas) {
      throw new Error(
        `${file} does not look like an OpenAPI document (no paths/components.schemas)`,
      );
    }
    const doc: SpecDoc = { id: `https://loft.invalid/${name}.json`, spec, uriMap };
    docs.push(doc);
    templates.push(...Object.keys(spec.paths).map((t) => compileTemplate(doc, t)));
  }
  specCache = { docs, templates };
  return specCache;
}

function compileTemplate(doc: SpecDoc, template: string): Template {
  let paramCount = 0;
  let literalLength = 0;
  const source = template
    .split(/(\{[^}/]+\})/)
    .map((part) => {
      if (/^\{[^}/]+\}$/.test(part)) {
        paramCount++;
        return '([^/]+)';
      }
      literalLength += part.length;
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return { doc, template, regex: new RegExp(`^${source}$`), paramCount, literalLength };
}

// ---------------------------------------------------------------------------------------------
// Path / operation matching

function normalisePath(urlPath: string): string {
  let p = urlPath;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(p)) p = new URL(p).pathname;
  const cut = p.search(/[?#]/);
  if (cut >= 0) p = p.slice(0, cut);
  return p;
}

export interface OperationMatch {
  /** The spec's path template, e.g. `/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json`. */
  template: string;
  /** Whether the spec declares `method` for the template. */
  hasMethod: boolean;
  /** Response statuses the spec declares for that operation (empty when !hasMethod). */
  statuses: number[];
}

/**
 * The best template for a concrete request path, with its operation for `method`. Among matching
 * templates, those that declare `method` win; then the fewest `{params}`; then the most literal
 * characters.
 */
function findOperation(
  method: string,
  urlPath: string,
): { t: Template; op: Operation | undefined } | undefined {
  const p = normalisePath(urlPath);
  const m = method.toLowerCase();
  return loadSpecs()
    .templates.filter((t) => t.regex.test(p))
    .map((t) => ({ t, op: getOperation(t.doc.spec, t.template, m) }))
    .sort(
      (a, b) =>
        Number(!a.op) - Number(!b.op) ||
        a.t.paramCount - b.t.paramCount ||
        b.t.literalLength - a.t.literalLength,
    )[0];
}

/** Find the spec path template (of either document) for a concrete request path. */
export function matchOperation(method: string, urlPath: string): OperationMatch | undefined {
  const best = findOperation(method, urlPath);
  if (!best) return undefined;
  return {
    template: best.t.template,
    hasMethod: !!best.op,
    statuses: best.op ? Object.keys(best.op.responses ?? {}).map(Number) : [],
  };
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

function getOperation(spec: Spec, template: string, method: string): Operation | undefined {
  if (!HTTP_METHODS.has(method)) return undefined;
  const item = spec.paths[template];
  const op = item?.[method];
  return op && typeof op === 'object' ? op : undefined;
}

// ---------------------------------------------------------------------------------------------
// Formats

const RFC2822_RE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) \+0000$/;
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Thu, 24 Aug 2023 05:01:45 +0000`, with a weekday consistent with the (real) date. */
function isRfc2822(s: string): boolean {
  const m = RFC2822_RE.exec(s);
  if (!m) return false;
  const [, dow, dd, mon, yyyy, hh, mi, ss] = m;
  const month = MONTHS.indexOf(mon!);
  const d = new Date(Date.UTC(Number(yyyy), month, Number(dd), Number(hh), Number(mi), Number(ss)));
  return (
    d.getUTCFullYear() === Number(yyyy) &&
    d.getUTCMonth() === month &&
    d.getUTCDate() === Number(dd) &&
    d.getUTCHours() === Number(hh) &&
    d.getUTCMinutes() === Number(mi) &&
    d.getUTCSeconds() === Number(ss) &&
    DAYS[d.getUTCDay()] === dow
  );
}

function testFormat(format: unknown, s: string): boolean {
  if (format instanceof RegExp) return format.test(s);
  if (typeof format === 'function') return Boolean((format as (x: string) => boolean)(s));
  if (format && typeof format === 'object' && 'validate' in format) {
    return testFormat(format.validate, s);
  }
  throw new Error('unsupported ajv-formats format shape');
}

const isAbsoluteUri = (s: string): boolean => testFormat(fullFormats.uri, s);
const isUriReference = (s: string): boolean => testFormat(fullFormats['uri-reference'], s);

/**
 * `format: uri` is used for absolute URLs (`more_info`, `media_url`, `redirect_to`) but also for
 * the page URIs of list envelopes, which Twilio returns relative to https://api.twilio.com
 * (`/2010-04-01/Accounts/AC.../Messages.json?PageSize=50&Page=0`). Accept both.
 */
function isTwilioUri(s: string): boolean {
  if (isAbsoluteUri(s)) return true;
  return s.startsWith('/') && !s.startsWith('//') && isUriReference(s);
}

/**
 * Callback URL properties (`sms_url`, `status_callback`, ...): Twilio returns "" when unset. Not
 * the page links of a v1 list's `meta` (`first_page_url`, ...), always a URL or null.
 */
const CALLBACK_URI_FORMAT = 'twilio-callback-uri';
const CALLBACK_PROP_RE = /((?<!_page)_url|_callback)$/;
/** SID properties Twilio returns as "" (not null) when unset. */
const EMPTY_SID_PROP_RE = /_application_sid$/;

const STRING_FORMATS: Record<string, (s: string) => boolean> = {
  'date-time-rfc-2822': isRfc2822,
  // E.164, `whatsapp:+1...`, alphanumeric sender id, short code: anything non-blank.
  'phone-number': (s) => /\S/.test(s),
  currency: (s) => /^[A-Za-z]{3}$/.test(s),
  'iso-country-code': (s) => /^[A-Z]{2}$/.test(s),
  'http-method': (s) => /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)$/.test(s),
  uri: isTwilioUri,
  [CALLBACK_URI_FORMAT]: (s) => s === '' || isAbsoluteUri(s),
};

/** Formats the spec puts on `type: object` schemas; Ajv formats only apply to strings/numbers. */
const OBJECT_FORMAT_KEYWORD = 'x-twilio-format';
const OBJECT_FORMATS: Record<string, (o: Record<string, unknown>) => string | null> = {
  'uri-map': (o) => {
    for (const [k, v] of Object.entries(o)) {
      if (typeof v !== 'string' || !v.startsWith('/2010-04-01/')) {
        return `value of "${k}" must be a string starting with /2010-04-01/`;
      }
    }
    return null;
  },
  'absolute-uri-map': (o) => {
    for (const [k, v] of Object.entries(o)) {
      if (typeof v !== 'string' || !isAbsoluteUri(v)) return `value of "${k}" must be a URL`;
    }
    return null;
  },
  'phone-number-capabilities': (o) => {
    for (const [k, v] of Object.entries(o)) {
      if (typeof v !== 'boolean') return `capability "${k}" must be boolean`;
    }
    return null;
  },
  'ice-server': (o) => {
    for (const [k, v] of Object.entries(o)) {
      if (typeof v !== 'string') return `ice server field "${k}" must be string`;
    }
    return null;
  },
};

// ---------------------------------------------------------------------------------------------
// Schema preparation and Ajv instances

/**
 * Deep-copy a schema fragment, adapting it for Ajv:
 * - local `$ref`s (`#/components/...`) become absolute refs into `doc` as registered;
 * - object `format`s move to a custom keyword (`uri-map` as `doc.uriMap`);
 * - `nullable: true` + `enum` gets `null` added to the enum;
 * - `format: uri` on callback-URL properties becomes `twilio-callback-uri` (allows "");
 * - `*_application_sid` SID patterns also accept "";
 * - optionally every declared property becomes required.
 */
function prepare(node: Json, opts: Required<SpecValidationOptions>, doc: SpecDoc): Json {
  if (Array.isArray(node)) return node.map((n) => prepare(n, opts, doc));
  if (!node || typeof node !== 'object') return node;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node)) {
    out[k] = prepare(v, opts, doc);
  }
  if (typeof out.$ref === 'string' && out.$ref.startsWith('#/')) out.$ref = doc.id + out.$ref;
  if (typeof out.format === 'string' && out.format in OBJECT_FORMATS) {
    out[OBJECT_FORMAT_KEYWORD] = out.format === 'uri-map' ? doc.uriMap : out.format;
    delete out.format;
  }
  if (out.nullable === true && Array.isArray(out.enum) && !out.enum.includes(null)) {
    out.enum = [...out.enum, null];
  }
  if ('nullable' in out && !('type' in out)) {
    // Ajv rejects `nullable` without `type`. Typeless schemas (call_event.request,
    // recording.encryption_details, ...) accept anything anyway; a nullable `$ref` needs anyOf.
    const nullable = out.nullable === true;
    delete out.nullable;
    if (nullable && typeof out.$ref === 'string') {
      return { anyOf: [{ $ref: out.$ref }, { type: 'null' }] };
    }
  }
  const props = out.properties;
  if (props && typeof props === 'object' && !Array.isArray(props)) {
    for (const [name, sub] of Object.entries(props)) {
      if (
        sub &&
        typeof sub === 'object' &&
        !Array.isArray(sub) &&
        sub.format === 'uri' &&
        CALLBACK_PROP_RE.test(name)
      ) {
        sub.format = CALLBACK_URI_FORMAT;
      }
      // IncomingPhoneNumber's sms_application_sid/voice_application_sid are "" when unset (the
      // spec's own examples show it), but the spec gives them `pattern: ^AP[0-9a-fA-F]{32}$`.
      if (
        sub &&
        typeof sub === 'object' &&
        !Array.isArray(sub) &&
        EMPTY_SID_PROP_RE.test(name) &&
        typeof sub.pattern === 'string' &&
        /^\^.*\$$/.test(sub.pattern)
      ) {
        sub.pattern = `^(?:${sub.pattern.slice(1, -1)})?$`;
        delete sub.minLength;
      }
    }
    if (opts.requireAllProperties && out.type === 'object') out.required = Object.keys(props);
  }
  return out;
}

interface AjvContext {
  ajv: Ajv;
  opts: Required<SpecValidationOptions>;
}
const ajvContexts = new Map<string, AjvContext>();

function getAjv(options: SpecValidationOptions | undefined): AjvContext {
  const opts: Required<SpecValidationOptions> = {
    requireAllProperties: options?.requireAllProperties ?? false,
  };
  const key = JSON.stringify(opts);
  const cached = ajvContexts.get(key);
  if (cached) return cached;

  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  for (const [name, fn] of Object.entries(STRING_FORMATS)) {
    ajv.addFormat(name, { type: 'string', validate: fn });
  }
  ajv.addKeyword({
    keyword: OBJECT_FORMAT_KEYWORD,
    type: 'object',
    schemaType: 'string',
    errors: true,
    validate: function validateObjectFormat(
      this: unknown,
      format: string,
      data: Record<string, unknown>,
    ): boolean {
      const check = OBJECT_FORMATS[format];
      const problem = check ? check(data) : `unknown object format "${format}"`;
      const self = validateObjectFormat as unknown as { errors?: Partial<ErrorObject>[] };
      self.errors = problem
        ? [
            {
              keyword: OBJECT_FORMAT_KEYWORD,
              message: `${problem} (${format})`,
              params: { format },
            },
          ]
        : [];
      return !problem;
    },
  });

  for (const doc of loadSpecs().docs) {
    ajv.addSchema({
      $id: doc.id,
      components: { schemas: prepare(doc.spec.components.schemas, opts, doc) },
    });
  }
  const ctx = { ajv, opts };
  ajvContexts.set(key, ctx);
  return ctx;
}

// ---------------------------------------------------------------------------------------------
// Twilio error bodies

/** Twilio's REST error body, e.g. {code:20404,message,more_info,status:404}. */
export const TWILIO_ERROR_SCHEMA = {
  type: 'object',
  required: ['code', 'message', 'more_info', 'status'],
  additionalProperties: false,
  properties: {
    code: { type: 'integer' },
    message: { type: 'string' },
    more_info: { type: 'string', pattern: '^https://www\\.twilio\\.com/docs/errors/\\d+$' },
    status: { type: 'integer' },
    detail: { type: 'string' },
  },
} as const;

let errorValidator: ValidateFunction | undefined;

function validateTwilioErrorBody(body: unknown, status: number, code?: number): string[] {
  errorValidator ??= new Ajv({ strict: false, allErrors: true }).compile(TWILIO_ERROR_SCHEMA);
  const data = parseIfJsonString(body);
  if (!errorValidator(data)) return formatAjvErrors(errorValidator.errors);
  const e = data as { code: number; status: number; more_info: string };
  const errors: string[] = [];
  if (e.status !== status) errors.push(`/status is ${e.status} but the HTTP status is ${status}`);
  if (code !== undefined && e.code !== code) errors.push(`/code is ${e.code}, expected ${code}`);
  const expectedInfo = `https://www.twilio.com/docs/errors/${e.code}`;
  if (e.more_info !== expectedInfo) {
    errors.push(`/more_info is ${JSON.stringify(e.more_info)}, expected ${expectedInfo}`);
  }
  return errors;
}

/** Assert `body` is a Twilio error body for HTTP `status` with Twilio error `code`. */
export function assertTwilioError(body: unknown, status: number, code: number): void {
  const errors = validateTwilioErrorBody(body, status, code);
  if (errors.length > 0) {
    throw new Error(
      `Body is not a Twilio error (status ${status}, code ${code}):\n  - ${errors.join('\n  - ')}\n` +
        `Body: ${preview(body)}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Response validation

type Compiled =
  { kind: 'schema'; validate: ValidateFunction } | { kind: 'empty' } | { kind: 'error' };

const compiledCache = new Map<string, Compiled>();

function isEmptyBody(body: unknown): boolean {
  return body === undefined || body === null || body === '';
}

function parseIfJsonString(body: unknown): unknown {
  if (typeof body !== 'string' || body === '') return body;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}

function formatAjvErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const where = e.instancePath || '(root)';
    const p = e.params as Record<string, unknown>;
    let extra = '';
    if (e.keyword === 'enum') extra = ` ${JSON.stringify(p.allowedValues)}`;
    else if (e.keyword === 'additionalProperties') extra = ` (${String(p.additionalProperty)})`;
    return `${where} ${e.message ?? e.keyword}${extra}`;
  });
}

function preview(body: unknown): string {
  let s: string;
  try {
    s = body === undefined ? 'undefined' : JSON.stringify(body);
  } catch {
    s = String(body);
  }
  return s.length > 2000 ? `${s.slice(0, 2000)}…` : s;
}

function getCompiled(
  { doc, template }: Template,
  method: string,
  status: number,
  op: Operation | undefined,
  options: SpecValidationOptions | undefined,
): Compiled | string {
  const ctx = getAjv(options);
  const key = `${JSON.stringify(ctx.opts)} ${method} ${doc.id}${template} ${status}`;
  const hit = compiledCache.get(key);
  if (hit) return hit;

  let compiled: Compiled;
  const response = op?.responses?.[String(status)];
  if (!response) {
    if (status < 400) {
      const declared = op ? Object.keys(op.responses ?? {}).join(', ') : '(no such operation)';
      return `the spec declares no ${status} response for ${method.toUpperCase()} ${template}; declared: ${declared}`;
    }
    compiled = { kind: 'error' };
  } else {
    const media =
      response.content?.['application/json'] ??
      Object.entries(response.content ?? {}).find(([t]) => /json/i.test(t))?.[1];
    if (!media?.schema) {
      compiled = { kind: 'empty' };
    } else {
      const schema = prepare(media.schema, ctx.opts, doc) as JsonObject;
      compiled = { kind: 'schema', validate: ctx.ajv.compile(schema) };
    }
  }
  compiledCache.set(key, compiled);
  return compiled;
}

/**
 * Validate one HTTP response body against the spec's response schema for that operation.
 * Returns a list of error strings (empty = valid). A JSON string body is parsed first.
 * For 4xx/5xx statuses the spec does not declare, the body must be a Twilio error body.
 */
export function validateAgainstSpec(
  method: string,
  urlPath: string,
  status: number,
  body: unknown,
  options?: SpecValidationOptions,
): string[] {
  const match = findOperation(method, urlPath);
  if (!match) return [`no path template in the spec matches ${normalisePath(urlPath)}`];
  const { t, op } = match;
  if (!op && status < 400) {
    return [`the spec has no ${method.toUpperCase()} operation for ${t.template}`];
  }
  const compiled = getCompiled(t, method.toLowerCase(), status, op, options);
  if (typeof compiled === 'string') return [compiled];
  switch (compiled.kind) {
    case 'empty':
      return isEmptyBody(body)
        ? []
        : [`expected an empty body for status ${status}, got ${preview(body)}`];
    case 'error':
      return validateTwilioErrorBody(body, status);
    case 'schema': {
      const data = parseIfJsonString(body);
      return compiled.validate(data) ? [] : formatAjvErrors(compiled.validate.errors);
    }
  }
}

/**
 * Validate one HTTP response body against the spec's response schema for that operation. Throws
 * an Error listing the Ajv errors, the method, path and status when it does not validate, or when
 * no operation/response in the spec matches.
 */
export function assertMatchesSpec(
  method: string,
  urlPath: string,
  status: number,
  body: unknown,
  options?: SpecValidationOptions,
): void {
  const errors = validateAgainstSpec(method, urlPath, status, body, options);
  if (errors.length === 0) return;
  const tpl = matchOperation(method, urlPath)?.template;
  throw new Error(
    `Response does not match the Twilio OpenAPI spec: ${method.toUpperCase()} ${urlPath} -> ${status}` +
      (tpl ? ` (template ${tpl})` : '') +
      `\n  - ${errors.join('\n  - ')}\nBody: ${preview(body)}`,
  );
}
