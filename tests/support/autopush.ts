/**
 * Firefox's side of the tests' push service (push-service.ts): the
 * WebSocket protocol Firefox's push client speaks to the server its pref
 * `dom.push.serverURL` names, as Mozilla's autopush serves it, written from
 * gecko's client (dom/push/PushServiceWebSocket.sys.mjs). JSON text frames
 * on the subprotocol `push-notification`:
 *
 * - browser `{"messageType":"hello","uaid"?,"use_webpush":true,"broadcasts":{}}`
 *   → `{"messageType":"hello","uaid","status":200,"use_webpush":true,"broadcasts":{}}`.
 *   A browser without subscriptions sends no uaid and gets a new one; one that
 *   names a uaid this service knows keeps it and gets what waits for it;
 * - `{"messageType":"register","channelID","key"?}` (`key`: the
 *   applicationServerKey, base64url, padded) → `{"messageType":"register",
 *   "channelID","status":200,"pushEndpoint"}`: an endpoint on this service's
 *   HTTP origin, which the relay POSTs to (RFC 8030);
 * - `{"messageType":"unregister","channelID","code"}` → `{..., "status":200}`;
 * - a push POSTed to an endpoint goes to its browser as
 *   `{"messageType":"notification","channelID","version","data","headers":{"encoding":"aes128gcm"}}`
 *   (`data`: the body as it came, base64url; Firefox decrypts it with the
 *   subscription's keys), kept and sent again on the browser's next hello
 *   until it answers `{"messageType":"ack","updates":[{"channelID","version","code"}]}`
 *   (code 100: delivered to the service worker; 101: it did not decrypt;
 *   102: not delivered) or `nack`;
 * - `hold()` keeps every push here, as a push service does for a browser
 *   that is away (a phone asleep, a lost connection), until `release()`;
 * - `{}` (a ping) → `{}`; `broadcast_subscribe` is taken and ignored.
 *
 * Everything is bounded: browsers, subscriptions and messages waiting.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'

/** A subscription a browser made through `register`. */
export interface BrowserSubscription {
  /** the id in its endpoint's path */
  id: string
  uaid: string
  channelID: string
  /** the applicationServerKey it was made with (uncompressed P-256), if any */
  key: Uint8Array | undefined
}

/** A push sent on to a browser, and what it answered. */
export interface Delivery {
  subscription: string
  version: string
  /** when it was first sent to the browser (undefined: the browser is not connected yet) */
  sentAt: number | undefined
  /** the browser's ack code (100: delivered), or nack's */
  code?: number
  answeredAt?: number
}

const SUBPROTOCOL = 'push-notification'
const MAX_BROWSERS = 64
const MAX_SUBSCRIPTIONS = 1024
const MAX_DELIVERIES = 10_000
const MAX_FRAME_BYTES = 16 * 1024

