/**
 * SASLprep (RFC 4013), the stringprep profile WAMP-SCRAM applies to user names and passwords
 * (spec: advanced profile "Salted Challenge Response Authentication", "Username/Password String
 * Normalization"), so that two spellings of the same text derive the same key.
 *
 * Steps: map (RFC 3454 table B.1 to nothing, non-ASCII spaces C.1.2 to U+0020), normalize with
 * NFKC, refuse prohibited output (tables C.1.2 to C.9), check bidirectional text (section 6).
 * Unassigned code points are allowed, as RFC 4013 allows for queries. The bidi categories are
 * approximated by the right-to-left Unicode blocks, since JavaScript has no Bidi_Class property.
 */
import { InvalidArgumentError } from './errors.js';

/** RFC 3454 B.1: commonly mapped to nothing. */
// biome-ignore lint/suspicious/noMisleadingCharacterClass: the class lists combining code points on purpose, to remove each.
const MAPPED_TO_NOTHING = /[\u00AD\u034F\u1806\u180B-\u180D\u200B-\u200D\u2060\uFE00-\uFE0F\uFEFF]/gu;
/** RFC 3454 C.1.2: non-ASCII space characters (the Zs category, as Python's stringprep reads it). */
const NON_ASCII_SPACE = /(?! )\p{Zs}/gu;

/** RFC 3454 C.2.1 to C.9 (C.1.2 is mapped away before this check). */
const PROHIBITED = new RegExp(
  [
    '[\\u0000-\\u001F\\u007F]', // C.2.1 ASCII control
    '[\\u0080-\\u009F\\u06DD\\u070F\\u180E\\u200C\\u200D\\u2028\\u2029\\u2060-\\u2063\\u206A-\\u206F\\uFEFF\\uFFF9-\\uFFFC]', // C.2.2
    '[\\u{1D173}-\\u{1D17A}]', // C.2.2 musical symbols formatting
    '[\\uE000-\\uF8FF\\u{F0000}-\\u{FFFFD}\\u{100000}-\\u{10FFFD}]', // C.3 private use
    '[\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]', // C.4 non-characters, BMP
    '[\\u{1FFFE}\\u{1FFFF}\\u{2FFFE}\\u{2FFFF}\\u{3FFFE}\\u{3FFFF}\\u{4FFFE}\\u{4FFFF}\\u{5FFFE}\\u{5FFFF}\\u{6FFFE}\\u{6FFFF}]',
    '[\\u{7FFFE}\\u{7FFFF}\\u{8FFFE}\\u{8FFFF}\\u{9FFFE}\\u{9FFFF}\\u{AFFFE}\\u{AFFFF}\\u{BFFFE}\\u{BFFFF}\\u{CFFFE}\\u{CFFFF}]',
    '[\\u{DFFFE}\\u{DFFFF}\\u{EFFFE}\\u{EFFFF}\\u{FFFFE}\\u{FFFFF}\\u{10FFFE}\\u{10FFFF}]',
    '[\\uD800-\\uDFFF]', // C.5 lone surrogates (paired ones are whole code points under the u flag)
    '[\\uFFF9-\\uFFFD]', // C.6 inappropriate for plain text
    '[\\u2FF0-\\u2FFB]', // C.7 inappropriate for canonical representation
    '[\\u0340\\u0341\\u200E\\u200F\\u202A-\\u202E\\u206A-\\u206F]', // C.8 change display properties
    '[\\u{E0001}\\u{E0020}-\\u{E007F}]', // C.9 tagging characters
  ].join('|'),
  'u',
);

/** Right-to-left characters (bidi R and AL), approximated by the right-to-left blocks. */
const RAND_AL_CAT = /[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFC\u{10800}-\u{10FFF}\u{1E800}-\u{1EFFF}]/u;
/** Left-to-right characters (bidi L), approximated as letters and marks outside those blocks. */
const L_CAT = /(?![\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFC\u{10800}-\u{10FFF}\u{1E800}-\u{1EFFF}])[\p{L}\p{Mc}]/u;

/**
 * Applies SASLprep to `text`.
 *
 * @throws InvalidArgumentError when the prepared text holds a prohibited character or breaks the
 *   bidirectional rule; such a name or password cannot be used with WAMP-SCRAM.
 * @example
 * saslprep('I\u00ADX'); // 'IX'
 * saslprep('user\u00A0name'); // 'user name'
 */
export function saslprep(text: string): string {
  const mapped = text.replace(MAPPED_TO_NOTHING, '').replace(NON_ASCII_SPACE, ' ');
  const normalized = mapped.normalize('NFKC');
  if (PROHIBITED.test(normalized)) throw new InvalidArgumentError('saslprep: the text contains a prohibited character');
  if (RAND_AL_CAT.test(normalized)) {
    // RFC 3454 section 6: with any RandALCat character there may be no LCat character, and the
    // first and last characters must be RandALCat.
    const chars = [...normalized];
    if (
      L_CAT.test(normalized) ||
      !RAND_AL_CAT.test(chars[0] as string) ||
      !RAND_AL_CAT.test(chars[chars.length - 1] as string)
    ) {
      throw new InvalidArgumentError('saslprep: the text mixes right-to-left and left-to-right characters');
    }
  }
  return normalized;
}
