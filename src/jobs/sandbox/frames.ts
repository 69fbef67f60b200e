/**
 * Message framing for handler processes whose only link to the executor is a pair of byte
 * streams (a sandboxed process has no Node IPC channel): each message is a 4-byte big-endian
 * length followed by its v8 serialization (structured clone: Buffers, Maps, Dates survive, as
 * with Node's "advanced" IPC serialization).
 */
import type { Readable, Writable } from 'node:stream';
import { deserialize, serialize } from 'node:v8';

/** Largest message accepted either way; a longer length prefix means a corrupt or hostile stream. */
export const MAX_FRAME_BYTES = 256 * 1024 * 1024;

export function encodeFrame(message: unknown): Buffer {
  const body = serialize(message);
  if (body.length > MAX_FRAME_BYTES) throw new RangeError(`message of ${body.length} bytes exceeds the ${MAX_FRAME_BYTES}-byte frame limit`);
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32BE(body.length, 0);
  return Buffer.concat([head, body]);
}

/** Writes one message; resolves when handed to the OS. */
export function writeFrame(out: Writable, message: unknown): Promise<void> {
  return new Promise((resolve, reject) => out.write(encodeFrame(message), (err) => (err ? reject(err) : resolve())));
}

/**
 * Calls `onMessage` for every complete frame read from `input`; `onError` for a bad frame (the
 * stream is then ignored from there on, since framing is lost).
 */
export function readFrames(input: Readable, onMessage: (m: unknown) => void, onError: (err: Error) => void): void {
  let chunks: Buffer[] = [];
  let buffered = 0;
  let need = -1;
  let broken = false;
  const take = (n: number): Buffer => {
    const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, buffered);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    chunks = rest.length > 0 ? [rest] : [];
    buffered = rest.length;
    return out;
  };
  input.on('data', (chunk: Buffer) => {
    if (broken) return;
    chunks.push(chunk);
    buffered += chunk.length;
    for (;;) {
      if (need < 0) {
        if (buffered < 4) return;
        need = take(4).readUInt32BE(0);
        if (need > MAX_FRAME_BYTES) {
          broken = true;
          chunks = [];
          return onError(new Error(`frame of ${need} bytes exceeds the ${MAX_FRAME_BYTES}-byte limit`));
        }
      }
      if (buffered < need) return;
      const body = take(need);
      need = -1;
      let msg: unknown;
      try {
        msg = deserialize(body);
      } catch (err) {
        broken = true;
        chunks = [];
        return onError(new Error(`undecodable frame: ${(err as Error).message}`));
      }
      onMessage(msg);
    }
  });
}
