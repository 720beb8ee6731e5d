/**
 * The dedicated-Worker fallback's wire format on the `parley-node`
 * BroadcastChannel (docs/architecture.md, "Dedicated-Worker fallback").
 *
 * Every tab of the profile sees every envelope; each one keeps only those
 * addressed to it:
 *
 *   client → owner   `{ from: clientId, to: 'owner', kind: 'open' | 'data' | 'close', data }`
 *   owner → client   `{ from: ownerId, to: clientId, kind: 'open' (ack) | 'data' | 'close', data }`
 *   owner → all      `{ from: ownerId, to: '*', kind: 'open' (a new owner is here) | 'close' (the owner leaves), data: null }`
 *
 * `data` is one RPC message (protocol.ts) for `kind: 'data'` and `null`
 * otherwise. Envelopes are validated strictly (exact keys, bounded ids, an
 * RPC message of the right direction, a bounded size); a malformed one is
 * logged and dropped, never thrown out of a listener.
 */

import { toBase64Url } from '@parley/protocol/base64'
import { isRecord } from '@parley/protocol/is-record'
import { errorClass } from '../../contract/errors.ts'
import { isTabToWorker, isWorkerToTab } from '../guards.ts'
import type { TabToWorker, WorkerToTab } from '../protocol.ts'

/** BroadcastChannel name shared by every tab of the profile. */
export const FALLBACK_CHANNEL_NAME = 'parley-node'
/** Exclusive Web Lock held for its whole life by the tab that owns the dedicated Worker. */
export const OWNER_LOCK_NAME = 'parley-node-owner'
/** Prefix of the Web Lock each relayed client holds while it lives (the owner learns when it is gone). */
export const CLIENT_LOCK_PREFIX = 'parley-node-client:'

/** Most remote clients the owner relays at once; beyond that the longest-silent one is dropped. */
export const MAX_RELAYED_CLIENTS = 64
/** Most envelopes a client queues while it waits for an owner's ack; more are refused. */
export const MAX_QUEUED_ENVELOPES = 512
/** Largest RPC message carried over the BroadcastChannel (an estimate of its structured-clone size). */
export const MAX_ENVELOPE_BYTES = 1024 * 1024
/** How long a client waits for an owner to acknowledge it before giving up with {@link NoNodeOwnerError}. */
export const OWNER_TIMEOUT_MS = 10_000
/** While unacknowledged, a client repeats its `open` this often (an owner may be starting). */
export const OPEN_RETRY_MS = 1_000

/** Longest endpoint id accepted. */
const MAX_ID_LENGTH = 64
const ID_PATTERN = /^[0-9A-Za-z_-]+$/
/** What a Blob counts for in {@link estimateSize}: the clone carries a handle, not the bytes. */
const BLOB_HANDLE_BYTES = 256

/** Deepest nesting {@link estimateSize} follows before it calls the value too large. */
const MAX_DEPTH = 32

export type EnvelopeKind = 'open' | 'data' | 'close'

/** An envelope a client sends to the owner. */
export type ToOwnerEnvelope =
  | { from: string, to: 'owner', kind: 'open' | 'close', data: null }
  | { from: string, to: 'owner', kind: 'data', data: TabToWorker }

/** An envelope the owner sends to one client, or to every client (`to: '*'`). */
export type FromOwnerEnvelope =
  | { from: string, to: string, kind: 'open' | 'close', data: null }
  | { from: string, to: string, kind: 'data', data: WorkerToTab }

export type Envelope = ToOwnerEnvelope | FromOwnerEnvelope

/** No tab answered as the node's owner in time (e.g. the lock holder runs another mode, or hangs): `noNodeOwner`. */
export const NoNodeOwnerError = errorClass('NoNodeOwnerError')

/** The owner changed or dropped this client: its RPC session is over (the client reconnects): `nodeOwnerLost`. */
export const NodeOwnerLostError = errorClass('NodeOwnerLostError')

/**
 * A random endpoint id, 12 bytes in base64url (the tab's bundle has base64
 * already, not a hex encoder); `getRandomValues` also exists on insecure
 * origins, unlike `randomUUID`.
 */
export function newEndpointId (): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(12)))
}

/** True for a client or owner id (not the reserved `owner` and `*` addresses). */
export function isEndpointId (x: unknown): x is string {
  return typeof x === 'string' && x.length <= MAX_ID_LENGTH && ID_PATTERN.test(x) && x !== 'owner'
}

