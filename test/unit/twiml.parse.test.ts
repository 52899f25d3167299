import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import {
  parseMessagingTwiml,
  type TwimlParseResult,
  type TwimlVerb,
} from '../../src/twiml/twiml.parse.js';

const XML = 'text/xml';
const doc = (inner: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Response>${inner}</Response>`;

/** The verbs of a parse that must succeed. */
function verbsOf(r: TwimlParseResult): TwimlVerb[] {
  if (!r.ok) throw new Error(`expected ok, got ${r.code}: ${r.message}`);
  return r.verbs;
}

/** The warning codes of a parse that must succeed. */
function warningCodes(r: TwimlParseResult): number[] {
  if (!r.ok) throw new Error(`expected ok, got ${r.code}: ${r.message}`);
  return r.warnings.map((w) => w.code);
}

describe('parseMessagingTwiml: documents built by the twilio SDK', () => {
  it('reads <Message> attributes and escaped text', () => {
    const res = new twilio.twiml.MessagingResponse();
    res.message(
      { to: '+15550001111', from: '+15552223333', action: '/status', method: 'GET' },
      'Hello & <you>',
    );
    const r = parseMessagingTwiml(res.toString(), XML);
    expect(r).toEqual({
      ok: true,
      warnings: [],
      verbs: [
        {
          verb: 'Message',
          to: '+15550001111',
          from: '+15552223333',
          action: '/status',
          method: 'GET',
          body: 'Hello & <you>',
          media: [],
        },
      ],
    });
  });

  it('takes the text directly inside <Message> alongside <Media>', () => {
    const res = new twilio.twiml.MessagingResponse();
    res.message('x').media('https://example.com/a.png');
    expect(verbsOf(parseMessagingTwiml(res.toString(), XML))).toEqual([
      { verb: 'Message', method: 'POST', body: 'x', media: ['https://example.com/a.png'] },
    ]);
  });

  it('takes <Body> and several <Media> nouns', () => {
    const res = new twilio.twiml.MessagingResponse();
    const m = res.message('');
    m.body('photos');
    m.media('https://example.com/1.png');
    m.media('https://example.com/2.png');
    expect(verbsOf(parseMessagingTwiml(res.toString(), XML))).toEqual([
      {
        verb: 'Message',
        method: 'POST',
        body: 'photos',
        media: ['https://example.com/1.png', 'https://example.com/2.png'],
      },
    ]);
  });

  it('keeps several <Message> and a <Redirect> in document order', () => {
    const res = new twilio.twiml.MessagingResponse();
    res.message('one');
    res.message('two');
    res.redirect({ method: 'GET' }, '/next');
    expect(verbsOf(parseMessagingTwiml(res.toString(), XML))).toEqual([
      { verb: 'Message', method: 'POST', body: 'one', media: [] },
      { verb: 'Message', method: 'POST', body: 'two', media: [] },
      { verb: 'Redirect', url: '/next', method: 'GET' },
    ]);
  });

  it('defaults <Redirect> to POST', () => {
    const res = new twilio.twiml.MessagingResponse();
    res.redirect('https://example.com/twiml');
    expect(verbsOf(parseMessagingTwiml(res.toString(), XML))).toEqual([
      { verb: 'Redirect', url: 'https://example.com/twiml', method: 'POST' },
    ]);
  });

  it('reads an empty <Response/> as no reply', () => {
    const xml = new twilio.twiml.MessagingResponse().toString();
    expect(xml).toContain('<Response/>');
    expect(parseMessagingTwiml(xml, XML)).toEqual({ ok: true, verbs: [], warnings: [] });
  });
});

describe('parseMessagingTwiml: content types and empty bodies', () => {
  it('accepts text/xml and application/xml with parameters, in any case', () => {
    for (const type of ['text/xml; charset=utf-8', 'application/xml', 'Text/XML']) {
      expect(verbsOf(parseMessagingTwiml(doc('<Message>hi</Message>'), type))).toHaveLength(1);
    }
  });

  it('treats an empty or blank body as no reply, whatever the content type', () => {
    for (const [body, type] of [
      ['', ''],
      ['', 'application/json'],
      ['  \r\n', 'text/html'],
      ['', 'text/plain'],
    ] as const) {
      expect(parseMessagingTwiml(body, type)).toEqual({ ok: true, verbs: [], warnings: [] });
    }
  });

  it('fails non-XML types with 12300', () => {
    const json = parseMessagingTwiml('{"message":"ok"}', 'application/json');
    expect(json).toEqual({
      ok: false,
      code: 12300,
      message: 'Invalid Content-Type: application/json',
    });
    const none = parseMessagingTwiml(doc('<Message>hi</Message>'), '');
    expect(none).toMatchObject({ ok: false, code: 12300, message: 'Invalid Content-Type: (none)' });
  });

  it('reads TwiML served as text/html, but an HTML page is 12300', () => {
    expect(verbsOf(parseMessagingTwiml(doc('<Message>hi</Message>'), 'text/html'))).toHaveLength(1);
    const page = '<!DOCTYPE html><html><body><h1>Internal error</h1></body></html>';
    expect(parseMessagingTwiml(page, 'text/html; charset=utf-8')).toMatchObject({
      ok: false,
      code: 12300,
    });
    expect(parseMessagingTwiml('<html><body>ok</body></html>', 'text/html')).toMatchObject({
      ok: false,
      code: 12300,
    });
  });

  it('sends a text/plain body back as one message, trimmed', () => {
    expect(
      verbsOf(parseMessagingTwiml('  Thanks, got it!\n', 'text/plain; charset=utf-8')),
    ).toEqual([{ verb: 'Message', method: 'POST', body: 'Thanks, got it!', media: [] }]);
  });

  it('refuses a text/plain reply over 1600 characters with 14103', () => {
    const r = parseMessagingTwiml('a'.repeat(1601), 'text/plain');
    expect(verbsOf(r)).toEqual([]);
    expect(warningCodes(r)).toEqual([14103]);
  });
});

describe('parseMessagingTwiml: documents that cannot be used', () => {
  it.each([
    ['an unclosed element', '<Response><Message>hi</Response>'],
    ['an unquoted attribute', '<Response><Message to=+1>hi</Message></Response>'],
    ['a bare ampersand', '<Response><Message>a & b</Message></Response>'],
    ['an HTML entity', '<Response><Message>a&nbsp;b</Message></Response>'],
    ['a space before the XML declaration', ' <?xml version="1.0"?><Response/>'],
    ['two root elements', '<Response/><Response/>'],
    ['text that is not XML', 'Thanks!'],
    ['a truncated document', '<Response><Message>hi'],
    ['a tag named like a JS prototype key', '<Response><__proto__>x</__proto__></Response>'],
    [
      'an entity named like a JS prototype key',
      '<Response><Message>a&constructor;b</Message></Response>',
    ],
    ['an entity named __proto__', '<Response><Message>a&__proto__;b</Message></Response>'],
  ])('fails %s with 12100', (_what, xml) => {
    const r = parseMessagingTwiml(xml, XML);
    expect(r.ok).toBe(false);
    expect(r).toMatchObject({ code: 12100 });
    if (!r.ok) expect(r.message).toMatch(/^Document parse failure: /);
  });

  it('fails a root other than <Response> with 12102', () => {
    expect(parseMessagingTwiml('<Reponse><Message>hi</Message></Reponse>', XML)).toEqual({
      ok: false,
      code: 12102,
      message: 'The root element must be Response, not <Reponse>',
    });
    expect(parseMessagingTwiml('<response/>', 'application/xml')).toMatchObject({ code: 12102 });
  });
});

describe('parseMessagingTwiml: <Message>', () => {
  it('uses the deprecated statusCallback as action, action winning when both are given', () => {
    const [a] = verbsOf(parseMessagingTwiml(doc('<Message statusCallback="/cb">x</Message>'), XML));
    expect(a).toMatchObject({ action: '/cb' });
    const [b] = verbsOf(
      parseMessagingTwiml(doc('<Message statusCallback="/old" action="/new">x</Message>'), XML),
    );
    expect(b).toMatchObject({ action: '/new' });
  });

  it('reads method case-insensitively and falls back to POST with 14104 on a bad one', () => {
    const [get] = verbsOf(parseMessagingTwiml(doc('<Message method="get">x</Message>'), XML));
    expect(get).toMatchObject({ method: 'GET' });
    const r = parseMessagingTwiml(doc('<Message method="PUT">x</Message>'), XML);
    expect(verbsOf(r)[0]).toMatchObject({ method: 'POST', body: 'x' });
    expect(warningCodes(r)).toEqual([14104]);
  });

  it('trims the body but keeps its inner whitespace', () => {
    const xml = '<Response>\n  <Message>\n    Hello\n    World\n  </Message>\n</Response>';
    expect(verbsOf(parseMessagingTwiml(xml, XML))).toEqual([
      { verb: 'Message', method: 'POST', body: 'Hello\n    World', media: [] },
    ]);
  });

  it('resolves character references and keeps CDATA as written', () => {
    const xml = doc('<Message>Caf&#233; &#x1F600; &quot;<![CDATA[a & <b>]]></Message>');
    expect(verbsOf(parseMessagingTwiml(xml, XML))[0]).toMatchObject({ body: 'Café 😀 "a & <b>' });
  });

  it('skips a message with neither text nor media (14103) and keeps the others', () => {
    const r = parseMessagingTwiml(doc('<Message>  </Message><Message/><Message>ok</Message>'), XML);
    expect(verbsOf(r)).toEqual([{ verb: 'Message', method: 'POST', body: 'ok', media: [] }]);
    expect(warningCodes(r)).toEqual([14103, 14103]);
  });

  it('sends media without text', () => {
    const r = parseMessagingTwiml(
      doc('<Message><Media>https://e.com/a.png</Media></Message>'),
      XML,
    );
    expect(verbsOf(r)).toEqual([
      { verb: 'Message', method: 'POST', body: '', media: ['https://e.com/a.png'] },
    ]);
  });

  it('allows 1600 characters (emoji count as one) and refuses 1601 with 14103', () => {
    const max = '😀'.repeat(1600);
    expect(verbsOf(parseMessagingTwiml(doc(`<Message>${max}</Message>`), XML))).toHaveLength(1);
    const r = parseMessagingTwiml(doc(`<Message>${max}x</Message>`), XML);
    expect(verbsOf(r)).toEqual([]);
    expect(warningCodes(r)).toEqual([14103]);
  });

  it('allows 10 <Media> and refuses 11 with 21623', () => {
    const media = (n: number) =>
      Array.from({ length: n }, (_, i) => `<Media>https://e.com/${i}.png</Media>`).join('');
    const ten = verbsOf(parseMessagingTwiml(doc(`<Message>${media(10)}</Message>`), XML));
    expect(ten[0]).toMatchObject({ media: expect.arrayContaining(['https://e.com/9.png']) });
    const r = parseMessagingTwiml(doc(`<Message>${media(11)}</Message>`), XML);
    expect(verbsOf(r)).toEqual([]);
    expect(warningCodes(r)).toEqual([21623]);
  });

  it('prefers <Body> over text directly inside, with a 12200 warning', () => {
    const r = parseMessagingTwiml(doc('<Message>stray<Body>real</Body></Message>'), XML);
    expect(verbsOf(r)).toEqual([{ verb: 'Message', method: 'POST', body: 'real', media: [] }]);
    expect(warningCodes(r)).toEqual([12200]);
  });

  it('warns 12200 on unknown attributes and nested elements, and still sends', () => {
    const r = parseMessagingTwiml(
      doc('<Message priority="high">hi<Say>x</Say><Media>https://e.com/a<b/></Media></Message>'),
      XML,
    );
    expect(verbsOf(r)).toEqual([
      { verb: 'Message', method: 'POST', body: 'hi', media: ['https://e.com/a'] },
    ]);
    expect(warningCodes(r)).toEqual([12200, 12200, 12200]);
    if (r.ok) {
      expect(r.warnings[0]!.message).toBe(
        "Attribute 'priority' is not allowed to appear in element 'Message'",
      );
    }
  });

  it('reads the legacy <Sms> verb as a message', () => {
    const r = parseMessagingTwiml(doc('<Sms to="+15550001111">old</Sms>'), XML);
    expect(verbsOf(r)).toEqual([
      { verb: 'Message', to: '+15550001111', method: 'POST', body: 'old', media: [] },
    ]);
  });

  it('tolerates a byte-order mark', () => {
    expect(verbsOf(parseMessagingTwiml('\uFEFF' + doc('<Message>hi</Message>'), XML))).toHaveLength(
      1,
    );
  });
});

