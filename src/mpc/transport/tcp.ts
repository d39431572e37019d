/**
 * TCP (node:net) and TLS (node:tls, mutual authentication) links.
 *
 * Who dials whom is fixed by rank (P0 < P1 < P2 < C): a party accepts
 * connections from higher-ranked peers on its listener and dials the
 * lower-ranked ones. Right after the connection (and, for TLS, the handshake)
 * each side sends a fixed 16-byte hello naming itself; with TLS the name must
 * equal the Common Name of the certificate the peer presented, which must be
 * signed by the configured CA. Nagle is off; writes of a frame's parts are
 * corked so a frame leaves in as few segments as possible, with no copy.
 */
import net from 'node:net';
import tls from 'node:tls';
import { PeerError, ProtocolError, TimeoutError } from '../../errors.js';
import { Link, type BytePipe, type LinkKind, type LinkOptions } from './link.js';

export type PartyId = 'P0' | 'P1' | 'P2' | 'C';
export const PARTY_RANK: Record<PartyId, number> = { P0: 0, P1: 1, P2: 2, C: 3 };

export interface Address {
  host: string;
  port: number;
}

/** PEM key, certificate and CA of this party (certificate CN = party id). */
export interface TlsIdentity {
  key: string | Buffer;
  cert: string | Buffer;
  ca: string | Buffer;
}

export interface NetOptions extends LinkOptions {
  tls?: TlsIdentity;
  /** Time allowed to connect to and greet all peers (default 10 000 ms). */
  connectTimeoutMs?: number;
}

const HELLO_MAGIC = 'LMPCHELO';
const HELLO_BYTES = 16;

function helloBytes(id: string): Uint8Array {
  const b = Buffer.alloc(HELLO_BYTES);
  b.write(HELLO_MAGIC, 0, 'latin1');
  b.write(id, 8, 'latin1');
  return b;
}

function parseHello(b: Uint8Array, from: string): string {
  const s = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (s.toString('latin1', 0, 8) !== HELLO_MAGIC) throw new ProtocolError(`malformed hello from ${from}: not a lutmpc peer`);
  return s.toString('latin1', 8, 16).replace(/\0+$/, '');
}

/** A connected socket as a byte pipe; buffers data until the link starts. */
export class SocketPipe implements BytePipe {
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private onData: ((c: Uint8Array) => void) | undefined;
  private onClose: ((err?: Error) => void) | undefined;
  private lastError: Error | undefined;
  private closed = false;
  private wakeup: (() => void) | undefined;
  /** Called if the connection closes before the link starts (connection setup). */
  onSetupClose: ((err?: Error) => void) | undefined;

  constructor(
    readonly socket: net.Socket,
    readonly kind: LinkKind,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (c: Buffer) => {
      if (this.onData) this.onData(c);
      else {
        this.buffered.push(c);
        this.bufferedBytes += c.length;
        this.wakeup?.();
      }
    });
    socket.on('error', (e) => {
      this.lastError = e;
    });
    socket.on('close', () => {
      this.closed = true;
      this.wakeup?.();
      const cb = this.onClose;
      this.onClose = undefined;
      if (cb) cb(this.lastError);
      else if (!this.onData) this.onSetupClose?.(this.lastError);
    });
  }

  /** Read exactly n bytes before the link starts (handshake). */
  async readExact(n: number, deadline: number, from: string): Promise<Uint8Array> {
    while (this.bufferedBytes < n) {
      if (this.closed) throw new PeerError(`${from} closed the connection during the handshake${this.lastError ? ` (${this.lastError.message})` : ''}`, from, { cause: this.lastError });
      const left = deadline - Date.now();
      if (left <= 0) throw new TimeoutError(`timed out waiting for the hello of ${from}`, from);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wakeup = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wakeup = undefined;
    }
    const all = Buffer.concat(this.buffered);
    this.buffered = all.length > n ? [all.subarray(n)] : [];
    this.bufferedBytes = all.length - n;
    return new Uint8Array(all.subarray(0, n));
  }

  write(parts: Uint8Array[]): void {
    if (this.closed) return;
    const s = this.socket;
    s.cork();
    for (const p of parts) s.write(Buffer.from(p.buffer, p.byteOffset, p.byteLength));
    s.uncork();
  }

  start(onData: (c: Uint8Array) => void, onClose: (err?: Error) => void): void {
    this.onData = onData;
    for (const b of this.buffered.splice(0)) onData(b);
    this.bufferedBytes = 0;
    if (this.closed) onClose(this.lastError);
    else this.onClose = onClose;
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.onClose = undefined;
    this.socket.destroy();
  }
}

