/**
 * The WebSocket wire (RFC 6455) for the simulator's private stream, server side only: the
 * opening handshake's accept key, a reader that turns the client's byte stream into messages
 * (masked frames, fragmented messages, control frames between fragments), and the encoder
 * for the server's unmasked frames. No extensions (no permessage-deflate): the handshake
 * does not offer any, so a client never compresses.
 */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

export const OPCODE = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** Close codes used here (RFC 6455 section 7.4.1). */
export const CLOSE = { normal: 1000, goingAway: 1001, protocolError: 1002, tooBig: 1009 } as const;

/** Bigger client messages are refused with 1009 (Bybit's own requests are a few hundred bytes). */
export const MAX_MESSAGE_BYTES = 1 << 20;

/** Sec-WebSocket-Accept for a client's Sec-WebSocket-Key. */
export function acceptKey(clientKey: string): string {
  return createHash("sha1").update(clientKey + GUID).digest("base64");
}

export type ClientMessage =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "binary"; readonly data: Buffer }
  | { readonly kind: "ping"; readonly data: Buffer }
  | { readonly kind: "pong" }
  | { readonly kind: "close"; readonly code: number | undefined; readonly reason: string };

export class FrameError extends Error {
  constructor(readonly closeCode: number, message: string) {
    super(message);
    this.name = "FrameError";
  }
}

/**
 * Feeds on the raw bytes of one connection and yields whole messages. Throws FrameError on a
 * protocol violation (unmasked client frame, bad opcode, oversized message); the caller then
 * closes with its code.
 */
export class FrameReader {
  #buffer: Buffer = Buffer.alloc(0);
  #fragments: Buffer[] = [];
  #fragmentOpcode = 0;
  #fragmentBytes = 0;

  push(chunk: Uint8Array): ClientMessage[] {
    this.#buffer = this.#buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#buffer, chunk]);
    const out: ClientMessage[] = [];
    for (;;) {
      const frame = this.#nextFrame();
      if (frame === undefined) return out;
      const message = this.#assemble(frame.fin, frame.opcode, frame.payload);
      if (message !== undefined) out.push(message);
    }
  }

  #nextFrame(): { fin: boolean; opcode: number; payload: Buffer } | undefined {
    const b = this.#buffer;
    if (b.length < 2) return undefined;
    const fin = (b[0]! & 0x80) !== 0;
    if ((b[0]! & 0x70) !== 0) throw new FrameError(CLOSE.protocolError, "reserved bits set without an extension");
    const opcode = b[0]! & 0x0f;
    const masked = (b[1]! & 0x80) !== 0;
    if (!masked) throw new FrameError(CLOSE.protocolError, "client frames must be masked");
    let length = b[1]! & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (b.length < 4) return undefined;
      length = b.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (b.length < 10) return undefined;
      const big = b.readBigUInt64BE(2);
      if (big > BigInt(MAX_MESSAGE_BYTES)) throw new FrameError(CLOSE.tooBig, "message too big");
      length = Number(big);
      offset = 10;
    }
    if (length > MAX_MESSAGE_BYTES) throw new FrameError(CLOSE.tooBig, "message too big");
    if (b.length < offset + 4 + length) return undefined;
    const mask = b.subarray(offset, offset + 4);
    const payload = Buffer.alloc(length);
    const start = offset + 4;
    for (let i = 0; i < length; i++) payload[i] = b[start + i]! ^ mask[i & 3]!;
    this.#buffer = b.subarray(start + length);
    return { fin, opcode, payload };
  }

  #assemble(fin: boolean, opcode: number, payload: Buffer): ClientMessage | undefined {
    if (opcode >= 0x8) {
      if (!fin || payload.length > 125) throw new FrameError(CLOSE.protocolError, "control frames must be whole and at most 125 bytes");
      if (opcode === OPCODE.ping) return { kind: "ping", data: payload };
      if (opcode === OPCODE.pong) return { kind: "pong" };
      if (opcode === OPCODE.close) {
        const code = payload.length >= 2 ? payload.readUInt16BE(0) : undefined;
        return { kind: "close", code, reason: payload.subarray(2).toString("utf8") };
      }
      throw new FrameError(CLOSE.protocolError, `unknown control opcode ${opcode}`);
    }
    if (opcode === OPCODE.continuation) {
      if (this.#fragmentOpcode === 0) throw new FrameError(CLOSE.protocolError, "continuation without a first fragment");
    } else if (opcode === OPCODE.text || opcode === OPCODE.binary) {
      if (this.#fragmentOpcode !== 0) throw new FrameError(CLOSE.protocolError, "new message inside a fragmented one");
      this.#fragmentOpcode = opcode;
    } else {
      throw new FrameError(CLOSE.protocolError, `unknown opcode ${opcode}`);
    }
    this.#fragments.push(payload);
    this.#fragmentBytes += payload.length;
    if (this.#fragmentBytes > MAX_MESSAGE_BYTES) throw new FrameError(CLOSE.tooBig, "message too big");
    if (!fin) return undefined;
    const data = this.#fragments.length === 1 ? this.#fragments[0]! : Buffer.concat(this.#fragments);
    const kind = this.#fragmentOpcode === OPCODE.text ? "text" : "binary";
    this.#fragments = [];
    this.#fragmentOpcode = 0;
    this.#fragmentBytes = 0;
    return kind === "text" ? { kind, text: data.toString("utf8") } : { kind, data };
  }
}

/** One unmasked server frame. */
export function encodeFrame(opcode: number, payload: Uint8Array | string): Buffer {
  const data = typeof payload === "string" ? Buffer.from(payload, "utf8") : Buffer.from(payload);
  const n = data.length;
  let header: Buffer;
  if (n < 126) {
    header = Buffer.from([0x80 | opcode, n]);
  } else if (n < 0x10000) {
    header = Buffer.alloc(4);
    header[0] = 0x80 | opcode;
    header[1] = 126;
    header.writeUInt16BE(n, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([header, data]);
}

export function closeFrame(code: number, reason = ""): Buffer {
  const text = Buffer.from(reason, "utf8");
  const payload = Buffer.alloc(2 + text.length);
  payload.writeUInt16BE(code, 0);
  text.copy(payload, 2);
  return encodeFrame(OPCODE.close, payload);
}
