/**
 * A push service on loopback for the tests: the part of RFC 8030 a relay
 * talks to (a POST of one push message to a subscription's endpoint), with
 * every check a real push service and the browser behind it make, written
 * here from the RFCs rather than with the library the relay uses:
 *
 * - VAPID (RFC 8292): `Authorization: vapid t=<JWT>, k=<key>`; the JWT is
 *   ES256, signed by the key `k`, which must be the one the relay announced
 *   (`expectVapidKey`); its `aud` is this service's origin, its `exp` in the
 *   future and within 24 h, its `sub` a mailto: or https: contact;
 * - the payload (RFC 8291, `Content-Encoding: aes128gcm`): decrypted with the
 *   subscription's own P-256 private key and auth secret, which `subscribe`
 *   makes as a browser does;
 * - `TTL` present, `Urgency` and `Topic` as RFC 8030 allows.
 *
 * Everything it got is recorded (`received`), with what failed a check in
 * `problems`; it answers 201, or what the test asked for (`answerNext`: 404,
 * 410, 429, 500…). Plain HTTP on 127.0.0.1: the relay admits such endpoints
 * only with `--push-allow-insecure-loopback`.
 *
 * A real Firefox subscribes here too: its push client speaks Mozilla
 * autopush's WebSocket protocol to `serverUrl` (its pref `dom.push.serverURL`,
 * with `dom.push.testing.allowInsecureServerURL`), autopush.ts. A push to
 * such a subscription is checked as above but for its decryption (only the
 * browser holds the keys): its `k` must be the key the browser subscribed
 * with, its body one aes128gcm record's header and more; then it goes on to
 * the browser as autopush sends it (`browsers.deliveries`: what the browser
 * acknowledged).
 */
import { createECDH, createDecipheriv, createPublicKey, hkdfSync, randomBytes, verify } from 'node:crypto'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { AutopushServer } from './autopush.ts'

/** What a browser hands a page for `PushManager.subscribe`, and keeps to itself. */
export interface TestSubscription {
  id: string
  endpoint: string
  /** uncompressed P-256 public key, 65 bytes */
  p256dh: Uint8Array
  /** 16 bytes */
  auth: Uint8Array
}

export interface ReceivedPush {
  subscription: string
  at: number
  status: number
  ttl: string | undefined
  urgency: string | undefined
  topic: string | undefined
  /** bytes of the encrypted body */
  bodyBytes: number
  /** the decrypted payload, when every check passed */
  plaintext?: Uint8Array
  /** the JWT's claims, when it verified */
  claims?: { aud: unknown, exp: unknown, sub: unknown }
  /** what failed a check (empty: it is a push a browser would take) */
  problems: string[]
}

/** Pushes kept at most; a test sends a few dozen. */
const MAX_RECEIVED = 10_000
const MAX_BODY_BYTES = 8192
const DAY_S = 86_400

export class TestPushService {
  readonly received: ReceivedPush[] = []
  /** each subscription's keys, and the applicationServerKey it was made with (base64url), if any */
  readonly #keys = new Map<string, { ecdh: ReturnType<typeof createECDH>, auth: Buffer, applicationServerKey?: string }>()
  readonly #answers = new Map<string, number[]>()
  #vapidKey: string | undefined
  #origin = ''

  private readonly server: Server

  /** Firefox's side: the browsers connected over WebSocket, their subscriptions and what they acknowledged. */
  readonly browsers: AutopushServer

  private constructor (private readonly now: () => number) {
    this.server = createServer((req, res) => { this.handle(req, res) })
    this.browsers = new AutopushServer(id => `${this.#origin}/push/${id}`, now)
    this.server.on('upgrade', (req, socket, head) => { this.browsers.upgrade(req, socket, head) })
  }

  /** A service listening on 127.0.0.1 (a free port); `now` is the clock it checks `exp` by. */
  static async start (now: () => number = Date.now): Promise<TestPushService> {
    const service = new TestPushService(now)
    const server = service.server
    await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', resolve) })
    service.#origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    return service
  }