/** CN of a TLS peer certificate. */
function peerCommonName(s: tls.TLSSocket): string | undefined {
  const cert = s.getPeerCertificate();
  const cn = cert?.subject?.CN;
  return Array.isArray(cn) ? cn[0] : cn;
}

/**
 * A party's network endpoint: `listen()` first (so the port is known), then
 * `connect()` with the addresses of the peers it must dial.
 */
export class Endpoint {
  private pendingAccept = new Map<string, SocketPipe>();
  private acceptWaiter: (() => void) | undefined;
  private acceptError: Error | undefined;
  private sockets = new Set<net.Socket>();
  private cancelled = false;

  private constructor(
    readonly self: PartyId,
    private readonly server: net.Server | undefined,
    private readonly opts: NetOptions,
  ) {}

  /** Start listening (host default 127.0.0.1, port 0 = any free port). The client needs no listener. */
  static async listen(self: PartyId, opts: NetOptions & { host?: string; port?: number; noListener?: boolean } = {}): Promise<Endpoint> {
    if (opts.noListener || self === 'C') return new Endpoint(self, undefined, opts);
    let ep: Endpoint | undefined;
    const onSocket = (s: net.Socket): void => ep!.accepted(s);
    const server = opts.tls
      ? tls.createServer({ key: opts.tls.key, cert: opts.tls.cert, ca: opts.tls.ca, requestCert: true, rejectUnauthorized: true }, onSocket)
      : net.createServer(onSocket);
    ep = new Endpoint(self, server, opts);
    server.on('connection', (raw: net.Socket) => {
      ep!.sockets.add(raw);
      raw.once('close', () => ep!.sockets.delete(raw));
    });
    if (opts.tls) {
      server.on('tlsClientError', (e: Error) => {
        ep!.acceptFailed(new PeerError(`${self}: TLS handshake with an incoming peer failed: ${e.message}`, 'unknown', { cause: e }));
      });
    }
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return ep;
  }

  get address(): Address {
    if (!this.server) throw new PeerError(`${this.self} has no listener`, this.self);
    const a = this.server.address() as net.AddressInfo;
    return { host: a.address, port: a.port };
  }

  private get kind(): LinkKind {
    return this.opts.tls ? 'tls' : 'tcp';
  }

  private accepted(s: net.Socket): void {
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
    const pipe = new SocketPipe(s, this.kind);
    const deadline = Date.now() + (this.opts.connectTimeoutMs ?? 10_000);
    pipe
      .readExact(HELLO_BYTES, deadline, 'an incoming peer')
      .then((h) => {
        const id = parseHello(h, 'an incoming peer');
        if (s instanceof tls.TLSSocket) {
          const cn = peerCommonName(s);
          if (cn !== id) throw new PeerError(`${this.self}: peer says it is '${id}' but its certificate names '${String(cn)}'`, id);
        }
        pipe.write([helloBytes(this.self)]);
        this.watch(id, pipe);
        this.pendingAccept.set(id, pipe);
        this.acceptWaiter?.();
      })
      .catch((e: Error) => {
        s.destroy();
        this.acceptFailed(e);
      });
  }

  /** A connection that closes during setup fails the whole setup at once. */
  private watch(peer: string, pipe: SocketPipe): void {
    pipe.onSetupClose = (err) =>
      this.acceptFailed(new PeerError(`${this.self}: ${peer} closed the connection during setup${err ? ` (${err.message})` : ''}`, peer, { cause: err }));
  }

  private acceptFailed(e: Error): void {
    this.acceptError ??= e;
    this.acceptWaiter?.();
  }

