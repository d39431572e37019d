/**
 * Server-to-server connections: mutual TLS, one connection per purpose.
 *
 * Every deployment, dealing, session or control request opens its own TLS
 * connection between two servers, so a failure (killed peer, protocol error,
 * timeout) destroys only that purpose's sockets, ordered tags of the
 * runtime's `Link` never interleave across sessions, and a restarted peer is
 * simply dialled again on the next request (no reconnection state).
 *
 * Handshake after TLS (both sides checked against the deployment CA):
 *   1. dialler → acceptor: u32 LE length + JSON hello {v, from, kind, ...}.
 *      The acceptor requires `from` to equal the CN of the dialler's
 *      certificate and to be a role allowed to talk to it.
 *   2. acceptor → dialler: u32 LE length + JSON reply {ok, error?, ...}.
 *   3. kinds 'deploy', 'deal', 'session': the socket then carries a `Link`
 *      (framed protocol messages). Kind 'rpc': the reply is the answer and
 *      the connection closes.
 * Cost: one TLS handshake (1–2 RTT) + 1 RTT per connection.
 */
import net from 'node:net';
import tls from 'node:tls';
import { PeerError, ProtocolError } from '../errors.js';
import { Link, type LinkOptions } from '../mpc/transport/link.js';
import { SocketPipe, type Address } from '../mpc/transport/tcp.js';
import type { ServerId } from './config.js';

export interface TlsIdentity {
  key: string | Buffer;
  cert: string | Buffer;
  ca: string | Buffer;
}

export interface Hello {
  v: 1;
  from: ServerId;
  kind: 'deploy' | 'deal' | 'session' | 'rpc';
  [k: string]: unknown;
}

export interface Reply {
  ok: boolean;
  error?: string;
  [k: string]: unknown;
}

/** Which servers may open connections to whom. */
const ALLOWED: Record<ServerId, ServerId[]> = { P0: [], P1: ['P0'], P2: ['P0', 'P1'] };
const ALLOWED_RPC: Record<ServerId, ServerId[]> = { P0: ['P1', 'P2'], P1: ['P0', 'P2'], P2: ['P0', 'P1'] };
const MAX_HELLO = 1 << 20;