  /** `http://127.0.0.1:<port>`: what a VAPID JWT's `aud` must be */
  get origin (): string { return this.#origin }

  /** `ws://127.0.0.1:<port>/`: Firefox's `dom.push.serverURL` */
  get serverUrl (): string { return `${this.#origin.replace(/^http:/, 'ws:')}/` }

  /**
   * A new subscription, its key pair and auth secret made as a browser makes
   * them; made with `applicationServerKey` (a relay's VAPID key, as a tab
   * learns it with KEY), a push to it must be signed with that key, as a
   * browser's push service requires (else `expectVapidKey`'s).
   */
  subscribe (options: { applicationServerKey?: Uint8Array } = {}): TestSubscription {
    const ecdh = createECDH('prime256v1')
    ecdh.generateKeys()
    const auth = randomBytes(16)
    const id = randomBytes(12).toString('hex')
    const bound = options.applicationServerKey === undefined ? {} : { applicationServerKey: Buffer.from(options.applicationServerKey).toString('base64url') }
    this.#keys.set(id, { ecdh, auth, ...bound })
    return { id, endpoint: `${this.#origin}/push/${id}`, p256dh: new Uint8Array(ecdh.getPublicKey()), auth: new Uint8Array(auth) }
  }

  /** The VAPID key (uncompressed P-256) the relay announced: `k` must be it. */
  expectVapidKey (key: Uint8Array): void {
    this.#vapidKey = Buffer.from(key).toString('base64url')
  }

  /** The next pushes to `subscription` are answered with these statuses, in order (then 201). */
  answerNext (subscription: string, ...statuses: number[]): void {
    this.#answers.set(subscription, [...(this.#answers.get(subscription) ?? []), ...statuses])
  }

  /** What reached `subscription`. */
  pushesTo (subscription: string): ReceivedPush[] {
    return this.received.filter(r => r.subscription === subscription)
  }

  async close (): Promise<void> {
    this.browsers.close()
    this.server.closeAllConnections()
    await new Promise<void>(resolve => { this.server.close(() => { resolve() }) })
  }

  private handle (req: IncomingMessage, res: ServerResponse): void {
    const id = /^\/push\/([0-9a-f]{24})$/.exec(req.url ?? '')?.[1]
    if (req.method !== 'POST' || id === undefined || (!this.#keys.has(id) && this.browsers.subscription(id) === undefined)) {
      res.writeHead(404).end()
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.byteLength
      if (size <= MAX_BODY_BYTES) chunks.push(chunk)
    })
    req.on('end', () => {
      const queued = this.#answers.get(id)
      const status = queued?.shift() ?? 201
      const body = Buffer.concat(chunks)
      const record = this.check(id, req, body, size, status)
      if (this.received.length < MAX_RECEIVED) this.received.push(record)
      if (status === 201 && record.problems.length === 0 && !this.#keys.has(id)) this.browsers.forward(id, body)
      res.writeHead(status, status === 201 ? { Location: `${this.#origin}/message/${randomBytes(8).toString('hex')}` } : {}).end()
    })
  }

  private check (id: string, req: IncomingMessage, body: Buffer, size: number, status: number): ReceivedPush {
    const header = (name: string): string | undefined => { const v = req.headers[name]; return Array.isArray(v) ? v.join(',') : v }
    const record: ReceivedPush = {
      subscription: id, at: this.now(), status, ttl: header('ttl'), urgency: header('urgency'), topic: header('topic'), bodyBytes: size, problems: []
    }
    const problems = record.problems
    if (size > MAX_BODY_BYTES) problems.push(`a body of ${size} bytes`)
    if (record.ttl === undefined || !/^\d+$/.test(record.ttl)) problems.push('no TTL')
    if (record.urgency !== undefined && !['very-low', 'low', 'normal', 'high'].includes(record.urgency)) problems.push(`urgency ${record.urgency}`)
    if (record.topic !== undefined && !/^[A-Za-z0-9_-]{1,32}$/.test(record.topic)) problems.push(`topic ${record.topic}`)
    // a browser's subscription (Firefox's push protocol) takes only the key it subscribed with, as autopush does
    const browserKey = this.browsers.subscription(id)?.key
    const expected = browserKey !== undefined ? Buffer.from(browserKey).toString('base64url') : (this.#keys.get(id)?.applicationServerKey ?? this.#vapidKey)
    const claims = this.checkVapid(header('authorization'), expected, problems)
    if (claims !== undefined) record.claims = claims
    if (header('content-encoding') !== 'aes128gcm') problems.push(`content-encoding ${header('content-encoding') ?? 'none'}`)
    else if (!this.#keys.has(id)) {
      // a browser's: only it can decrypt; the record's header must be one it reads
      if (body.byteLength < 21 + 65 + 17 || body[20] !== 65 || body.readUInt32BE(16) < body.byteLength - 86) problems.push('not one aes128gcm record with a 65-byte key id')
    } else {
      const plaintext = this.decrypt(id, body, problems)
      if (plaintext !== undefined && problems.length === 0) record.plaintext = plaintext
    }
    return record
  }

  /** RFC 8292: the JWT verifies under `k`, which is `expected` (the subscription's key, or the announced one); `aud`, `exp` and `sub` as the RFC says. */
  private checkVapid (authorization: string | undefined, expected: string | undefined, problems: string[]): ReceivedPush['claims'] {
    const match = /^vapid t=([A-Za-z0-9_.-]+), ?k=([A-Za-z0-9_-]+)$/.exec(authorization ?? '')
    if (match === null) { problems.push(`authorization ${authorization ?? 'none'}`); return undefined }
    const [, token = '', k = ''] = match
    if (expected === undefined || k !== expected) problems.push('k is not the subscription\'s applicationServerKey (or the key the relay announced)')
    const [head = '', payload = '', signature = ''] = token.split('.')
    let claims: { aud: unknown, exp: unknown, sub: unknown }
    try {
      const header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as { alg?: unknown, typ?: unknown }
      if (header.alg !== 'ES256') problems.push(`alg ${String(header.alg)}`)
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims
      const point = Buffer.from(k, 'base64url')
      if (point.byteLength !== 65 || point[0] !== 4) throw new Error('k is not an uncompressed P-256 point')
      const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') }, format: 'jwk' })
      const ok = verify('sha256', Buffer.from(`${head}.${payload}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'))
      if (!ok) problems.push('the JWT\'s signature does not verify under k')
    } catch (err) {
      problems.push(`the JWT: ${(err as Error).message}`)
      return undefined
    }
    const nowS = Math.floor(this.now() / 1000)
    if (claims.aud !== this.#origin) problems.push(`aud ${String(claims.aud)}, not ${this.#origin}`)
    if (typeof claims.exp !== 'number' || claims.exp <= nowS || claims.exp > nowS + DAY_S) problems.push(`exp ${String(claims.exp)} is not within 24 h`)
    if (typeof claims.sub !== 'string' || !/^(mailto:|https:)/.test(claims.sub)) problems.push(`sub ${String(claims.sub)}`)
    return claims
  }

  /** RFC 8291 with RFC 8188's aes128gcm: one record, the subscription's own keys. */
  private decrypt (id: string, body: Buffer, problems: string[]): Uint8Array | undefined {
    const keys = this.#keys.get(id)
    if (keys === undefined || body.byteLength < 16 + 4 + 1) { problems.push('no body'); return undefined }
    const salt = body.subarray(0, 16)
    const rs = body.readUInt32BE(16)
    const idLength = body[20] ?? 0
    const serverKey = body.subarray(21, 21 + idLength)
    const ciphertext = body.subarray(21 + idLength)
    if (idLength !== 65) { problems.push(`a key id of ${idLength} bytes`); return undefined }
    if (ciphertext.byteLength > rs || ciphertext.byteLength < 17) { problems.push('more than one record, or an empty one'); return undefined }
    try {
      const uaPublic = keys.ecdh.getPublicKey()
      const secret = keys.ecdh.computeSecret(serverKey)
      const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), uaPublic, serverKey])
      const ikm = Buffer.from(hkdfSync('sha256', secret, keys.auth, keyInfo, 32))
      const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16))
      const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12))
      const decipher = createDecipheriv('aes-128-gcm', cek, nonce)
      decipher.setAuthTag(ciphertext.subarray(-16))
      const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, -16)), decipher.final()])
      let end = padded.byteLength - 1
      while (end >= 0 && padded[end] === 0) end--
      if (padded[end] !== 0x02) { problems.push('the last record has no 0x02 delimiter'); return undefined }
      return new Uint8Array(padded.subarray(0, end))
    } catch (err) {
      problems.push(`decryption: ${(err as Error).message}`)
      return undefined
    }
  }
}