describe('parseMessagingTwiml: verbs', () => {
  it('ignores everything after <Redirect>', () => {
    const r = parseMessagingTwiml(
      doc('<Message>before</Message><Redirect>/next</Redirect><Message>after</Message><Bogus/>'),
      XML,
    );
    expect(verbsOf(r)).toEqual([
      { verb: 'Message', method: 'POST', body: 'before', media: [] },
      { verb: 'Redirect', url: '/next', method: 'POST' },
    ]);
    expect(warningCodes(r)).toEqual([]);
  });

  it('skips unknown verbs with 14110 and runs the rest', () => {
    const r = parseMessagingTwiml(doc('<Say>hi</Say><Message>ok</Message><Dial>+1</Dial>'), XML);
    expect(verbsOf(r)).toEqual([{ verb: 'Message', method: 'POST', body: 'ok', media: [] }]);
    expect(warningCodes(r)).toEqual([14110, 14110]);
  });

  it('reports an empty <Redirect> with 11100 and stops there', () => {
    const r = parseMessagingTwiml(doc('<Redirect> </Redirect><Message>after</Message>'), XML);
    expect(verbsOf(r)).toEqual([]);
    expect(warningCodes(r)).toEqual([11100]);
  });

  it('warns 12200 on text directly inside <Response>', () => {
    const r = parseMessagingTwiml('<Response>hello<Message>ok</Message></Response>', XML);
    expect(verbsOf(r)).toHaveLength(1);
    expect(warningCodes(r)).toEqual([12200]);
  });
});
