import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** Text inside an element: character data with references resolved, or a CDATA section as is. */
export interface XmlText {
  text: string;
}

/** An element of a parsed XML document, with its content in document order. */
export interface XmlElement {
  name: string;
  /** Attribute values with references resolved, untrimmed. */
  attrs: Record<string, string>;
  children: Array<XmlElement | XmlText>;
}

/** Whether a child is text rather than an element. */
export const isText = (node: XmlElement | XmlText): node is XmlText => 'text' in node;

/** Outcome of reading a document: its single root element, or why it is not well-formed. */
export type XmlDocument = { ok: true; root: XmlElement } | { ok: false; reason: string };

const ATTR_PREFIX = '@_';
const ATTRS = ':@';
const TEXT = '#text';
const CDATA = '#cdata';

// Entities are resolved here rather than by the parser: only XML's five predefined entities and
// character references exist in a document without a DTD, so anything else is an error.
const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: ATTR_PREFIX,
  allowBooleanAttributes: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: false,
  htmlEntities: false,
  cdataPropName: CDATA,
});

const PREDEFINED: ReadonlyMap<string, string> = new Map([
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
  ['quot', '"'],
  ['apos', "'"],
]);
const REFERENCE = /&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z_][\w.-]*);/g;

class UndefinedEntity extends Error {}

/** Resolves entity and character references; throws on an undefined entity or a bad code point. */
function resolveReferences(raw: string): string {
  return raw.replace(REFERENCE, (ref: string, name: string) => {
    if (name.startsWith('#')) {
      const code = name[1] === 'x' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      const valid =
        code === 0x9 ||
        code === 0xa ||
        code === 0xd ||
        (code >= 0x20 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff));
      if (!valid) throw new UndefinedEntity(`invalid character reference ${ref}`);
      return String.fromCodePoint(code);
    }
    const value = PREDEFINED.get(name);
    if (value === undefined) throw new UndefinedEntity(`undefined entity ${ref}`);
    return value;
  });
}

type RawNode = Record<string, unknown>;

/** The tag name of a node of fast-xml-parser's ordered output (the key that is not `:@`). */
const nodeName = (node: RawNode): string => Object.keys(node).find((k) => k !== ATTRS) ?? '';

function toElement(node: RawNode): XmlElement {
  const name = nodeName(node);
  const attrs: Record<string, string> = {};
  const rawAttrs = (node[ATTRS] ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(rawAttrs)) {
    attrs[key.slice(ATTR_PREFIX.length)] = resolveReferences(String(value));
  }
  const children: Array<XmlElement | XmlText> = [];
  for (const child of (node[name] ?? []) as RawNode[]) {
    const childName = nodeName(child);
    if (childName === TEXT) {
      children.push({ text: resolveReferences(String(child[TEXT])) });
    } else if (childName === CDATA) {
      const parts = (child[CDATA] ?? []) as RawNode[];
      children.push({
        text: parts.map((p) => (typeof p[TEXT] === 'string' ? p[TEXT] : '')).join(''),
      });
    } else {
      children.push(toElement(child));
    }
  }
  return { name, attrs, children };
}

/**
 * Reads an XML document with fast-xml-parser: checks it is well-formed (its validator), then
 * returns its one root element. A leading byte-order mark is allowed; anything else before the
 * XML declaration is not (as for any XML processor).
 */
export function readXmlDocument(source: string): XmlDocument {
  const xml = source.startsWith('\uFEFF') ? source.slice(1) : source;
  const valid = XMLValidator.validate(xml, { allowBooleanAttributes: false });
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    return { ok: false, reason: `${msg} (line ${line}${col ? `, column ${col}` : ''})` };
  }
  try {
    const nodes = parser.parse(xml) as RawNode[];
    // Declarations and processing instructions are keyed `?…`; the validator rejects stray text.
    const elements = nodes.filter((n) => {
      const name = nodeName(n);
      return !name.startsWith('?') && name !== TEXT && name !== CDATA;
    });
    if (elements.length !== 1) {
      return { ok: false, reason: `expected one root element, found ${elements.length}` };
    }
    return { ok: true, root: toElement(elements[0]!) };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}
