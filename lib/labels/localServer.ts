import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';

/**
 * What the workbook's local pages (the ranking page, the arena) share: a server on 127.0.0.1 that only the page
 * itself may talk to. A web page the person has open elsewhere must not write into the project's data, nor read
 * the server's state, nor make it work:
 *   - the Host header must be this server (127.0.0.1:<port>, localhost:<port> or [::1]:<port>), against DNS
 *     rebinding; otherwise 403;
 *   - a request that carries an Origin must come from this server's own origin; otherwise 403;
 *   - a POST must be sent as application/json (a cross-site form or text/plain POST is not, and a cross-site JSON
 *     POST needs a preflight this server never grants); otherwise 415;
 *   - a body over the server's limit is read to its end and discarded, then answered 413 with a sentence.
 * Every refusal is a JSON {"error": sentence} meant for the person at the page.
 */

/** A refusal with a message meant for the person at the page; `status` is the HTTP status (400 by default). */
export class Refusal extends Error {
  constructor(message: string, readonly status = 400) {
    super(message);
  }
}

/** Host names under which the server is itself (it listens on 127.0.0.1; the others name the same machine). */
export const LOCAL_HOSTS: readonly string[] = ['127.0.0.1', 'localhost', '[::1]'];

/** Past this many bytes an oversized body is no longer drained: the connection is cut. */
const MAX_DRAIN = 16 * 1024 * 1024;

/**
 * Refuses (403) a request whose Host header is not this server (DNS rebinding: a foreign name resolved to
 * 127.0.0.1) or whose Origin header is not this server's own origin (another web page's request). `pageName`
 * names the page in the refusal ("the ranking page").
 */
export function checkCaller(req: http.IncomingMessage, port: number, pageName: string): void {
  const own = LOCAL_HOSTS.map((h) => `${h}:${port}`);
  const host = (req.headers.host ?? '').toLowerCase();
  if (!own.includes(host)) {
    req.resume();
    throw new Refusal(`Refused: this server answers only as ${own.join(', ')}, not as Host ${JSON.stringify(req.headers.host ?? '')}.`, 403);
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !own.some((h) => origin.toLowerCase() === `http://${h}`)) {
    req.resume();
    throw new Refusal(`Refused: a request from ${JSON.stringify(origin)}; only ${pageName} itself (http://${host}) may use this server.`, 403);
  }
}

/** Whether a Content-Type header is application/json (parameters such as charset allowed). */
export function isJson(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0].trim().toLowerCase() === 'application/json';
}

/**
 * The parsed JSON body of a POST. `what` names it in the refusals ("submission": "A submission must be sent as
 * application/json", "The submission is too large", "The submission is not valid JSON"); `maxBytes` is the limit.
 */
export async function readJsonBody(req: http.IncomingMessage, what: string, maxBytes: number): Promise<unknown> {
  if (!isJson(req.headers['content-type'])) {
    req.resume(); // read the body to its end so that the client receives this answer
    throw new Refusal(`A ${what} must be sent as application/json, not ${req.headers['content-type'] ?? 'without a content type'}.`, 415);
  }
  const body = await readBody(req, what, maxBytes);
  try {
    return JSON.parse(body);
  } catch {
    throw new Refusal(`The ${what} is not valid JSON.`);
  }
}

/**
 * The request body as text. A body over `maxBytes` is read to its end and discarded before the 413 refusal, so
 * the client is still listening when the answer comes (closing a socket with unread data resets the connection
 * and the answer is lost); only a body past MAX_DRAIN has its connection cut.
 */
function readBody(req: http.IncomingMessage, what: string, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const limit = maxBytes >= 1024 ? `${Math.floor(maxBytes / 1024)} KB` : `${maxBytes} bytes`;
    const tooLarge = (): Refusal => new Refusal(`The ${what} is too large: at most ${limit} are accepted.`, 413);
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_DRAIN) {
        reject(tooLarge());
        req.destroy();
      } else if (size <= maxBytes) chunks.push(chunk);
    });
    req.on('end', () => (size > maxBytes ? reject(tooLarge()) : resolve(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

/** Answers with a JSON value, never cached. */
export function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(value));
}

const STATIC: Record<string, [string, string]> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/index.html': ['index.html', 'text/html; charset=utf-8'],
  '/page.css': ['page.css', 'text/css; charset=utf-8'],
  '/page.js': ['page.js', 'text/javascript; charset=utf-8'],
};
/** The look both pages share (colours, cards, buttons), served to each as /base.css. */
const BASE_CSS = path.join(__dirname, 'page-base.css');

/** A person's name as the pages take it (the labeler or voter id is "human:<name>"). */
export const PERSON_NAME = /^[A-Za-z0-9._-]{1,40}$/;

/**
 * The name a request acts for: the server's fixed name when it was started with one, else the requested one
 * (undefined when none); a malformed name is refused with a sentence.
 */
export function personName(fixedName: string | undefined, requested: string | undefined): string | undefined {
  if (fixedName !== undefined) return fixedName;
  if (requested === undefined || requested === '') return undefined;
  if (!PERSON_NAME.test(requested)) throw new Refusal('Your name may use 1–40 letters, digits, ".", "_" or "-".');
  return requested;
}

/**
 * Serves a GET of the page's static files (index.html, page.css, page.js of `pageDir`; the shared base.css; an empty favicon);
 * false when the request is for none of them.
 */
export function serveStatic(req: http.IncomingMessage, res: http.ServerResponse, pathname: string, pageDir: string): boolean {
  if (req.method !== 'GET') return false;
  if (pathname === '/base.css') {
    res.writeHead(200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'no-store' });
    res.end(fs.readFileSync(BASE_CSS));
    return true;
  }
  if (STATIC[pathname]) {
    const [file, type] = STATIC[pathname];
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(fs.readFileSync(path.join(pageDir, file)));
    return true;
  }
  if (pathname === '/favicon.ico') {
    res.writeHead(204);
    res.end();
    return true;
  }
  return false;
}

/** A listening local server. */
export interface LocalServer {
  server: http.Server;
  port: number;
  /** Closes the server and every open connection. */
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1:`port` (0: a free port). Every request first passes checkCaller, then goes to `handle`;
 * a Refusal it throws is answered with its status and sentence, any other error with 500.
 */
export async function listenLocal(
  port: number,
  pageName: string,
  handle: (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<void>,
): Promise<LocalServer> {
  let actualPort = port;
  const server = http.createServer((req, res) => {
    const run = async (): Promise<void> => {
      checkCaller(req, actualPort, pageName);
      await handle(req, res, new URL(req.url ?? '/', 'http://127.0.0.1'));
    };
    run().catch((err: unknown) => {
      const refused = err instanceof Refusal;
      sendJson(res, refused ? err.status : 500, { error: refused ? err.message : `server error: ${(err as Error).message}` });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (typeof address === 'object' && address !== null) actualPort = address.port;
  return {
    server,
    port: actualPort,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