  private async dial(peer: PartyId, addr: Address, deadline: number): Promise<SocketPipe> {
    for (;;) {
      try {
        const s = await new Promise<net.Socket>((resolve, reject) => {
          const t = this.opts.tls;
          const sock = t
            ? tls.connect({
                host: addr.host,
                port: addr.port,
                key: t.key,
                cert: t.cert,
                ca: t.ca,
                checkServerIdentity: (_host, cert) => (cert.subject?.CN === peer ? undefined : new Error(`certificate names '${String(cert.subject?.CN)}', expected '${peer}'`)),
              })
            : net.connect({ host: addr.host, port: addr.port });
          const ok = (): void => {
            sock.off('error', bad);
            resolve(sock);
          };
          const bad = (e: Error): void => {
            sock.destroy();
            reject(e);
          };
          sock.once(t ? 'secureConnect' : 'connect', ok);
          sock.once('error', bad);
        });
        this.sockets.add(s);
        s.once('close', () => this.sockets.delete(s));
        const pipe = new SocketPipe(s, this.kind);
        pipe.write([helloBytes(this.self)]);
        const id = parseHello(await pipe.readExact(HELLO_BYTES, deadline, peer), peer);
        if (id !== peer) {
          s.destroy();
          throw new PeerError(`${this.self}: dialled ${peer} at ${addr.host}:${addr.port} but it says it is '${id}'`, peer);
        }
        this.watch(peer, pipe);
        return pipe;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if ((code === 'ECONNREFUSED' || code === 'ECONNRESET') && !this.opts.tls && Date.now() < deadline && !this.cancelled) {
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        if (e instanceof PeerError) throw e;
        if (Date.now() >= deadline) throw new TimeoutError(`${this.self}: could not connect to ${peer} at ${addr.host}:${addr.port}: ${(e as Error).message}`, peer, { cause: e });
        throw new PeerError(`${this.self}: connection to ${peer} at ${addr.host}:${addr.port} failed: ${(e as Error).message}`, peer, { cause: e });
      }
    }
  }

  /**
   * Connect to every peer in `peers`: dial lower-ranked ones at their
   * address, accept higher-ranked ones. Resolves with one Link per peer.
   */
  async connect(peers: PartyId[], addresses: Partial<Record<PartyId, Address>>): Promise<Map<PartyId, Link>> {
    const deadline = Date.now() + (this.opts.connectTimeoutMs ?? 10_000);
    const pipes = new Map<PartyId, SocketPipe>();
    const dials: Promise<void>[] = [];
    const accepts: PartyId[] = [];
    for (const p of peers) {
      if (PARTY_RANK[p] < PARTY_RANK[this.self]) {
        const a = addresses[p];
        if (!a) throw new PeerError(`${this.self}: no address for ${p}`, p);
        dials.push(this.dial(p, a, deadline).then((pipe) => void pipes.set(p, pipe)));
      } else accepts.push(p);
    }
    const acceptAll = (async () => {
      for (;;) {
        if (this.acceptError) throw this.acceptError;
        if (accepts.every((p) => this.pendingAccept.has(p))) break;
        const left = deadline - Date.now();
        if (left <= 0) {
          const missing = accepts.filter((p) => !this.pendingAccept.has(p));
          throw new TimeoutError(`${this.self}: timed out waiting for ${missing.join(', ')} to connect`, missing[0]!);
        }
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          this.acceptWaiter = () => {
            clearTimeout(t);
            resolve();
          };
        });
        this.acceptWaiter = undefined;
      }
      for (const p of accepts) pipes.set(p, this.pendingAccept.get(p)!);
    })();
    try {
      await Promise.all([...dials, acceptAll]);
      if (this.acceptError) throw this.acceptError;
    } catch (e) {
      this.cancelled = true;
      this.acceptFailed(e as Error);
      this.close();
      for (const p of pipes.values()) p.destroy();
      for (const s of this.sockets) s.destroy();
      throw e;
    }
    this.server?.close();
    for (const p of pipes.values()) p.onSetupClose = undefined;
    const links = new Map<PartyId, Link>();
    for (const [p, pipe] of pipes) links.set(p, new Link(this.self, p, pipe, this.opts));
    return links;
  }

  /** Stop listening (connected links stay open). */
  close(): void {
    this.server?.close();
  }
}