function frameJson(o: unknown): Uint8Array {
  const body = Buffer.from(JSON.stringify(o), 'utf8');
  const b = Buffer.alloc(4 + body.length);
  b.writeUInt32LE(body.length, 0);
  body.copy(b, 4);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

async function readJson(pipe: SocketPipe, deadline: number, from: string): Promise<Record<string, unknown>> {
  const n = Buffer.from(await pipe.readExact(4, deadline, from)).readUInt32LE(0);
  if (n > MAX_HELLO) throw new ProtocolError(`${from} sent a ${n}-byte handshake (limit ${MAX_HELLO})`);
  const raw = Buffer.from(await pipe.readExact(n, deadline, from)).toString('utf8');
  try {
    const o = JSON.parse(raw) as unknown;
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new Error('not an object');
    return o as Record<string, unknown>;
  } catch (e) {
    throw new ProtocolError(`malformed handshake from ${from}: ${(e as Error).message}`);
  }
}

function commonName(s: tls.TLSSocket): string | undefined {
  const cn = s.getPeerCertificate()?.subject?.CN;
  return Array.isArray(cn) ? cn[0] : cn;
}

/** An accepted connection: answer it with `accept` (a Link follows) or `reject`. */
export interface Incoming {
  hello: Hello;
  /** Send the reply; for non-rpc kinds returns the Link on the socket. */
  accept(extra?: Record<string, unknown>, linkOpts?: LinkOptions): Link;
  /** Answer an rpc and close. */
  answer(reply: Reply): void;
  reject(error: string): void;
}

export type IncomingHandler = (c: Incoming) => void;

export class PeerListener {
  private readonly sockets = new Set<net.Socket>();
  private constructor(
    readonly self: ServerId,
    private readonly server: tls.Server,
  ) {}

  static async listen(self: ServerId, id: TlsIdentity, at: Address, onIncoming: IncomingHandler, log: (msg: string, extra?: object) => void, handshakeMs = 10_000): Promise<PeerListener> {
    const server = tls.createServer({ key: id.key, cert: id.cert, ca: id.ca, requestCert: true, rejectUnauthorized: true });
    const pl = new PeerListener(self, server);
    server.on('connection', (raw: net.Socket) => {
      pl.sockets.add(raw);
      raw.once('close', () => pl.sockets.delete(raw));
    });
    server.on('tlsClientError', (e: Error) => log('TLS handshake with an incoming peer failed', { err: e.message }));
    server.on('secureConnection', (s: tls.TLSSocket) => {
      const pipe = new SocketPipe(s, 'tls');
      const deadline = Date.now() + handshakeMs;
      readJson(pipe, deadline, 'an incoming peer')
        .then((h) => {
          const cn = commonName(s);
          const from = h['from'] as ServerId;
          if (h['v'] !== 1 || typeof h['kind'] !== 'string') throw new ProtocolError('handshake lacks v=1 and kind');
          if (cn !== from) throw new PeerError(`${self}: peer says it is '${String(from)}' but its certificate names '${String(cn)}'`, String(from));
          const allowed = h['kind'] === 'rpc' ? ALLOWED_RPC[self] : ALLOWED[self];
          if (!allowed.includes(from)) throw new PeerError(`${self}: ${from} may not open a '${String(h['kind'])}' connection here`, from);
          let answered = false;
          const once = (): void => {
            if (answered) throw new ProtocolError(`${self}: connection from ${from} answered twice`);
            answered = true;
          };
          onIncoming({
            hello: h as Hello,
            accept: (extra = {}, linkOpts = {}) => {
              once();
              pipe.write([frameJson({ ok: true, ...extra })]);
              return new Link(self, from, pipe, linkOpts);
            },
            answer: (reply) => {
              once();
              pipe.write([frameJson(reply)]);
              s.end();
            },
            reject: (error) => {
              once();
              pipe.write([frameJson({ ok: false, error })]);
              s.end();
            },
          });
        })
        .catch((e: Error) => {
          log('refused an incoming peer connection', { err: e.message });
          try {
            pipe.write([frameJson({ ok: false, error: e.message })]);
          } finally {
            s.end();
            setTimeout(() => s.destroy(), 1000).unref();
          }
        });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(at.port, at.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return pl;
  }

  get address(): Address {
    const a = this.server.address() as net.AddressInfo;
    return { host: a.address, port: a.port };
  }

  /** Stop accepting; with `destroy`, cut every open connection too. */
  async close(destroy = false): Promise<void> {
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    if (destroy) for (const s of this.sockets) s.destroy();
    await closed;
  }
}

/** Dial `peer` at `addr`, send the hello, read the reply. Throws PeerError on refusal or failure. */
async function dialRaw(self: ServerId, peer: ServerId, addr: Address, id: TlsIdentity, hello: Omit<Hello, 'v' | 'from'>, timeoutMs: number): Promise<{ pipe: SocketPipe; reply: Reply; socket: tls.TLSSocket }> {
  const deadline = Date.now() + timeoutMs;
  let socket: tls.TLSSocket;
  try {
    socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const s = tls.connect({
        host: addr.host,
        port: addr.port,
        key: id.key,
        cert: id.cert,
        ca: id.ca,
        checkServerIdentity: (_h, cert) => (cert.subject?.CN === peer ? undefined : new Error(`certificate names '${String(cert.subject?.CN)}', expected '${peer}'`)),
      });
      const t = setTimeout(() => {
        s.destroy();
        reject(new Error(`no TLS handshake within ${timeoutMs} ms`));
      }, timeoutMs);
      s.once('secureConnect', () => {
        clearTimeout(t);
        s.off('error', bad);
        resolve(s);
      });
      const bad = (e: Error): void => {
        clearTimeout(t);
        s.destroy();
        reject(e);
      };
      s.once('error', bad);
    });
  } catch (e) {
    throw new PeerError(`${self}: cannot reach ${peer} at ${addr.host}:${addr.port}: ${(e as Error).message}`, peer, { cause: e });
  }
  const pipe = new SocketPipe(socket, 'tls');
  try {
    pipe.write([frameJson({ v: 1, from: self, ...hello })]);
    const reply = (await readJson(pipe, deadline, peer)) as Reply;
    if (!reply.ok) throw new PeerError(`${peer} refused the ${hello.kind}: ${reply.error ?? 'no reason given'}`, peer);
    return { pipe, reply, socket };
  } catch (e) {
    pipe.destroy();
    if (e instanceof PeerError || e instanceof ProtocolError) throw e;
    throw new PeerError(`${self}: handshake with ${peer} failed: ${(e as Error).message}`, peer, { cause: e });
  }
}

/** Open a protocol connection (deploy, deal, session): a Link to `peer` and the acceptor's reply. */
export async function dialLink(self: ServerId, peer: ServerId, addr: Address, id: TlsIdentity, hello: Omit<Hello, 'v' | 'from'>, linkOpts: LinkOptions, timeoutMs = 10_000): Promise<{ link: Link; reply: Reply }> {
  const { pipe, reply } = await dialRaw(self, peer, addr, id, hello, timeoutMs);
  return { link: new Link(self, peer, pipe, linkOpts), reply };
}

/** One control request: hello {kind:'rpc', op, ...} → reply. */
export async function rpc(self: ServerId, peer: ServerId, addr: Address, id: TlsIdentity, op: string, args: Record<string, unknown> = {}, timeoutMs = 5000): Promise<Reply> {
  const { socket, reply } = await dialRaw(self, peer, addr, id, { kind: 'rpc', op, ...args }, timeoutMs);
  socket.end();
  return reply;
}