function hasEnvelopeKeys (x: Record<string, unknown>): boolean {
  const keys = Object.keys(x)
  return keys.length === 4 && ['from', 'to', 'kind', 'data'].every(k => Object.hasOwn(x, k))
}

/**
 * An estimate of the structured-clone size of `value`, in bytes, that stops
 * counting once past `limit` (so a huge value costs no more than a small one).
 * Strings count two bytes per UTF-16 unit, a Blob or File a small handle
 * (its bytes are not copied); nesting deeper than 32 levels counts as too large.
 */
export function estimateSize (value: unknown, limit: number = MAX_ENVELOPE_BYTES): number {
  let total = 0
  const over = (): boolean => total > limit
  const walk = (v: unknown, depth: number): void => {
    if (over()) return
    if (depth > MAX_DEPTH) {
      total = limit + 1
      return
    }
    if (typeof v === 'string') {
      total += 2 * v.length
    } else if (v === null || typeof v !== 'object') {
      total += 8
    } else if (v instanceof ArrayBuffer) {
      total += v.byteLength
    } else if (ArrayBuffer.isView(v)) {
      total += v.byteLength
    } else if (typeof Blob !== 'undefined' && v instanceof Blob) {
      // a cloned Blob (or File) is a handle to bytes the browser keeps, not a copy of them
      total += BLOB_HANDLE_BYTES
    } else if (v instanceof Map) {
      for (const [k, item] of v) {
        walk(k, depth + 1)
        walk(item, depth + 1)
        if (over()) return
      }
    } else if (v instanceof Set || Array.isArray(v)) {
      for (const item of v as Iterable<unknown>) {
        walk(item, depth + 1)
        if (over()) return
      }
    } else {
      for (const [k, item] of Object.entries(v)) {
        total += 2 * k.length
        walk(item, depth + 1)
        if (over()) return
      }
    }
  }
  walk(value, 0)
  return total
}

function hasValidPayload (x: Record<string, unknown>, isRpc: (d: unknown) => boolean, maxBytes: number): boolean {
  switch (x.kind) {
    case 'open':
    case 'close':
      return x.data === null
    case 'data':
      return isRpc(x.data) && estimateSize(x.data, maxBytes) <= maxBytes
    default:
      return false
  }
}

/** True if `x` is a well-formed envelope from a client to the owner. */
export function isToOwnerEnvelope (x: unknown, maxBytes: number = MAX_ENVELOPE_BYTES): x is ToOwnerEnvelope {
  return isRecord(x) && hasEnvelopeKeys(x) &&
    isEndpointId(x.from) && x.to === 'owner' &&
    hasValidPayload(x, isTabToWorker, maxBytes)
}

/** True if `x` is a well-formed envelope from the owner to one client or to all (`to: '*'`, no data). */
export function isFromOwnerEnvelope (x: unknown, maxBytes: number = MAX_ENVELOPE_BYTES): x is FromOwnerEnvelope {
  if (!isRecord(x) || !hasEnvelopeKeys(x) || !isEndpointId(x.from)) return false
  if (x.to === '*') return (x.kind === 'open' || x.kind === 'close') && x.data === null
  return isEndpointId(x.to) && hasValidPayload(x, isWorkerToTab, maxBytes)
}

/** A short, bounded description of a rejected envelope for the log (never the payload). */
export function describeEnvelope (x: unknown): string {
  if (!isRecord(x)) return Array.isArray(x) ? 'array' : typeof x
  const field = (v: unknown): string => typeof v === 'string' ? v.slice(0, 24) : typeof v
  return `envelope from=${field(x.from)} to=${field(x.to)} kind=${field(x.kind)} keys=${Object.keys(x).slice(0, 8).map(k => k.slice(0, 24)).join(',')}`
}

/**
 * The part of `BroadcastChannel` the fallback uses (tests may stand in).
 * Listeners are added once and removed on close.
 */
export interface BroadcastChannelLike {
  postMessage(message: unknown): void
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void
  close(): void
}

/** The part of the Web Locks `LockManager` the fallback uses. */
export interface LockManagerLike {
  request(name: string, callback: (lock: unknown) => Promise<unknown> | unknown): Promise<unknown>
  request(name: string, options: { ifAvailable?: boolean, signal?: AbortSignal }, callback: (lock: unknown) => Promise<unknown> | unknown): Promise<unknown>
}
