/**
 * A small static server for the built app (`dist/`), used by `npm start` and
 * the e2e fixtures. node:http only: it must start fast and without a dev
 * server, and serve `/config.json` so one build can point at any relay.
 */
import { createReadStream } from 'node:fs'
import { realpath, stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { extname, isAbsolute, join, resolve, sep } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import type { AppConfig } from './app-config.ts'
import { encodedHashLocation } from '../../src/lib/contract/invite-link.ts'
import { CSP_HEADER_POLICY } from './csp.ts'

export type { AppConfig } from './app-config.ts'

export interface StaticServerOptions {
  /** Directory to serve; a relative path is resolved against the repo root. Default `dist`. */
  root?: string
  /** Default `127.0.0.1`. */
  host?: string
  /** Default `0` (any free port). */
  port?: number
  /** Served as `GET /config.json`. */
  config: AppConfig
  /** Serve over HTTPS with this certificate (chain) and key, PEM; default plain HTTP. */
  tls?: { cert: string, key: string }
}

export interface StaticServer {
  /** Base URL with a trailing slash, e.g. `http://127.0.0.1:5173/` (`https:` with `tls`). */
  url: string
  /** Stops listening and closes every open (keep-alive) socket. */
  close(): Promise<void>
}

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..')

const CONFIG_PATH = '/config.json'
const INDEX_FILE = 'index.html'

const JSON_TYPE = 'application/json; charset=utf-8'
const TEXT_TYPE = 'text/plain; charset=utf-8'
const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.webmanifest': 'application/manifest+json',
  '.json': JSON_TYPE,
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.txt': TEXT_TYPE
}
const DEFAULT_MIME_TYPE = 'application/octet-stream'

/**
 * Files that must be revalidated on every load: the entry page, the service
 * worker and its registration script, and the manifest. Otherwise a deploy
 * would not reach users whose browser cached the old ones.
 */
const NO_CACHE_FILES = new Set(['index.html', 'sw.js', 'registerSW.js', 'manifest.webmanifest', 'manifest.json'])
/** Vite puts content-hashed bundles here, so they never change under one name. */
const IMMUTABLE_PREFIX = '/assets/'

type Resolved =
  | { kind: 'file', path: string, size: number }
  | { kind: 'forbidden' }
  | { kind: 'not-found' }

export async function startStaticServer (options: StaticServerOptions): Promise<StaticServer> {
  const { host = '127.0.0.1', port = 0, config } = options
  const rootOption = options.root ?? 'dist'
  const root = await realpath(isAbsolute(rootOption) ? rootOption : resolve(REPO_ROOT, rootOption))
  const configBody = JSON.stringify(config)

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res, root, configBody).catch((err: unknown) => {
      if (isClientGone(err)) {
        // The client closed the socket before the body was flushed (tab closed,
        // navigation, curl done): nothing to answer and nothing to report.
        return
      }
      // The response may be half-written (stream error); nothing more can be
      // sent, so log and drop the socket rather than leave it hanging.
      console.error('static server: %s %s failed:', req.method, req.url, err)
      if (!res.headersSent) {
        send(res, 500, 'Internal Server Error')
      } else {
        res.destroy()
      }
    })
  }
  const server = options.tls === undefined ? createServer(listener) : createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, listener)

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolvePromise()
    })
  })

  const { port: boundPort } = server.address() as AddressInfo
  const urlHost = host.includes(':') ? `[${host}]` : host

  return {
    url: `${options.tls === undefined ? 'http' : 'https'}://${urlHost}:${boundPort}/`,
    close: async () => {
      const closed = new Promise<void>((resolvePromise, reject) => {
        server.close((err) => {
          if (err == null) resolvePromise()
          else reject(err)
        })
      })
      server.closeAllConnections()
      await closed
    }
  }
}

/** A browser opening a page (Fetch Metadata), not a script, style or image asking for a file. */
function isNavigation (req: IncomingMessage): boolean {
  return req.headers['sec-fetch-mode'] === 'navigate'
}

