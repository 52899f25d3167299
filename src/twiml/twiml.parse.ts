import { isText, readXmlDocument, type XmlElement } from './twiml.xml.js';

/** HTTP method of a TwiML URL. */
export type TwimlMethod = 'GET' | 'POST';

/** `<Message>` (or the legacy `<Sms>`): a reply to send. Attribute values are as written. */
export interface TwimlMessage {
  verb: 'Message';
  /** Default: the sender of the inbound message. */
  to?: string;
  /** Default: the number that received the inbound message. */
  from?: string;
  /** Status callback URL, relative or absolute (`action`, else the deprecated `statusCallback`). */
  action?: string;
  /** Method for `action`; POST unless `method="GET"`. */
  method: TwimlMethod;
  body: string;
  media: string[];
}

/** `<Redirect>`: fetch the TwiML at `url` (relative or absolute) and carry on there. */
export interface TwimlRedirect {
  verb: 'Redirect';
  url: string;
  method: TwimlMethod;
}

/** A verb to execute, in document order. Nothing follows a `<Redirect>`. */
export type TwimlVerb = TwimlMessage | TwimlRedirect;

/** A debugger warning: the document was usable but part of it was ignored. */
export interface TwimlNotice {
  code: number;
  message: string;
}

/** What a webhook response means for Messaging: verbs (maybe none), or why it is unusable. */
export type TwimlParseResult =
  | { ok: true; verbs: TwimlVerb[]; warnings: TwimlNotice[] }
  | { ok: false; code: number; message: string };

/** Twilio's limits on a TwiML reply. */
export const TWIML_LIMITS = {
  /** `<Message>` text (14103 beyond). */
  bodyCharacters: 1600,
  /** `<Media>` per `<Message>`, as for the REST API (21623). */
  media: 10,
} as const;

/** Debugger codes this module reports. */
export const TWIML_CODES = {
  parseFailure: 12100,
  rootNotResponse: 12102,
  schema: 12200,
  contentType: 12300,
  invalidUrl: 11100,
  invalidBody: 14103,
  invalidMethod: 14104,
  invalidVerb: 14110,
  tooManyMedia: 21623,
} as const;

/** Content types Twilio reads as TwiML. `text/html` only when it actually holds TwiML. */
const XML_TYPES = new Set(['text/xml', 'application/xml']);
const HTML_TYPE = 'text/html';
const PLAIN_TYPE = 'text/plain';

const MESSAGE_ATTRS = new Set(['to', 'from', 'action', 'method', 'statusCallback']);
const REDIRECT_ATTRS = new Set(['method']);

const characters = (s: string): number => [...s].length;

/** The media type of a Content-Type header, lower-cased, without parameters. */
const mediaType = (contentType: string): string =>
  (contentType.split(';')[0] ?? '').trim().toLowerCase();

/**
 * Interprets what an inbound-message webhook (or a `<Redirect>`) answered, as Twilio does:
 * - an empty body (e.g. a 204) means no reply;
 * - `text/plain`: the text is sent back to the sender as one message;
 * - `text/xml`, `application/xml` (and `text/html` holding TwiML): a `<Response>` document whose
 *   `<Message>`/`<Sms>` and `<Redirect>` verbs run in order; nothing after a `<Redirect>` runs;
 * - any other type: 12300. Malformed XML: 12100; a root other than `<Response>`: 12102.
 * Problems inside a usable document are warnings (the offending part is skipped): unknown verbs
 * 14110, unknown attributes or nested elements 12200, an empty or over-long body 14103, a bad
 * `method` 14104 (POST is used), more than 10 `<Media>` 21623.
 */
export function parseMessagingTwiml(body: string, contentType: string): TwimlParseResult {
  const text = body.startsWith('\uFEFF') ? body.slice(1) : body;
  if (text.trim() === '') return { ok: true, verbs: [], warnings: [] };
  const type = mediaType(contentType);
  if (type === PLAIN_TYPE) return plainTextReply(text.trim());
  const html = type === HTML_TYPE;
  if (!XML_TYPES.has(type) && !html) {
    return {
      ok: false,
      code: TWIML_CODES.contentType,
      message: `Invalid Content-Type: ${type === '' ? '(none)' : type}`,
    };
  }
  const doc = readXmlDocument(text);
  // An HTML page (an error page, a framework default) is a content-type problem, not TwiML.
  if (html && (!doc.ok || doc.root.name !== 'Response')) {
    return { ok: false, code: TWIML_CODES.contentType, message: `Invalid Content-Type: ${type}` };
  }
  if (!doc.ok) {
    return {
      ok: false,
      code: TWIML_CODES.parseFailure,
      message: `Document parse failure: ${doc.reason}`,
    };
  }
  if (doc.root.name !== 'Response') {
    return {
      ok: false,
      code: TWIML_CODES.rootNotResponse,
      message: `The root element must be Response, not <${doc.root.name}>`,
    };
  }
  return readResponse(doc.root);
}

function plainTextReply(text: string): TwimlParseResult {
  if (characters(text) > TWIML_LIMITS.bodyCharacters) {
    const warning = {
      code: TWIML_CODES.invalidBody,
      message: `Invalid Body: the text/plain reply exceeds ${TWIML_LIMITS.bodyCharacters} characters`,
    };
    return { ok: true, verbs: [], warnings: [warning] };
  }
  return {
    ok: true,
    verbs: [{ verb: 'Message', method: 'POST', body: text, media: [] }],
    warnings: [],
  };
}

