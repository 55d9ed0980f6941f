// A small, strict XML 1.0 well-formedness checker and parser for tests (no validator package is
// installed): it rejects what a CI system's JUnit reader would choke on, and returns the element
// tree with entities decoded so tests can read what a reader would see.

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Character data directly inside this element, decoded. */
  text: string;
}

const NAME = /[A-Za-z_:][A-Za-z0-9._:-]*/y;
const SPACE = /[ \t\r\n]*/y;

// XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
function isXmlChar(code: number): boolean {
  return code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
}

export class XmlError extends Error {}

/** Parses a whole document; throws XmlError (with the offset) on anything not well-formed. */
export function parseXml(text: string): XmlElement {
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (!isXmlChar(code)) throw new XmlError(`character U+${code.toString(16).padStart(4, '0')} is not allowed in XML 1.0`);
  }
  let at = 0;
  const fail = (message: string): never => {
    throw new XmlError(`${message} at offset ${at}: ${JSON.stringify(text.slice(at, at + 40))}`);
  };
  const skipSpace = () => {
    SPACE.lastIndex = at;
    SPACE.exec(text);
    at = SPACE.lastIndex;
  };
  const name = (): string => {
    NAME.lastIndex = at;
    const match = NAME.exec(text);
    if (match === null) return fail('expected a name');
    at = NAME.lastIndex;
    return match[0];
  };
  const decode = (raw: string, inAttribute: boolean): string => {
    if (raw.includes('<')) fail('"<" in character data or an attribute value');
    if (!inAttribute && raw.includes(']]>')) fail('"]]>" in character data');
    return raw.replace(/&([^;]*);?/g, (whole, ref: string) => {
      if (!whole.endsWith(';')) fail(`"&" not starting a reference: ${JSON.stringify(whole)}`);
      const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
      if (named[ref] !== undefined) return named[ref]!;
      const numeric = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(ref);
      if (numeric === null) return fail(`unknown entity &${ref};`);
      const code = numeric[1] !== undefined ? parseInt(numeric[1], 16) : Number(numeric[2]);
      if (!isXmlChar(code)) fail(`character reference &${ref}; is not an XML character`);
      return String.fromCodePoint(code);
    });
  };
  const skipMisc = () => {
    for (;;) {
      skipSpace();
      if (text.startsWith('<!--', at)) {
        const end = text.indexOf('-->', at + 4);
        if (end < 0) fail('unterminated comment');
        if (text.slice(at + 4, end).includes('--')) fail('"--" inside a comment');
        at = end + 3;
      } else if (text.startsWith('<?', at) && !text.startsWith('<?xml', at)) {
        const end = text.indexOf('?>', at);
        if (end < 0) fail('unterminated processing instruction');
        at = end + 2;
      } else {
        return;
      }
    }
  };
  const element = (): XmlElement => {
    if (text[at] !== '<') fail('expected "<"');
    at += 1;
    const node: XmlElement = { name: name(), attributes: {}, children: [], text: '' };
    for (;;) {
      const before = at;
      skipSpace();
      if (text.startsWith('/>', at)) {
        at += 2;
        return node;
      }
      if (text[at] === '>') {
        at += 1;
        break;
      }
      if (at === before) fail('expected whitespace before an attribute');
      const attribute = name();
      if (attribute in node.attributes) fail(`attribute "${attribute}" given twice`);
      skipSpace();
      if (text[at] !== '=') fail('expected "=" after an attribute name');
      at += 1;
      skipSpace();
      const quote = text[at];
      if (quote !== '"' && quote !== "'") fail('attribute value must be quoted');
      const end = text.indexOf(quote!, at + 1);
      if (end < 0) fail('unterminated attribute value');
      node.attributes[attribute] = decode(text.slice(at + 1, end), true);
      at = end + 1;
    }
    for (;;) {
      const next = text.indexOf('<', at);
      if (next < 0) fail(`unclosed element <${node.name}>`);
      node.text += decode(text.slice(at, next), false);
      at = next;
      if (text.startsWith('</', at)) {
        at += 2;
        const closing = name();
        if (closing !== node.name) fail(`</${closing}> closes <${node.name}>`);
        skipSpace();
        if (text[at] !== '>') fail('expected ">"');
        at += 1;
        return node;
      }
      if (text.startsWith('<!--', at) || (text.startsWith('<?', at) && !text.startsWith('<?xml', at))) {
        skipMisc();
        continue;
      }
      if (text.startsWith('<![CDATA[', at)) {
        const end = text.indexOf(']]>', at);
        if (end < 0) fail('unterminated CDATA section');
        node.text += text.slice(at + 9, end);
        at = end + 3;
        continue;
      }
      node.children.push(element());
    }
  };

  if (text.startsWith('<?xml')) {
    const end = text.indexOf('?>');
    if (end < 0) fail('unterminated XML declaration');
    const declaration = text.slice(0, end + 2);
    if (!/^<\?xml version="1\.[0-9]"( encoding="[A-Za-z][A-Za-z0-9._-]*")?( standalone="(yes|no)")? ?\?>$/.test(declaration)) fail('malformed XML declaration');
    at = end + 2;
  }
  skipMisc();
  const root = element();
  skipMisc();
  if (at !== text.length) fail('content after the root element');
  return root;
}

/** Every element below (and including) `root` with this name, in document order. */
export function findAll(root: XmlElement, name: string): XmlElement[] {
  const found: XmlElement[] = [];
  const visit = (node: XmlElement) => {
    if (node.name === name) found.push(node);
    node.children.forEach(visit);
  };
  visit(root);
  return found;
}
