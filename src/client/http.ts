/**
 * Minimal JSON-over-HTTPS calls for the client SDK (node:https with a
 * keep-alive agent): trusts the deployment CA given in the options and checks
 * that the server's certificate names the expected party (P1 or P2), so the
 * two input shares can never both go to one server.
 */
import https from 'node:https';
import { LutmpcError } from '../errors.js';

/** A server answered with an error status (4xx: the request; 5xx: the service or a session failure). */
export class ServiceError extends LutmpcError {
  constructor(
    message: string,
    readonly status: number,
    readonly server: string,
  ) {
    super(message);
  }
}

export interface Endpoint {
  /** Base URL, e.g. https://127.0.0.1:8443 */
  url: string;
  /** Party name expected in the server certificate's CN (undefined: no check). */
  name?: string;
  ca?: string | Buffer;
}

export class JsonHttp {
  private readonly agent: https.Agent;
  private readonly base: URL;
  constructor(
    readonly ep: Endpoint,
    private readonly token: string,
    private readonly timeoutMs: number,
  ) {
    const who = ep.name ?? 'server';
    try {
      this.base = new URL(ep.url);
    } catch {
      throw new RangeError(`${who} URL '${ep.url}' is not a URL (expected https://host:port)`);
    }
    // Plain http would send the token and an input share in the clear, and skip the P1/P2 certificate check.
    if (this.base.protocol !== 'https:') throw new RangeError(`${who} URL '${ep.url}' must start with https:// (got protocol '${this.base.protocol}')`);
    const name = ep.name;
    this.agent = new https.Agent({
      keepAlive: true,
      ca: ep.ca,
      checkServerIdentity: name ? (_h, cert) => (cert.subject?.CN === name ? undefined : new Error(`server certificate names '${String(cert.subject?.CN)}', expected '${name}'`)) : undefined,
    });
  }

  /** One JSON call; `signal` aborts it (the promise rejects with the signal's reason). */
  request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    const url = new URL(path, this.base);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
    const who = this.ep.name ?? this.ep.url;
    return new Promise<T>((resolve, reject) => {
      const req = https.request(
        url,
        {
          method,
          agent: this.agent,
          signal,
          headers: {
            authorization: `Bearer ${this.token}`,
            ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e) => reject(new ServiceError(`${who}: ${e.message}`, 0, who)));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let j: unknown;
            try {
              j = text ? JSON.parse(text) : {};
            } catch {
              return reject(new ServiceError(`${who} ${method} ${path}: HTTP ${res.statusCode} with a non-JSON body`, res.statusCode ?? 0, who));
            }
            const status = res.statusCode ?? 0;
            if (status >= 400) return reject(new ServiceError(`${who} ${method} ${path}: HTTP ${status}: ${(j as { error?: string }).error ?? text}`, status, who));
            resolve(j as T);
          });
        },
      );
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', (e) => reject(signal?.aborted ? (signal.reason as Error) : new ServiceError(`${who} ${method} ${path}: ${e.message}`, 0, who)));
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
