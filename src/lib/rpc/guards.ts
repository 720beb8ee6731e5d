/**
 * Runtime validators for the wire format in `protocol.ts` (a call's params
 * are checked against the contract by the server, not here). Both ends run every
 * incoming message through these before acting on it; a message that fails is
 * logged and dropped (never thrown out of a 'message' listener, where a throw
 * would escape dispatch and be lost; cf. automerge-repo's MessageChannel adapter).
 *
 * The check is strict: exact key sets, exact types, non-negative safe-integer
 * ids, bounded names. Tab and worker are built together (a new build gets a new
 * worker URL, hence a new SharedWorker), so there is no older peer to tolerate.
 */

import { isRecord } from '@parley/protocol/is-record'
import { isErrorShape } from '../contract/errors.ts'
import type { TabToWorker, WorkerToTab } from './protocol.ts'

export { isErrorShape }

/** Longest method name accepted on the wire (real ones are far shorter). */
export const MAX_METHOD_NAME_LENGTH = 64
/** Longest event name accepted on the wire. */
export const MAX_EVENT_NAME_LENGTH = 64

/** Where the RPC layer reports dropped messages and swallowed listener errors. */
export type RpcLog = (message: string, ...args: unknown[]) => void

/** Default {@link RpcLog}: `console.warn` with an `[rpc]` prefix. */
export const defaultRpcLog: RpcLog = (message, ...args) => {
  console.warn(`[rpc] ${message}`, ...args)
}

type Rec = Record<string, unknown>

function hasExactKeys (o: Rec, keys: readonly string[]): boolean {
  const own = Object.keys(o)
  return own.length === keys.length && keys.every(k => Object.hasOwn(o, k))
}

function isId (x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0
}

function isName (x: unknown, max: number): x is string {
  return typeof x === 'string' && x.length > 0 && x.length <= max
}

function isBare (x: Rec): boolean {
  return hasExactKeys(x, ['type'])
}

/** True if `x` is a well-formed tab → worker message. */
export function isTabToWorker (x: unknown): x is TabToWorker {
  if (!isRecord(x)) return false
  switch (x.type) {
    case 'call':
      return hasExactKeys(x, ['type', 'id', 'method', 'params']) &&
        isId(x.id) && isName(x.method, MAX_METHOD_NAME_LENGTH)
    case 'cancel':
      return hasExactKeys(x, ['type', 'id']) && isId(x.id)
    case 'arrive':
    case 'leave':
    case 'ping':
      return isBare(x)
    default:
      return false
  }
}

/** True if `x` is a well-formed worker → tab message. */
export function isWorkerToTab (x: unknown): x is WorkerToTab {
  if (!isRecord(x)) return false
  switch (x.type) {
    case 'result':
      if (x.ok === true) {
        return hasExactKeys(x, ['type', 'id', 'ok', 'result']) && isId(x.id)
      }
      return x.ok === false &&
        hasExactKeys(x, ['type', 'id', 'ok', 'error']) &&
        isId(x.id) && isErrorShape(x.error)
    case 'event':
      return hasExactKeys(x, ['type', 'event', 'payload']) &&
        isName(x.event, MAX_EVENT_NAME_LENGTH)
    case 'welcome':
    case 'pong':
      return isBare(x)
    default:
      return false
  }
}

/** A short, bounded description of a rejected message for the log (never the whole payload). */
export function describeMessage (x: unknown): string {
  if (!isRecord(x)) return Array.isArray(x) ? 'array' : typeof x
  const type = typeof x.type === 'string' ? x.type.slice(0, 32) : typeof x.type
  // keys are untrusted too: a key may be any length
  return `object type=${type} keys=${Object.keys(x).slice(0, 8).map(k => k.slice(0, 32)).join(',')}`
}

/**
 * The part of `MessagePort` the RPC layer uses, so that tests (and the
 * dedicated-Worker fallback's BroadcastChannel-backed port) can stand in.
 * `close` is the event Chromium fires when the entangled port goes away.
 */
export interface RpcPort {
  postMessage(message: unknown): void
  addEventListener(type: 'message' | 'close', listener: (event: MessageEvent) => void): void
  removeEventListener(type: 'message' | 'close', listener: (event: MessageEvent) => void): void
  start(): void
  close(): void
}
