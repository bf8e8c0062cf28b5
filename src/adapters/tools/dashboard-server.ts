/**
 * A read-only page on loopback that follows a changing view with server-sent events. Only 127.0.0.1 is bound, every
 * request must carry the random token, and the Host header must name the loopback address (so a web page elsewhere
 * cannot reach it through DNS rebinding). The view decides what changed; this only serves and pushes it.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { XplanError } from '../../core/errors.js';

export interface Frame {
  /** Equal keys mean nothing changed. */
  key: string;
  title: string;
  body: string;
}

export interface DashboardServerOptions {
  /** 0 picks a free port. */
  port: number;
  /** The next frame, or undefined when it would have `previousKey` again. */
  nextFrame: (previousKey: string | undefined) => Promise<Frame | undefined>;
  /** The whole page around a frame; `nonce` goes on its one script. */
  page: (frame: Frame, nonce: string, eventsPath: string) => string;
  /** Directories whose changes trigger a refresh at once (besides the poll). */
  watchDirs: string[];
  pollMs: number;
  /** A refresh failed (the view's files were unreadable for a moment): for the log; the server keeps going. */
  onError?: (error: unknown) => void;
}

export interface DashboardServer {
  url: string;
  port: number;
  token: string;
  /** Frames pushed to browsers so far. */
  updates: () => number;
  close: () => Promise<void>;
}

export const LOOPBACK = '127.0.0.1';
const EVENTS_PATH = '/events';
const KEEPALIVE_MS = 15_000;
/** Open event streams at once: each holds a socket and a write per update; more are refused, not queued. */
export const MAX_EVENT_CLIENTS = 64;

export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  const token = randomBytes(18).toString('base64url');
  let frame = (await options.nextFrame(undefined))!;
  let pushed = 0;
  const clients = new Set<ServerResponse>();
  let port = 0;

  const server: Server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (error) {
      options.onError?.(error);
      if (!res.headersSent) send(res, 500, 'text/plain', 'internal error');
    }
  });

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', `http://${LOOPBACK}`);
    if (!allowedHost(req.headers.host, port)) return send(res, 421, 'text/plain', 'wrong host');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(res, 405, 'text/plain', 'read-only');
    }
    if (!tokenMatches(url.searchParams.get('token'), token)) return send(res, 403, 'text/plain', 'this page needs the link xplan dashboard printed (with its token)');
    if (url.pathname === '/') {
      const nonce = randomBytes(16).toString('base64');
      return send(res, 200, 'text/html; charset=utf-8', req.method === 'HEAD' ? '' : options.page(frame, nonce, EVENTS_PATH));
    }
    if (url.pathname === EVENTS_PATH) {
      if (clients.size >= MAX_EVENT_CLIENTS) {
        res.setHeader('Retry-After', '5');
        return send(res, 503, 'text/plain', `too many open dashboards (${MAX_EVENT_CLIENTS}); close one and reload`);
      }
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
      res.write('retry: 1000\n\n');
      res.write(message(frame));
      clients.add(res);
      req.on('close', () => clients.delete(res));
      return;
    }
    send(res, 404, 'text/plain', 'not found');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new XplanError('PORT_IN_USE', `Port ${options.port} on ${LOOPBACK} is in use`, { hint: 'Choose another with --port, or leave it out for a free one.' })
          : error.code === 'EACCES'
            ? new XplanError('PORT_NOT_ALLOWED', `Port ${options.port} needs privileges xplan does not have`, { hint: 'Use a port above 1023, or leave --port out.' })
            : error,
      );
    });
    server.listen(options.port, LOOPBACK, () => resolve());
  });
  port = (server.address() as { port: number }).port;

  let refreshing: Promise<void> | undefined;
  let again = false;
  const refresh = (): Promise<void> => {
    if (refreshing) {
      again = true; // a change arrived mid-refresh: look once more after it
      return refreshing;
    }
    refreshing = (async () => {
      do {
        again = false;
        try {
          const next = await options.nextFrame(frame.key);
          if (next) {
            frame = next;
            pushed++;
            const data = message(frame);
            for (const client of clients) client.write(data);
          }
        } catch (error) {
          options.onError?.(error);
        }
      } while (again);
    })().finally(() => (refreshing = undefined));
    return refreshing;
  };

  const watchers: FSWatcher[] = [];
  for (const dir of options.watchDirs) {
    try {
      watchers.push(watch(dir, { persistent: false }, () => void refresh()).on('error', () => {}));
    } catch {
      // the directory does not exist yet: the poll covers it
    }
  }
  const poll = setInterval(() => void refresh(), options.pollMs);
  const keepalive = setInterval(() => {
    for (const client of clients) client.write(': keepalive\n\n');
  }, KEEPALIVE_MS);

  return {
    url: `http://${LOOPBACK}:${port}/?token=${token}`,
    port,
    token,
    updates: () => pushed,
    close: async () => {
      clearInterval(poll);
      clearInterval(keepalive);
      for (const w of watchers) w.close();
      await refreshing;
      for (const client of clients) client.end();
      clients.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function message(frame: Frame): string {
  // JSON keeps the HTML on one data line.
  return `event: update\ndata: ${JSON.stringify({ title: frame.title, html: frame.body })}\n\n`;
}

function tokenMatches(given: string | null, token: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function allowedHost(host: string | undefined, port: number): boolean {
  return host === `${LOOPBACK}:${port}` || host === `localhost:${port}`;
}