function readResponse(root: XmlElement): TwimlParseResult {
  const verbs: TwimlVerb[] = [];
  const warnings: TwimlNotice[] = [];
  for (const child of root.children) {
    if (isText(child)) {
      if (child.text.trim() !== '') {
        warnings.push(schema('Text is not allowed directly inside <Response>'));
      }
      continue;
    }
    if (child.name === 'Message' || child.name === 'Sms') {
      const message = readMessage(child, warnings);
      if (message) verbs.push(message);
    } else if (child.name === 'Redirect') {
      const redirect = readRedirect(child, warnings);
      if (redirect) verbs.push(redirect);
      break; // Verbs after <Redirect> are unreachable.
    } else {
      warnings.push({
        code: TWIML_CODES.invalidVerb,
        message: `Invalid Verb for SMS Reply: <${child.name}> (valid verbs are Message, Sms and Redirect)`,
      });
    }
  }
  return { ok: true, verbs, warnings };
}

const schema = (message: string): TwimlNotice => ({ code: TWIML_CODES.schema, message });

function checkAttributes(el: XmlElement, allowed: Set<string>, warnings: TwimlNotice[]): void {
  for (const name of Object.keys(el.attrs)) {
    if (!allowed.has(name)) {
      warnings.push(schema(`Attribute '${name}' is not allowed to appear in element '${el.name}'`));
    }
  }
}

function readMethod(el: XmlElement, warnings: TwimlNotice[]): TwimlMethod {
  const raw = el.attrs['method'];
  if (raw === undefined) return 'POST';
  const method = raw.trim().toUpperCase();
  if (method === 'GET' || method === 'POST') return method;
  warnings.push({
    code: TWIML_CODES.invalidMethod,
    message: `Invalid Method attribute '${raw}' on <${el.name}>; POST is used`,
  });
  return 'POST';
}

/** The text of an element that may only hold text (`<Body>`, `<Media>`, `<Redirect>`). */
function textOf(el: XmlElement, warnings: TwimlNotice[]): string {
  let text = '';
  for (const child of el.children) {
    if (isText(child)) text += child.text;
    else warnings.push(schema(`Element <${child.name}> is not allowed inside <${el.name}>`));
  }
  return text;
}

/** Non-empty trimmed attribute value, or undefined. */
function attribute(el: XmlElement, name: string): string | undefined {
  const value = el.attrs[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function readMessage(el: XmlElement, warnings: TwimlNotice[]): TwimlMessage | null {
  checkAttributes(el, MESSAGE_ATTRS, warnings);
  const method = readMethod(el, warnings);
  let direct = '';
  const bodies: string[] = [];
  const media: string[] = [];
  for (const child of el.children) {
    if (isText(child)) direct += child.text;
    else if (child.name === 'Body') bodies.push(textOf(child, warnings));
    else if (child.name === 'Media') {
      const url = textOf(child, warnings).trim();
      if (url === '') warnings.push(schema('Empty <Media> element ignored'));
      else media.push(url);
    } else {
      warnings.push(schema(`Invalid content was found starting with element '${child.name}'`));
    }
  }
  if (bodies.length > 0 && direct.trim() !== '') {
    warnings.push(schema(`Text directly inside <${el.name}> is ignored when it has a <Body>`));
  }
  const body = (bodies.length > 0 ? bodies.join('') : direct).trim();
  if (body === '' && media.length === 0) {
    warnings.push({
      code: TWIML_CODES.invalidBody,
      message: `Invalid Body: <${el.name}> has neither text nor media; not sent`,
    });
    return null;
  }
  if (characters(body) > TWIML_LIMITS.bodyCharacters) {
    warnings.push({
      code: TWIML_CODES.invalidBody,
      message: `Invalid Body: <${el.name}> text exceeds ${TWIML_LIMITS.bodyCharacters} characters; not sent`,
    });
    return null;
  }
  if (media.length > TWIML_LIMITS.media) {
    warnings.push({
      code: TWIML_CODES.tooManyMedia,
      message: `The number of media files exceeds the maximum of ${TWIML_LIMITS.media} per message; not sent`,
    });
    return null;
  }
  const message: TwimlMessage = { verb: 'Message', method, body, media };
  const to = attribute(el, 'to');
  const from = attribute(el, 'from');
  const action = attribute(el, 'action') ?? attribute(el, 'statusCallback');
  if (to !== undefined) message.to = to;
  if (from !== undefined) message.from = from;
  if (action !== undefined) message.action = action;
  return message;
}

function readRedirect(el: XmlElement, warnings: TwimlNotice[]): TwimlRedirect | null {
  checkAttributes(el, REDIRECT_ATTRS, warnings);
  const method = readMethod(el, warnings);
  const url = textOf(el, warnings).trim();
  if (url === '') {
    warnings.push({
      code: TWIML_CODES.invalidUrl,
      message: 'Invalid URL format: empty <Redirect>',
    });
    return null;
  }
  return { verb: 'Redirect', url, method };
}
