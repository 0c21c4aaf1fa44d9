/**
 * WebSocket frames as a client sends them (RFC 6455 section 5.2), built by hand so that tests can
 * also send what no client library would: unmasked frames, RSV bits, odd length forms.
 */

export const Opcode = { CONTINUATION: 0x0, TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xa } as const;

export interface FrameSpec {
  opcode: number;
  payload?: Buffer | string;
  fin?: boolean;
  /** Client frames must be masked; false builds one that breaks the rule. */
  masked?: boolean;
  rsv?: number;
  /** Force the 16- or 64-bit length form even for a short payload. */
  lengthForm?: 16 | 64;
}

const MASK = [0x37, 0xfa, 0x21, 0x3d];

/** One client frame, masked unless told otherwise. */
export function clientFrame({
  opcode,
  payload = '',
  fin = true,
  masked = true,
  rsv = 0,
  lengthForm,
}: FrameSpec): Buffer {
  const data = Buffer.from(payload);
  const head: number[] = [(fin ? 0x80 : 0) | (rsv << 4) | opcode];
  const maskBit = masked ? 0x80 : 0;
  if (lengthForm === 64 || data.length > 0xffff) {
    head.push(maskBit | 127, 0, 0, 0, 0, (data.length >>> 24) & 0xff, (data.length >>> 16) & 0xff);
    head.push((data.length >>> 8) & 0xff, data.length & 0xff);
  } else if (lengthForm === 16 || data.length > 125) {
    head.push(maskBit | 126, (data.length >>> 8) & 0xff, data.length & 0xff);
  } else {
    head.push(maskBit | data.length);
  }
  if (!masked) return Buffer.concat([Buffer.from(head), data]);
  const body = Buffer.from(data.map((byte, i) => byte ^ (MASK[i % 4] as number)));
  return Buffer.concat([Buffer.from(head), Buffer.from(MASK), body]);
}

/** The payload of a close frame: status code, then reason. */
export function closePayload(code: number, reason = ''): Buffer {
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2);
  return payload;
}
