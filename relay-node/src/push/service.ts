/**
 * `/parley/push/1.0.0` on relay-node (docs/protocols.md, "Web Push"): a
 * device registers its browser's push subscription, renews it, removes it.
 * Each request is signed by the subject's key and must come over the
 * subject's own connection, name this relay, carry a time within
 * PUSH_CLOCK_SKEW_MS of the relay's clock and a nonce not seen, and be newer
 * than the registration it changes. A refused request changes nothing.
 */
import { peerIdFromMultihash } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import { PushFrameError, PushRefusedError, encodePushError, encodePushReply, verifyPushRequest } from '@parley/protocol/push/codec'
import { decodePushInbound, encodePushKeyReply } from '@parley/protocol/push/key'
import { MAX_PUSH_REQUEST_BYTES, PUSH_CLOCK_SKEW_MS, PUSH_PAYLOAD_V2_BYTES, PUSH_PROTOCOL } from '@parley/protocol/push/constants'
import { endpointProblem } from '@parley/protocol/push/endpoint'
import { oneRequestHandler } from '@parley/protocol/one-request/server'
import { DAY_MS, PUSH_MAX_NONCES, PUSH_REQUESTS_PER_MINUTE, PUSH_REQUEST_TIMEOUT_MS, PUSH_SUBSCRIPTIONS_PER_PEER } from './constants.ts'
import { PushStoreFullError } from './store.ts'
import type { PushErrorName } from '@parley/protocol/push/constants'
import type { PushReply, PushRequest } from '@parley/protocol/push/codec'
import type { PushKeyReply, PushKeyRequest } from '@parley/protocol/push/key'
import type { PushMetrics } from './metrics.ts'
import type { PushScheduler } from './scheduler.ts'
import type { PushStore } from './store.ts'
import type { VapidKeys } from './vapid.ts'
import type { Logger } from '../log.ts'
import type { Connection, Libp2p } from '@libp2p/interface'

export interface PushServiceInit {
  store: PushStore
  scheduler: PushScheduler
  vapid: VapidKeys
  subscriptionDays: number
  perMinute: number
  coalesceMs: number
  allowInsecureLoopback: boolean
  maxInboundStreams: number
  draining(): boolean
  now: () => number
  log: Logger
  metrics: PushMetrics
}

/** Nonces seen, each kept 2 × PUSH_CLOCK_SKEW_MS from its arrival (a request older than that is stale anyway). */
class Nonces {
  readonly #until = new Map<string, number>()
  constructor (private readonly max: number) {}

  /** Remembers `nonce`; false when it was seen. @throws PushRefusedError (`rate-limited`) when full */
  take (nonce: Uint8Array, now: number): boolean {
    for (const [key, until] of this.#until) {
      if (until > now) break
      this.#until.delete(key)
    }
    const key = Buffer.from(nonce).toString('hex')
    if (this.#until.has(key)) return false
    if (this.#until.size >= this.max) throw new PushRefusedError('rate-limited', 'the relay takes no more push requests for now')
    this.#until.set(key, now + 2 * PUSH_CLOCK_SKEW_MS)
    return true
  }
}

const refuse = (code: PushErrorName, reason: string): never => { throw new PushRefusedError(code, reason) }
const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.byteLength === b.byteLength && a.every((x, i) => x === b[i])

const encodeAnswer = (reply: PushReply | PushKeyReply): Uint8Array => reply.op === 'key' ? encodePushKeyReply(reply) : encodePushReply(reply)

export async function startPush (node: Libp2p, init: PushServiceInit): Promise<{ stop(): Promise<void> }> {
  const shutdown = new AbortController()
  const nonces = new Nonces(PUSH_MAX_NONCES)
  const relay = node.peerId.toMultihash().bytes

  const limits = {
    maxSubscriptions: PUSH_SUBSCRIPTIONS_PER_PEER,
    pushesPerMinute: init.perMinute,
    coalesceMs: init.coalesceMs,
    payloadBytes: PUSH_PAYLOAD_V2_BYTES
  }

  async function answer (request: PushRequest | PushKeyRequest, connection: Connection): Promise<PushReply | PushKeyReply> {
    // unsigned: what every push of this relay shows anyway (its Authorization header)
    if (request.op === 'key') return { op: 'key', push: 'on', vapidKey: init.vapid.publicKey, ...limits, subscriptionDays: init.subscriptionDays }
    const now = init.now()
    if (!verifyPushRequest(request)) refuse('bad-signature', 'the signature is not the subject\'s')
    const subject = peerIdFromMultihash(Digest.decode(request.subject))
    if (!subject.equals(connection.remotePeer)) refuse('wrong-peer', 'the subject is not this connection\'s PeerID')
    if (!sameBytes(request.relay, relay)) refuse('wrong-relay', 'the request names another relay')
    if (Math.abs(request.time - now) > PUSH_CLOCK_SKEW_MS) refuse('stale', `the request's time is more than ${PUSH_CLOCK_SKEW_MS / 60_000} minutes from the relay's`)
    const problem = endpointProblem(request.endpoint, { allowInsecureLoopback: init.allowInsecureLoopback })
    if (problem !== undefined) refuse('bad-endpoint', problem)
    const peer = subject.toString()
    const held = init.store.get(peer, request.endpoint)
    if (held !== undefined && request.time <= held.signedAt) refuse('replayed', 'the subscription holds a registration as new or newer')
    if (!nonces.take(request.nonce, now)) refuse('replayed', 'this nonce was seen')

    if (request.op === 'remove') {
      const removed = await init.store.remove(peer, request.endpoint)
      init.scheduler.forget({ subject: peer, endpoint: request.endpoint })
      init.metrics.removed()
      if (removed) init.metrics.dropped('removed')
      return { op: 'remove', removed }
    }
    const expiresAt = now + init.subscriptionDays * DAY_MS
    const subscription = { subject: peer, endpoint: request.endpoint, p256dh: request.p256dh, auth: request.auth, signedAt: request.time, registeredAt: now, expiresAt }
    let replaced
    try {
      replaced = await init.store.put(subscription)
    } catch (err) {
      if (err instanceof PushStoreFullError) refuse('full', err.message)
      throw err
    }
    if (replaced !== undefined) {
      init.scheduler.forget(replaced)
      init.metrics.dropped('replaced')
    }
    init.scheduler.renewed(subscription)
    init.metrics.registered()
    return { op: 'register', vapidKey: init.vapid.publicKey, expiresAt, ...limits }
  }

  const handle = oneRequestHandler<PushRequest | PushKeyRequest, PushReply | PushKeyReply, PushErrorName>({
    name: 'push',
    timeoutMs: PUSH_REQUEST_TIMEOUT_MS,
    maxRequestBytes: MAX_PUSH_REQUEST_BYTES,
    maxPrefixBytes: 2,
    ratePerMinute: PUSH_REQUESTS_PER_MINUTE,
    now: init.now,
    decode: decodePushInbound,
    encodeReply: encodeAnswer,
    encodeError: encodePushError,
    malformed: (err) => err instanceof PushFrameError ? 'bad-request' : undefined,
    oversizeCode: 'bad-request',
    refusal: (err) => err instanceof PushRefusedError ? { code: err.code, reason: err.reason } : undefined,
    answer,
    draining: init.draining,
    refused: (code) => { init.metrics.refused(code) },
    log: init.log
  }, shutdown.signal)

  await node.handle(PUSH_PROTOCOL, handle, { maxInboundStreams: init.maxInboundStreams })
  return {
    stop: async () => {
      shutdown.abort()
      await node.unhandle(PUSH_PROTOCOL)
    }
  }
}
