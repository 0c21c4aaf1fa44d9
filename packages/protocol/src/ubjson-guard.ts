/**
 * A structural check of a UBJSON frame (Draft 12) before it is decoded, without building values.
 *
 * The decoder we use (@shelacek/ubjson) trusts declared counts: `[#l` with a count of 2^26 and
 * nothing after it yields 2^26 `undefined` elements (over a gigabyte), and a `[$Z#` container
 * is filled eagerly; it also recurses without a depth limit and accepts trailing bytes. This
 * walk therefore refuses, before decoding, every frame whose declared sizes exceed its bytes,
 * whose nesting is deeper than a limit, that ends early or carries bytes after its value, or
 * whose objects use the key `__proto__` (the decoder assigns keys, so that one would replace the
 * object's prototype). It accepts a subset of what the decoder accepts (no-op `N` only between
 * elements of an unsized array; counts as integer types `i U I l`), so decoding what passed can
 * neither overrun nor expand beyond a small multiple of the frame.
 */
import { ProtocolViolationError } from './errors.js';

/** Nesting deeper than this is refused; WAMP messages need a handful of levels. */
export const UBJSON_MAX_DEPTH = 64;

/** Payload sizes of the fixed-size value types (type marker excluded). */
const FIXED_SIZE: Readonly<Record<string, number>> = {
  Z: 0,
  T: 0,
  F: 0,
  i: 1,
  U: 1,
  C: 1,
  I: 2,
  l: 4,
  d: 4,
  L: 8,
  D: 8,
};

/** Value types that may follow `$` in an optimized container. */
const CONTAINER_TYPES = new Set(['Z', 'T', 'F', 'i', 'U', 'C', 'I', 'l', 'd', 'L', 'D', 'S', 'H', '[', '{']);

function violation(reason: string): ProtocolViolationError {
  return new ProtocolViolationError(`frame is not valid UBJSON: ${reason}`, { field: 'frame' });
}

/**
 * Throws ProtocolViolationError unless `bytes` holds exactly one well-formed, bounded UBJSON value.
 *
 * @example
 * checkUbjsonFrame(new Uint8Array([0x5b, 0x5d])); // `[]`: passes
 */
export function checkUbjsonFrame(bytes: Uint8Array, maxDepth: number = UBJSON_MAX_DEPTH): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  // Elements of zero size (typed Z, T, F containers) take no bytes; all of them together may
  // number no more than the frame has bytes, so the decoded value stays linear in the frame.
  let zeroSizeBudget = bytes.length;

  const need = (n: number): void => {
    if (n > bytes.length - at) throw violation(`ends early (${n} bytes needed at offset ${at})`);
  };
  const marker = (): string => {
    need(1);
    return String.fromCharCode(bytes[at++] as number);
  };
  const peek = (): string => {
    need(1);
    return String.fromCharCode(bytes[at] as number);
  };

  /** A length or count: an integer marker and a non-negative value that fits in the frame. */
  const count = (): number => {
    const type = marker();
    let n: number;
    switch (type) {
      case 'i':
        need(1);
        n = view.getInt8(at);
        at += 1;
        break;
      case 'U':
        need(1);
        n = view.getUint8(at);
        at += 1;
        break;
      case 'I':
        need(2);
        n = view.getInt16(at);
        at += 2;
        break;
      case 'l':
        need(4);
        n = view.getInt32(at);
        at += 4;
        break;
      default:
        throw violation(`a length or count must be of type i, U, I or l, got '${type}'`);
    }
    if (n < 0) throw violation(`negative length or count ${n}`);
    return n;
  };

  /** The body of a value whose type marker has been read. */
  const body = (type: string, depth: number): void => {
    const size = FIXED_SIZE[type];
    if (size !== undefined) {
      need(size);
      if (type === 'C' && (bytes[at] as number) > 0x7f) throw violation('a char must be ASCII');
      at += size;
      return;
    }
    switch (type) {
      case 'S':
      case 'H': {
        // Not `at += stringLength()`: that would read `at` before the length is consumed.
        const n = stringLength();
        at += n;
        return;
      }
      case '[':
      case '{':
        container(type, depth + 1);
        return;
      default:
        throw violation(`unknown or misplaced type marker '${type}' at offset ${at - 1}`);
    }
  };

  const stringLength = (): number => {
    const n = count();
    need(n);
    return n;
  };

  const key = (): void => {
    const n = stringLength();
    // "__proto__" is 9 ASCII bytes; the decoder would assign it, replacing the prototype.
    if (n === 9 && String.fromCharCode(...bytes.subarray(at, at + 9)) === '__proto__') {
      throw violation("the object key '__proto__' is not accepted");
    }
    at += n;
  };

  const container = (open: '[' | '{', depth: number): void => {
    if (depth > maxDepth) throw violation(`nested deeper than ${maxDepth} levels`);
    let type: string | undefined;
    let n: number | undefined;
    if (peek() === '$') {
      at += 1;
      type = marker();
      if (!CONTAINER_TYPES.has(type)) throw violation(`'${type}' cannot be a container's element type`);
      if (marker() !== '#') throw violation("a typed container ('$') needs a count ('#')");
      n = count();
    } else if (peek() === '#') {
      at += 1;
      n = count();
    }
    if (n === undefined) {
      const close = open === '[' ? ']' : '}';
      for (;;) {
        if (open === '[') while (peek() === 'N') at += 1;
        if (peek() === close) {
          at += 1;
          return;
        }
        if (open === '{') key();
        body(marker(), depth);
      }
    }
    // Sized containers: every element takes bytes, so its count cannot exceed the bytes left;
    // elements of zero size (Z, T, F) draw on the frame's budget instead.
    const elementSize = type === undefined ? 1 : (FIXED_SIZE[type] ?? 1);
    if (elementSize === 0 && open === '[') {
      zeroSizeBudget -= n;
      if (zeroSizeBudget < 0) throw violation(`typed containers declare more elements than the frame has bytes`);
    } else if (n > Math.floor((bytes.length - at) / Math.max(elementSize, 1))) {
      throw violation(`a container declares ${n} elements, more than the frame can hold`);
    }
    for (let i = 0; i < n; i++) {
      if (open === '{') key();
      body(type ?? marker(), depth);
    }
  };

  body(marker(), 0);
  if (at !== bytes.length) throw violation(`${bytes.length - at} bytes after the value`);
}
