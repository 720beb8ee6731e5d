/**
 * Runtime validators for the wire format in `protocol.ts`. Both ends run every
 * incoming message through these before acting on it; a message that fails is
 * logged and dropped (never thrown out of a 'message' listener, where a throw
 * would escape dispatch and be lost; cf. automerge-repo's MessageChannel adapter).
 *
 * The check is strict: exact key sets, exact types, non-negative safe-integer
 * ids, bounded names. Tab and worker are built together (a new build gets a new
 * worker URL, hence a new SharedWorker), so there is no older peer to tolerate.
 */

import { InvalidRpcMessageError, MAX_ERROR_MESSAGE_LENGTH, MAX_ERROR_NAME_LENGTH } from './errors.ts'
import { isLocale, LOCALES, t } from '../i18n/index.ts'
import type { Locale } from '../i18n/index.ts'
import type { RpcErrorShape, TabToWorker, WorkerToTab } from './protocol.ts'

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

function isRecord (x: unknown): x is Rec {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

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

/** True if `x` is exactly `{ name, message }` with bounded strings. */
export function isErrorShape (x: unknown): x is RpcErrorShape {
  return isRecord(x) &&
    hasExactKeys(x, ['name', 'message']) &&
    isName(x.name, MAX_ERROR_NAME_LENGTH) &&
    typeof x.message === 'string' && x.message.length <= MAX_ERROR_MESSAGE_LENGTH
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
      return isBare(x)
    default:
      return false
  }
}

/**
 * Longest relay address accepted in RPC params; db/relays.ts then says in
 * words what is wrong with one (its own limit, 1024 characters, is lower).
 */
export const MAX_RELAY_PARAM_CHARS = 2048

/** True if `x` is exactly `{ multiaddr }` with a bounded string (addRelay, testRelay, removeRelay). */
export function isRelayAddressParams (x: unknown): x is { multiaddr: string } {
  return isRecord(x) && hasExactKeys(x, ['multiaddr']) &&
    typeof x.multiaddr === 'string' && x.multiaddr.length <= MAX_RELAY_PARAM_CHARS
}

/** True if `x` is exactly `{ multiaddr, active }` (setRelayActive). */
export function isRelayActiveParams (x: unknown): x is { multiaddr: string, active: boolean } {
  return isRecord(x) && hasExactKeys(x, ['multiaddr', 'active']) &&
    typeof x.multiaddr === 'string' && x.multiaddr.length <= MAX_RELAY_PARAM_CHARS && typeof x.active === 'boolean'
}

/**
 * The params of a relay call, checked with {@link isRelayAddressParams}.
 *
 * @throws InvalidRpcMessageError saying what the call needs.
 */
export function readRelayAddressParams (method: string, x: unknown): { multiaddr: string } {
  if (!isRelayAddressParams(x)) throw new InvalidRpcMessageError(`${method} needs exactly { multiaddr }: the relay's address as text of at most ${MAX_RELAY_PARAM_CHARS} characters.`)
  return { multiaddr: x.multiaddr }
}

/**
 * The params of setRelayActive, checked with {@link isRelayActiveParams}.
 *
 * @throws InvalidRpcMessageError saying what the call needs.
 */
export function readRelayActiveParams (x: unknown): { multiaddr: string, active: boolean } {
  if (!isRelayActiveParams(x)) throw new InvalidRpcMessageError(`setRelayActive needs exactly { multiaddr, active }: the relay's address as text of at most ${MAX_RELAY_PARAM_CHARS} characters, and true or false.`)
  return { multiaddr: x.multiaddr, active: x.active }
}

/**
 * The language of a setLocale call: exactly `{ locale }`, one of the
 * languages Parley speaks (i18n LOCALES).
 *
 * @throws InvalidRpcMessageError saying what the call needs (in the worker's current language).
 */
export function readLocaleParams (x: unknown): Locale {
  if (!isRecord(x) || !hasExactKeys(x, ['locale']) || !isLocale(x.locale)) {
    throw new InvalidRpcMessageError(t('errors.badLocale', { locales: LOCALES.join(', ') }))
  }
  return x.locale
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
