/**
 * Which key to subscribe the browser with (docs/protocols.md, "Web Push",
 * "What the app does"): KEY, unsigned, to each relay this device holds a
 * reservation on, all at once, each with a deadline; then one key of those
 * the relays with push on have. A browser subscription is bound to one
 * applicationServerKey, so the relays with another key will be 'other-key'.
 */
import { PushRefusedError } from '@parley/protocol/push/codec'
import { pushKeyRequest } from '@parley/protocol/push/client'
import { connectionTo, reservedRelays } from '../relays/index.ts'
import { b64 } from './subscription.ts'
import type { PushKeys, PushRelayKey } from '../../contract/index.ts'
import type { Libp2p, Logger } from '@libp2p/interface'

/** One KEY (stream opened, sent, answered) gives up after this long. */
export const PUSH_KEY_TIMEOUT_MS = 10_000
/** Relays asked at most in one go (the node reserves on two). */
export const MAX_PUSH_KEY_RELAYS = 8

/**
 * The key to subscribe with: `preferred` (the subscription's own) if a relay
 * has it, else the one most relays have, between equals the first in
 * base64url order; undefined when no relay has push on.
 */
export function pickPushKey (relays: readonly PushRelayKey[], preferred?: string): PushKeys['key'] {
  const byKey = new Map<string, string[]>()
  for (const r of relays) {
    if (r.state !== 'on' || r.vapidKey === undefined) continue
    byKey.set(r.vapidKey, [...byKey.get(r.vapidKey) ?? [], r.relay])
  }
  if (preferred !== undefined) {
    const holders = byKey.get(preferred)
    if (holders !== undefined) return { vapidKey: preferred, relays: holders }
  }
  const [best] = [...byKey].sort(([a, x], [b, y]) => y.length - x.length || (a < b ? -1 : a > b ? 1 : 0))
  return best === undefined ? undefined : { vapidKey: best[0], relays: best[1] }
}

/** What `relay` says to KEY, over the connection our reservation is on. */
async function askOne (node: Pick<Libp2p, 'getConnections'>, relay: string, signal: AbortSignal, log: Logger): Promise<PushRelayKey> {
  const connection = connectionTo(node, relay)
  if (connection === undefined) return { relay, state: 'unreachable' }
  try {
    const reply = await pushKeyRequest(connection, { signal: AbortSignal.any([signal, AbortSignal.timeout(PUSH_KEY_TIMEOUT_MS)]) })
    if (reply.push === 'off') return { relay, state: 'off' }
    return { relay, state: 'on', vapidKey: b64(reply.vapidKey), pushesPerMinute: reply.pushesPerMinute, subscriptionDays: reply.subscriptionDays }
  } catch (err) {
    if (err instanceof PushRefusedError) return { relay, state: 'unreachable', code: err.code }
    if (err instanceof Error && err.name === 'UnsupportedProtocolError') return { relay, state: 'unsupported' }
    log.error('cannot ask %s for its push key - %e', relay, err)
    return { relay, state: 'unreachable' }
  }
}

/** Asks each reserved relay for its key, and picks the one to subscribe with. */
export async function askPushKeys (node: Pick<Libp2p, 'getConnections' | 'getMultiaddrs'>, options: { preferred?: string, signal: AbortSignal, log: Logger }): Promise<PushKeys> {
  const relays = await Promise.all(reservedRelays(node).slice(0, MAX_PUSH_KEY_RELAYS).map(async relay => askOne(node, relay, options.signal, options.log)))
  const key = pickPushKey(relays, options.preferred)
  return key === undefined ? { relays } : { relays, key }
}
