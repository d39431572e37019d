/** Framing and link semantics over in-process pipes (no sockets). */
import { describe, expect, it } from 'vitest';
import { PeerError, ProtocolError, TimeoutError } from '../../src/errors.js';
import { encodeHeader, FrameParser, type Frame } from '../../src/mpc/transport/frame.js';
import { inprocPipePair } from '../../src/mpc/transport/inproc.js';
import { Link } from '../../src/mpc/transport/link.js';

function pair(opts = {}): [Link, Link] {
  const [a, b] = inprocPipePair();
  return [new Link('P1', 'P2', a, opts), new Link('P2', 'P1', b, opts)];
}

describe('frame parser', () => {
  it('decodes frames split at every byte position', () => {
    const payload = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const bytes = new Uint8Array([...encodeHeader('mul#3', payload.length), ...payload, ...encodeHeader('e#0', 0)]);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const got: Frame[] = [];
      const p = new FrameParser('P2', 100, (f) => got.push(f));
      p.push(bytes.subarray(0, cut));
      p.push(bytes.subarray(cut));
      expect(got.map((f) => [f.tag, [...f.payload]])).toEqual([
        ['mul#3', [...payload]],
        ['e#0', []],
      ]);
      expect(got[0]!.payload.byteOffset % 8).toBe(0);
    }
  });

  it('rejects bad magic and oversized frames, naming the peer and tag', () => {
    const p = new FrameParser('P2', 16, () => undefined);
    expect(() => p.push(new Uint8Array(12).fill(7))).toThrow(/malformed frame from P2: bad magic/);
    const q = new FrameParser('P2', 16, () => undefined);
    expect(() => q.push(encodeHeader('r#1:x', 17))).toThrow(ProtocolError);
    const r = new FrameParser('P2', 16, () => undefined);
    expect(() => r.push(encodeHeader('r#1:x', 17))).toThrow(/oversized frame from P2 \(tag 'r#1:x'\): 17 bytes > limit 16/);
  });
});

describe('link', () => {
  it('delivers payloads in order and checks tags', async () => {
    const [a, b] = pair();
    a.send('t#0', [new Uint8Array([1, 2]), new Uint8Array([3])]);
    a.send('t#1', []);
    expect([...(await b.recv('t#0'))]).toEqual([1, 2, 3]);
    expect((await b.recv('t#1')).length).toBe(0);
    a.send('t#9', [new Uint8Array([0])]);
    await expect(b.recv('t#2')).rejects.toThrow(/unexpected message from P1: got tag 't#9', expected 't#2'/);
    await expect(a.recv('x#0')).rejects.toBeInstanceOf(PeerError);
  });

  it('times out with TimeoutError naming peer and tag', async () => {
    const [a, b] = pair({ timeoutMs: 50 });
    const e = await b.recv('r#4:layer').catch((x: Error) => x);
    expect(e).toBeInstanceOf(TimeoutError);
    expect((e as Error).message).toMatch(/waiting for 'r#4:layer' from P1/);
    expect((e as PeerError).peer).toBe('P1');
    await a.done.catch(() => undefined);
  });

  it('a peer that vanishes without BYE is a PeerError; a short read names the frame', async () => {
    const [a, b] = pair();
    const pending = b.recv('r#0:x');
    a.writeRawForTest(encodeHeader('r#0:x', 100));
    a.writeRawForTest(new Uint8Array(10));
    a.fail(new Error('killed'));
    await expect(pending).rejects.toThrow(/short read from P1: the stream ended inside frame 'r#0:x'/);
  });

  it('a clean close (BYE) resolves `done`; queued frames stay readable, later receives fail', async () => {
    const [a, b] = pair();
    a.send('t#0', [new Uint8Array([5])]);
    await Promise.all([a.close(), b.close()]);
    await expect(a.done).resolves.toBeUndefined();
    expect([...(await b.recv('t#0'))]).toEqual([5]); // already queued
    await expect(b.recv('t#1')).rejects.toBeInstanceOf(PeerError); // closed
  });

  it('receivers read queued frames after the peer said BYE', async () => {
    const [a, b] = pair();
    a.send('t#0', [new Uint8Array([5])]);
    const closing = a.close();
    expect([...(await b.recv('t#0'))]).toEqual([5]);
    await expect(b.recv('t#1')).rejects.toThrow(/P1 ended the session/);
    await closing;
  });
});
