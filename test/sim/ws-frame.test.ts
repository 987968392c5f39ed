/**
 * RFC 6455 framing of the simulator's private stream: what a client may send (masked,
 * fragmented, control frames between fragments, 16- and 64-bit lengths) and what is refused.
 */
import { Buffer } from "node:buffer";
import { describe, expect, test } from "bun:test";
import { acceptKey, CLOSE, encodeFrame, FrameError, FrameReader, OPCODE } from "../../core/sim/ws-frame.ts";

/** A client frame: masked, as RFC 6455 requires of clients. */
function clientFrame(opcode: number, payload: string | Buffer, { fin = true, mask = true } = {}): Buffer {
  const data = typeof payload === "string" ? Buffer.from(payload) : payload;
  const n = data.length;
  const head: number[] = [(fin ? 0x80 : 0) | opcode];
  const maskBit = mask ? 0x80 : 0;
  if (n < 126) head.push(maskBit | n);
  else if (n < 0x10000) head.push(maskBit | 126, n >> 8, n & 0xff);
  else {
    const len = Buffer.alloc(8);
    len.writeBigUInt64BE(BigInt(n));
    head.push(maskBit | 127, ...len);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), data]);
  const key = Buffer.from([1, 2, 3, 4]);
  const masked = Buffer.from(data.map((b, i) => b ^ key[i & 3]!));
  return Buffer.concat([Buffer.from(head), key, masked]);
}

describe("ws-frame", () => {
  test("computes the handshake accept key of RFC 6455's example", () => {
    expect(acceptKey("dGhlIHNhbXBsZSBub25jZQ==")).toBe("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  });

  test("reads a text message split over chunks at any byte", () => {
    const bytes = clientFrame(OPCODE.text, '{"op":"ping"}');
    const reader = new FrameReader();
    const out = [];
    for (const b of bytes) out.push(...reader.push(Buffer.from([b])));
    expect(out).toEqual([{ kind: "text", text: '{"op":"ping"}' }]);
  });

  test("assembles a fragmented message with a ping between its fragments", () => {
    const reader = new FrameReader();
    const bytes = Buffer.concat([
      clientFrame(OPCODE.text, '{"op":', { fin: false }),
      clientFrame(OPCODE.ping, "hb"),
      clientFrame(OPCODE.continuation, '"ping"}'),
    ]);
    const out = reader.push(bytes);
    expect(out.map((m) => m.kind)).toEqual(["ping", "text"]);
    expect(out[1]).toEqual({ kind: "text", text: '{"op":"ping"}' });
  });

  test("reads 16-bit and 64-bit payload lengths", () => {
    const reader = new FrameReader();
    const mid = "x".repeat(300);
    const big = "y".repeat(70_000);
    const out = reader.push(Buffer.concat([clientFrame(OPCODE.text, mid), clientFrame(OPCODE.text, big)]));
    expect(out.map((m) => (m.kind === "text" ? m.text.length : -1))).toEqual([300, 70_000]);
  });

  test("reads a close frame's code", () => {
    const payload = Buffer.from([0x03, 0xe8]);
    expect(new FrameReader().push(clientFrame(OPCODE.close, payload))).toEqual([{ kind: "close", code: 1000, reason: "" }]);
  });

  test("refuses an unmasked client frame with 1002", () => {
    const reader = new FrameReader();
    expect(() => reader.push(clientFrame(OPCODE.text, "hi", { mask: false }))).toThrow(FrameError);
    try {
      new FrameReader().push(clientFrame(OPCODE.text, "hi", { mask: false }));
    } catch (e) {
      expect((e as FrameError).closeCode).toBe(CLOSE.protocolError);
    }
  });

  test("encodes server frames unmasked with the right length form", () => {
    expect([...encodeFrame(OPCODE.text, "hi")]).toEqual([0x81, 2, 0x68, 0x69]);
    const mid = encodeFrame(OPCODE.text, "z".repeat(200));
    expect([mid[0], mid[1], mid.readUInt16BE(2)]).toEqual([0x81, 126, 200]);
    const big = encodeFrame(OPCODE.text, "z".repeat(70_000));
    expect([big[1], Number(big.readBigUInt64BE(2))]).toEqual([127, 70_000]);
  });
});