async function handle (req: IncomingMessage, res: ServerResponse, root: string, configBody: string): Promise<void> {
  const method = req.method ?? 'GET'
  if (method !== 'GET' && method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD')
    send(res, 405, 'Method Not Allowed')
    return
  }

  // Work on the raw path: `new URL()` would normalise `..` away and hide the attempt.
  const rawPath = (req.url ?? '/').split(/[?#]/, 1)[0] ?? '/'
  let pathname: string
  try {
    pathname = decodeURIComponent(rawPath)
  } catch {
    send(res, 400, 'Bad Request')
    return
  }
  if (!pathname.startsWith('/') || pathname.includes('\0')) {
    send(res, 400, 'Bad Request')
    return
  }

  if (pathname === CONFIG_PATH) {
    res.writeHead(200, {
      'Content-Type': JSON_TYPE,
      'Content-Length': Buffer.byteLength(configBody),
      'Cache-Control': 'no-cache'
    })
    res.end(method === 'HEAD' ? undefined : configBody)
    return
  }

  let target = await resolveFile(root, pathname)
  if (target.kind === 'forbidden') {
    send(res, 403, 'Forbidden')
    return
  }
  if (target.kind === 'not-found' && (extname(pathname) === '' || (isNavigation(req) && encodedHashLocation(rawPath) !== undefined))) {
    // SPA fallback: client-side routes such as /chat/<id> load the app shell, and so does a page
    // whose route a mail app encoded into the path (`/%23%2Fc%2F<PeerID>%2F<name>.<check>`): its
    // last segment may have a dot, and it is opened most often by someone who has never run the
    // app, so no service worker answers it yet (the app puts it back with the same function)
    target = await resolveFile(root, `/${INDEX_FILE}`)
  }
  if (target.kind !== 'file') {
    send(res, 404, 'Not Found')
    return
  }

  const name = target.path.slice(target.path.lastIndexOf(sep) + 1)
  const headers: Record<string, string | number> = {
    'Content-Type': MIME_TYPES[extname(name).toLowerCase()] ?? DEFAULT_MIME_TYPE,
    'Content-Length': target.size,
    'X-Content-Type-Options': 'nosniff',
    // the same policy as index.html's <meta>, plus no framing (scripts/lib/csp.ts); workers and
    // the service worker take theirs from their script's response, so every file carries it
    'Content-Security-Policy': CSP_HEADER_POLICY
  }
  if (NO_CACHE_FILES.has(name)) {
    headers['Cache-Control'] = 'no-cache'
  } else if (pathname.startsWith(IMMUTABLE_PREFIX)) {
    headers['Cache-Control'] = 'public, max-age=31536000, immutable'
  }
  res.writeHead(200, headers)
  if (method === 'HEAD') {
    res.end()
    return
  }
  await pipeline(createReadStream(target.path), res)
}

/** Maps a decoded URL path to a regular file inside `root`, refusing any escape. */
async function resolveFile (root: string, pathname: string): Promise<Resolved> {
  if (pathname.split(/[/\\]/).includes('..')) {
    return { kind: 'forbidden' }
  }
  const relative = pathname.endsWith('/') ? `${pathname}${INDEX_FILE}` : pathname
  const candidate = join(root, relative)
  if (!isInside(root, candidate)) {
    return { kind: 'forbidden' }
  }
  let real: string
  try {
    real = await realpath(candidate)
  } catch {
    // Missing file (ENOENT/ENOTDIR): the caller decides between fallback and 404.
    return { kind: 'not-found' }
  }
  // A symlink inside root must not lead outside it.
  if (!isInside(root, real)) {
    return { kind: 'forbidden' }
  }
  const info = await stat(real)
  if (!info.isFile()) {
    return { kind: 'not-found' }
  }
  return { kind: 'file', path: real, size: info.size }
}

function isInside (root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep)
}

function isClientGone (err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET' || code === 'EPIPE'
}

function send (res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'Content-Type': TEXT_TYPE,
    'Content-Length': Buffer.byteLength(text)
  })
  res.end(res.req.method === 'HEAD' ? undefined : text)
}