export class AutopushServer {
  readonly deliveries: Delivery[] = []
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, handleProtocols: (offered) => offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false })
  readonly #sockets = new Map<string, WebSocket>()
  readonly #uaids = new Set<string>()
  readonly #subscriptions = new Map<string, BrowserSubscription>()
  readonly #waiters = new Set<() => void>()
  /** pushes not yet acknowledged, by version */
  readonly #pending = new Map<string, { delivery: Delivery, data: string }>()
  #held = false

  constructor (private readonly endpointOf: (id: string) => string, private readonly now: () => number) {}

  /** Takes an HTTP server's `upgrade` to the WebSocket protocol. */
  upgrade (req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#wss.handleUpgrade(req, socket, head, (ws) => { this.connected(ws) })
  }

  /** The subscription behind an endpoint's id, if a browser made it. */
  subscription (id: string): BrowserSubscription | undefined {
    return this.#subscriptions.get(id)
  }

  /** Every subscription browsers hold here now. */
  subscriptions (): BrowserSubscription[] {
    return [...this.#subscriptions.values()]
  }

  /** Sends `body` (an aes128gcm message as POSTed) to the subscription's browser, now or at its next hello. */
  forward (id: string, body: Buffer): void {
    if (this.deliveries.length >= MAX_DELIVERIES) return
    const delivery: Delivery = { subscription: id, version: randomUUID(), sentAt: undefined }
    this.deliveries.push(delivery)
    this.#pending.set(delivery.version, { delivery, data: body.toString('base64url') })
    const uaid = this.#subscriptions.get(id)?.uaid
    if (uaid !== undefined) this.sendPending(uaid)
    for (const check of [...this.#waiters]) check()
  }

  /** Keeps every push here (none goes to a browser) until `release`. */
  hold (): void {
    this.#held = true
  }

  /** Sends the browsers what waits for them, and every push from now on. */
  release (): void {
    this.#held = false
    for (const uaid of this.#sockets.keys()) this.sendPending(uaid)
  }

  /** Resolves once `test` holds (checked on every message from a browser and every push taken), at most `timeoutMs` later. */
  async until (test: () => boolean, timeoutMs: number): Promise<void> {
    if (test()) return
    await new Promise<void>((resolve, reject) => {
      const check = (): void => { if (test()) { clearTimeout(timer); this.#waiters.delete(check); resolve() } }
      const timer = setTimeout(() => { this.#waiters.delete(check); reject(new Error(`the push service's condition did not hold within ${timeoutMs} ms`)) }, timeoutMs)
      this.#waiters.add(check)
    })
  }

  close (): void {
    for (const ws of this.#wss.clients) ws.terminate()
    this.#wss.close()
  }

  private connected (ws: WebSocket): void {
    let uaid: string | undefined
    ws.on('message', (raw, isBinary) => {
      let message: Record<string, unknown>
      try {
        const parsed: unknown = JSON.parse(isBinary ? '' : raw.toString())
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object')
        message = parsed as Record<string, unknown>
      } catch {
        ws.close(4000, 'not a JSON object')
        return
      }
      const type = message['messageType']
      if (type === undefined) ws.send('{}')
      else if (uaid === undefined) {
        if (type !== 'hello') { ws.close(4001, 'hello first'); return }
        uaid = this.hello(ws, message)
      } else this.request(ws, uaid, type, message)
      for (const check of [...this.#waiters]) check()
    })
    ws.on('close', () => { if (uaid !== undefined && this.#sockets.get(uaid) === ws) this.#sockets.delete(uaid) })
  }

  private hello (ws: WebSocket, message: Record<string, unknown>): string | undefined {
    const asked = message['uaid']
    const known = typeof asked === 'string' && this.#uaids.has(asked)
    if (!known && this.#uaids.size >= MAX_BROWSERS) { ws.close(4002, 'too many browsers'); return undefined }
    const uaid = known ? asked : randomBytes(16).toString('hex')
    this.#uaids.add(uaid)
    this.#sockets.get(uaid)?.close(4003, 'replaced')
    this.#sockets.set(uaid, ws)
    ws.send(JSON.stringify({ messageType: 'hello', uaid, status: 200, use_webpush: true, broadcasts: {} }))
    this.sendPending(uaid)
    return uaid
  }

  private request (ws: WebSocket, uaid: string, type: unknown, message: Record<string, unknown>): void {
    const channelID = message['channelID']
    if (type === 'register' && typeof channelID === 'string') {
      const key = typeof message['key'] === 'string' ? new Uint8Array(Buffer.from(message['key'], 'base64url')) : undefined
      if (this.#subscriptions.size >= MAX_SUBSCRIPTIONS) {
        ws.send(JSON.stringify({ messageType: 'register', channelID, status: 503 }))
        return
      }
      const id = randomBytes(12).toString('hex')
      this.#subscriptions.set(id, { id, uaid, channelID, key })
      ws.send(JSON.stringify({ messageType: 'register', channelID, status: 200, pushEndpoint: this.endpointOf(id) }))
    } else if (type === 'unregister' && typeof channelID === 'string') {
      for (const [id, s] of this.#subscriptions) if (s.uaid === uaid && s.channelID === channelID) this.#subscriptions.delete(id)
      for (const [version, p] of this.#pending) if (!this.#subscriptions.has(p.delivery.subscription)) this.#pending.delete(version)
      ws.send(JSON.stringify({ messageType: 'unregister', channelID, status: 200 }))
    } else if (type === 'ack' && Array.isArray(message['updates'])) {
      for (const update of message['updates'] as unknown[]) {
        const { version, code } = (typeof update === 'object' && update !== null ? update : {}) as { version?: unknown, code?: unknown }
        if (typeof version === 'string') this.answered(version, typeof code === 'number' ? code : 0)
      }
    } else if (type === 'nack' && typeof message['version'] === 'string') {
      this.answered(message['version'], typeof message['code'] === 'number' ? message['code'] : 0)
    }
    // broadcast_subscribe and anything else: nothing to answer
  }

  private answered (version: string, code: number): void {
    const pending = this.#pending.get(version)
    if (pending === undefined) return
    this.#pending.delete(version)
    pending.delivery.code = code
    pending.delivery.answeredAt = this.now()
  }

  private sendPending (uaid: string): void {
    const ws = this.#sockets.get(uaid)
    if (ws === undefined || this.#held) return
    for (const { delivery, data } of this.#pending.values()) {
      const subscription = this.#subscriptions.get(delivery.subscription)
      if (subscription?.uaid !== uaid) continue
      delivery.sentAt ??= this.now()
      ws.send(JSON.stringify({ messageType: 'notification', channelID: subscription.channelID, version: delivery.version, data, headers: { encoding: 'aes128gcm' } }))
    }
  }
}
