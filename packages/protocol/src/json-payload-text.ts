/**
 * The JSON text a decoded call payload was read from, so that the INVOCATION or RESULT carrying
 * it on to another JSON peer is written by splicing that text in, not by walking and stringifying
 * the payload again (issue 17: re-encoding the arguments was most of a routed call's encode).
 *
 * The router forwards `args` and `kwargs` of a CALL or YIELD as the very same objects
 * (packages/router/src/payload.ts, `copyPayload`), so the text is found by the identity of the
 * `args` list: the decoder remembers the list it made last, the `kwargs` object read with it and
 * the frame text. An outgoing message whose `args` and `kwargs` are exactly those objects carries
 * exactly that payload, and the text between the start of its args and the end of the message is
 * its `Arguments|list, ArgumentsKw|dict` as the sender wrote them: valid JSON, since the whole
 * frame parsed.
 *
 * Nothing else changes what is forwarded: a payload whose args were dropped or replaced, whose
 * kwargs were dropped (an empty dict is, `copyPayload`), or whose args slot held `null` is
 * encoded as before. It relies on the contract that a payload is not mutated once decoded
 * (docs/architecture.md, "Contracts the code relies on"); the client library never hands a
 * received list back as its answer (it copies, packages/client/src/payload.ts), so an in-process
 * procedure that edits its arguments answers with a new list, which is encoded afresh.
 */
import type { Dict, Payload, WampMessage } from './messages.js';

/**
 * The payload of the message decoded last: its args list, the kwargs read with it, and the whole
 * text of its message. One slot, reused, rather than a map: the router sends the INVOCATION of
 * a CALL (the RESULT of a YIELD) while it handles that message, before the next one is decoded,
 * so the last decoded payload is the one to find; a WeakMap from every list to its text cost
 * more per decode than the splice saves per encode (docs/profiling.md). Later sends of the same
 * payload (a queued or rerouted call) are encoded as before.
 */
const last = {
  args: undefined as unknown[] | undefined,
  kwargs: undefined as Dict | undefined,
  text: '',
  /** The position of `Arguments|list` among the message's elements (4 in CALL, 3 in YIELD). */
  element: 0,
  /** The payload's text, found on first use; `null` when it cannot be spliced. */
  tail: undefined as string | null | undefined,
};

/**
 * Called by the JSON decoder for each message it decoded from `text` (`raw` is the parsed
 * array, `message` what it became): remembers the payload of a CALL or a YIELD whose args are a
 * list followed by nothing or by a kwargs dict.
 */
export function rememberPayloadText(message: WampMessage, raw: unknown[], text: string): void {
  let element: number;
  if (message.type === 'CALL') element = 4;
  else if (message.type === 'YIELD') element = 3;
  else return;
  const args = message.args;
  // `args` is the parsed list itself (not the `[]` standing for a `null` slot), and the kwargs
  // slot, when there is one, held the dict the message carries.
  if (args === undefined || args !== raw[element]) return;
  if (raw.length === element + 2 && message.kwargs !== raw[element + 1]) return;
  last.args = args;
  last.kwargs = message.kwargs;
  last.text = text;
  last.element = element;
  last.tail = undefined;
}

/**
 * The text of `message`'s `Arguments|list[, ArgumentsKw|dict]` as a JSON peer sent them, or
 * `undefined` when they were not read from JSON, or not as this message carries them.
 */
export function payloadText(message: Payload): string | undefined {
  const args = message.args;
  if (args === undefined || args !== last.args || message.kwargs !== last.kwargs || message.payload !== undefined)
    return undefined;
  if (last.tail === undefined) last.tail = findTail(last.text, last.element);
  return last.tail ?? undefined;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_LIST = 0x5b;
const CLOSE_LIST = 0x5d;
const OPEN_DICT = 0x7b;
const CLOSE_DICT = 0x7d;

/**
 * The text from the start of element `element` of the JSON list `text` to the list's closing
 * bracket (not included), or `null` when that element is not a list. `text` parsed as JSON and
 * is a list with more than `element` elements (the decoder checked both), so a scan that skips
 * strings and counts brackets finds the element: commas at depth 1 separate the top-level
 * elements, and inside a string only an unescaped quote ends it.
 */
function findTail(text: string, element: number): string | null {
  let depth = 0;
  let commas = 0;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Skip the string: a backslash escapes the character after it.
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) i++;
        else if (d === QUOTE) break;
      }
    } else if (c === OPEN_LIST || c === OPEN_DICT) {
      depth++;
    } else if (c === CLOSE_LIST || c === CLOSE_DICT) {
      depth--;
    } else if (c === COMMA && depth === 1 && ++commas === element) {
      start = i + 1;
      break;
    }
  }
  if (start < 0) return null;
  while (isSpace(text.charCodeAt(start))) start++;
  if (text.charCodeAt(start) !== OPEN_LIST) return null;
  let end = text.length - 1;
  while (end > start && isSpace(text.charCodeAt(end))) end--;
  if (text.charCodeAt(end) !== CLOSE_LIST) return null;
  return text.slice(start, end);
}

/** JSON's insignificant whitespace (RFC 8259 section 2). */
function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
