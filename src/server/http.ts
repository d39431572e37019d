/**
 * The HTTPS API of one role (fastify). Operator routes need no token:
 *   GET /health            liveness: 200 while the process serves
 *   GET /ready             200 when the role can take sessions, else 503 with the reason
 *   GET /metrics           Prometheus text
 * Client routes need `Authorization: Bearer <token>` (401 otherwise):
 *   GET  /v1/models                      public model info (shape, labels, limits)
 *   GET  /v1/models/:model/tokenizer     tokenizer files (public vocabulary)
 *   POST /v1/sessions                    P1: {model, tokens} → 201 {sessionId, messages}
 *   POST /v1/sessions/:id/join           P2: {model} → {messages}
 *   POST /v1/sessions/:id/exchange       P1, P2: {model, messages} → {messages} at the end
 *   DELETE /v1/sessions/:id              P1, P2: the client gives the session up → {cancelled: true}
 * `messages` are protocol frames to or from the client's party: {tag, data: base64}.
 * Errors are JSON {error, statusCode}; 4xx name the problem and never stop the server.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import { HttpError, type ComputeService, type ModelInfo } from './compute.js';
import type { ServeConfig, ServerId } from './config.js';
import { formatIssues } from './config.js';
import type { Metrics } from './metrics.js';
import { fromWire, toWire } from './relay.js';

export interface RoleApi {
  id: ServerId;
  ready(): { ready: boolean; reason?: string };
  model(): ModelInfo | undefined;
  compute?: ComputeService;
  metrics: Metrics;
  extraStatus?: () => Record<string, unknown>;
}

const Msg = z.object({ tag: z.string().min(1).max(64), data: z.string().max(1 << 30) }).strict();
const OpenBody = z.object({ model: z.string().min(1), tokens: z.number().int() }).strict();
const JoinBody = z.object({ model: z.string().min(1) }).strict();
const ExchangeBody = z.object({ model: z.string().min(1), messages: z.array(Msg).max(16) }).strict();

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success) throw new HttpError(400, `invalid request body:\n${formatIssues(r.error)}`);
  return r.data;
}

const sha = (s: string): Buffer => createHash('sha256').update(s).digest();

export async function buildApi(cfg: ServeConfig, api: RoleApi, log: Logger, tls?: { key: Buffer; cert: Buffer }): Promise<FastifyInstance> {
  const maxTokens = cfg.limits.maxTokens;
  // The largest legitimate body: the masked one-hot input of maxTokens × vocab int32 in base64.
  const vocab = api.model()?.shape.vocab ?? 1 << 16;
  const exchangeLimit = Math.ceil((maxTokens * vocab * 4 * 4) / 3) + 65536;
  const app = Fastify({
    loggerInstance: log,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 65536,
    ...(tls ? { https: { key: tls.key, cert: tls.cert } } : {}),
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;
  const tokens = cfg.clients.map((c) => ({ name: c.name, hash: sha(c.token) }));

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const status = err instanceof HttpError ? err.status : err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) req.log.warn({ url: req.url, status, err: err.message }, 'request failed');
    else req.log.info({ url: req.url, status, err: err.message }, 'request refused');
    void reply.status(status).send({ statusCode: status, error: err.message });
  });
  app.setNotFoundHandler((req, reply) => void reply.status(404).send({ statusCode: 404, error: `no route ${req.method} ${req.url}` }));
  app.addHook('onResponse', async (req, reply) => {
    api.metrics.inc(`http_responses_${Math.floor(reply.statusCode / 100)}xx`);
    req.log.debug({ url: req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });

  /**
   * Bearer-token check, run as an onRequest hook: before the body is read, so
   * an unauthenticated caller cannot make the server buffer and parse large
   * bodies. The scheme name is case-insensitive (RFC 9110). The client's
   * name is kept on the request (sessions are bound to it).
   */
  const clientOf = new WeakMap<FastifyRequest, string>();
  const auth = async (req: FastifyRequest): Promise<void> => {
    const m = /^bearer (.+)$/is.exec(req.headers.authorization ?? '');
    if (!m) throw new HttpError(401, 'missing client credentials: send Authorization: Bearer <token>');
    const got = sha(m[1]!);
    const who = tokens.find((t) => timingSafeEqual(t.hash, got));
    if (!who) throw new HttpError(401, 'unknown client token');
    clientOf.set(req, who.name);
  };

  app.get('/health', async () => ({ status: 'ok', role: api.id }));
  app.get('/ready', async (_req, reply: FastifyReply) => {
    const r = api.ready();
    void reply.status(r.ready ? 200 : 503);
    return { role: api.id, ...r, ...(api.extraStatus?.() ?? {}) };
  });
  app.get('/metrics', async (_req, reply) => {
    void reply.type('text/plain; version=0.0.4');
    return api.metrics.text({ role: api.id });
  });

  const modelOf = (name: string): ModelInfo => {
    const m = api.model();
    if (!m) throw new HttpError(503, `${api.id} has no model deployed yet`);
    if (m.name !== name) throw new HttpError(404, `unknown model '${name}' (served: '${m.name}')`);
    return m;
  };
  app.get('/v1/models', { onRequest: auth }, async () => {
    const m = api.model();
    return { models: m ? [{ name: m.name, shape: m.shape, labels: m.labels, maxTokens: m.maxTokens }] : [] };
  });
  app.get<{ Params: { model: string } }>('/v1/models/:model/tokenizer', { onRequest: auth }, async (req) => ({ files: modelOf(req.params.model).tokenizer }));

  const c = api.compute;
  if (c) {
    app.post('/v1/sessions', { onRequest: auth }, async (req, reply) => {
      const b = parse(OpenBody, req.body);
      const r = await c.open(b.model, b.tokens, clientOf.get(req), () => req.raw.socket.destroyed || reply.raw.destroyed);
      void reply.status(201);
      // positions: the length the client pads its ids to (pool.padTo).
      return { sessionId: r.sessionId, positions: r.positions, messages: r.messages.map(toWire) };
    });
    app.post<{ Params: { id: string } }>('/v1/sessions/:id/join', { onRequest: auth }, async (req) => {
      const b = parse(JoinBody, req.body);
      const r = await c.join(b.model, req.params.id, clientOf.get(req));
      return { messages: r.messages.map(toWire) };
    });
    app.post<{ Params: { id: string } }>('/v1/sessions/:id/exchange', { onRequest: auth, bodyLimit: exchangeLimit }, async (req) => {
      const b = parse(ExchangeBody, req.body);
      const m = modelOf(b.model);
      const r = await c.exchange(b.model, req.params.id, b.messages.map(fromWire), m.maxTokens * m.shape.vocab * 4, clientOf.get(req));
      return { messages: r.messages.map(toWire) };
    });
    app.delete<{ Params: { id: string } }>('/v1/sessions/:id', { onRequest: auth }, async (req) => c.cancel(req.params.id, clientOf.get(req)));
  }
  return app;
}
