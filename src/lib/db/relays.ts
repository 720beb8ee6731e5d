import type { ErrorCode, ErrorParams } from '../contract/errors.ts'
import type { ParleyDb } from './db.ts'
import { DuplicateRelayError, InvalidRelayAddressError, TooManyRelaysError, UnknownRelayError } from './errors.ts'
import type { RelayRow, RelaySource } from './types.ts'

export { DuplicateRelayError, TooManyRelaysError, UnknownRelayError }

/**
 * The PeerID in the trailing `/p2p/<id>` component of a multiaddr string,
 * whatever its transport (backups carry relay rows as they were stored; see
 * {@link parseRelayAddress} for the full check of an address to dial).
 * Plain string parsing: the db layer does not load libp2p.
 *
 * @throws InvalidRelayAddressError when the address does not end in `/p2p/<id>`.
 */
export function relayPeerId (multiaddr: string): string {
  const parts = multiaddr.split('/')
  const peerId = parts[parts.length - 1]
  if (!multiaddr.startsWith('/') || parts.length < 3 || parts[parts.length - 2] !== 'p2p' ||
      peerId === undefined || peerId === '') {
    throw new InvalidRelayAddressError('relayAddressInvalid', { address: multiaddr.slice(0, 100), problem: 'relayProblemNotFull' })
  }
  return peerId
}

/** How a browser reaches a relay: the transports Parley's node can dial (src/lib/p2p/root/libp2p.ts). */
export type RelayTransport = 'ws' | 'wss' | 'webrtc-direct' | 'webtransport'

export interface RelayAddress {
  peerId: string
  transport: RelayTransport
}

/** Longest relay multiaddr accepted (real ones, with two certhashes, are under 250 characters). */
export const MAX_RELAY_ADDRESS_CHARS = 1024
/** WebRTC-Direct and WebTransport addresses carry one or two certificate hashes (multiaddr-matcher's grammar). */
const MAX_CERTHASHES = 2

const HOST_PROTOCOLS = new Set(['ip4', 'ip6', 'dns', 'dns4', 'dns6'])
const IP4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/
const IP6 = /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$/
const DNS_NAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?$/
/**
 * The shape of a PeerID only (base58btc `12D3KooW…` and base32 CIDs `bafz…` are
 * alphanumeric); app-config.ts decodes it with libp2p.
 */
const PEER_ID = /^[A-Za-z0-9]{1,128}$/
/** A multibase string (base64url `u…`, base32 `b…`, base58btc `z…`, …). */
const CERTHASH = /^[A-Za-z0-9_-]{2,256}$/
const PORT = /^[1-9]\d{0,4}$/

/** The relayProblem* codes: what is wrong with a relay address (each follows 'The relay address "…"'). */
export type RelayProblemCode = Extract<ErrorCode, `relayProblem${string}`>

/** One problem with a relay address: its code and that code's params. */
export type RelayProblem = { [C in RelayProblemCode]: { code: C, params: ErrorParams<C> } }[RelayProblemCode]

/** Several problems end with what a browser can dial. */
const HINT = { hint: 'relayDialableHint' } as const

/** The params of a refused address: the problem's code and its own params ride along (lib/i18n/error-text.ts). */
export function relayProblemParams (multiaddr: string, problem: RelayProblem): ErrorParams<'relayAddressInvalid'> {
  return { address: multiaddr.slice(0, 100), problem: problem.code, ...problem.params }
}

/**
 * Why a browser cannot use `multiaddr` as a relay address (a problem code that
 * follows `The relay address "…"`), or undefined when it can: it must be
 * `/<ip4|ip6|dns|dns4|dns6>/<host>/` then one of
 *
 * - `tcp/<port>/ws` (WebSocket), `tcp/<port>/wss` or `tcp/<port>/tls[/sni/<name>]/ws` (secure WebSocket),
 * - `udp/<port>/webrtc-direct/certhash/<hash>` (one or two certhashes),
 * - `udp/<port>/quic-v1/webtransport/certhash/<hash>` (one or two certhashes),
 *
 * then `/p2p/<PeerID>`. Plain string parsing (the db layer does not load
 * libp2p); `src/lib/p2p/kernel/app-config.ts` also parses the address with
 * `@multiformats/multiaddr` and checks the PeerID itself.
 */
export function relayAddressProblem (multiaddr: string): RelayProblem | undefined {
  return classify(multiaddr).problem
}

/**
 * The PeerID and transport of a relay address a browser can dial.
 *
 * @throws InvalidRelayAddressError (`relayAddressInvalid` with the problem: see {@link relayAddressProblem}).
 */
export function parseRelayAddress (multiaddr: string): RelayAddress {
  const result = classify(multiaddr)
  if (result.problem !== undefined) {
    throw new InvalidRelayAddressError('relayAddressInvalid', relayProblemParams(multiaddr, result.problem))
  }
  return result.address
}

type Classified = { address: RelayAddress, problem?: undefined } | { problem: RelayProblem }

const problem = <C extends RelayProblemCode>(code: C, ...[params]: Record<string, never> extends ErrorParams<C> ? [] : [ErrorParams<C>]): { problem: RelayProblem } =>
  ({ problem: { code, params: params ?? {} } as RelayProblem })

function classify (multiaddr: string): Classified {
  if (multiaddr.length > MAX_RELAY_ADDRESS_CHARS) return problem('relayProblemTooLong', { max: MAX_RELAY_ADDRESS_CHARS })
  const parts = multiaddr.split('/')
  const peerId = parts.at(-1) ?? ''
  // parts[0] is the empty string before the leading '/'; then at least one
  // component pair before the trailing `/p2p/<id>`
  if (parts[0] !== '' || parts.length < 5 || parts.at(-2) !== 'p2p' || !PEER_ID.test(peerId)) {
    return problem('relayProblemNotFull')
  }
  const body = parts.slice(1, -2)
  if (body.includes('p2p-circuit') || body.includes('p2p')) {
    return problem('relayProblemCircuit')
  }
  const [hostProtocol = '', host = '', transport = '', port = '', ...rest] = body
  if (!HOST_PROTOCOLS.has(hostProtocol)) {
    return problem('relayProblemNoHost')
  }
  if (!validHost(hostProtocol, host)) return problem('relayProblemBadHost', { host: host.slice(0, 64), protocol: hostProtocol })
  if (transport === '') return problem('relayProblemNoTransport', HINT)
  if (transport !== 'tcp' && transport !== 'udp') {
    return problem('relayProblemTransport', { transport: transport.slice(0, 32), ...HINT })
  }
  if (!PORT.test(port) || Number(port) > 65_535) return problem('relayProblemPort', { transport })
  const kind = transport === 'tcp' ? tcpKind(rest) : udpKind(rest)
  if (typeof kind === 'object') return kind
  return { address: { peerId, transport: kind } }
}

function validHost (protocol: string, host: string): boolean {
  switch (protocol) {
    case 'ip4': return IP4.test(host)
    case 'ip6': return host.length <= 45 && IP6.test(host)
    default: return DNS_NAME.test(host)
  }
}

function tcpKind (rest: string[]): RelayTransport | { problem: RelayProblem } {
  const path = rest.join('/')
  if (path === 'ws') return 'ws'
  if (path === 'wss' || path === 'tls/ws' || (rest.length === 4 && rest[0] === 'tls' && rest[1] === 'sni' && DNS_NAME.test(rest[2] ?? '') && rest[3] === 'ws')) {
    return 'wss'
  }
  if (path === '') return problem('relayProblemPlainTcp', HINT)
  return problem('relayProblemTcpPath', { path: path.slice(0, 64), ...HINT })
}

function udpKind (rest: string[]): RelayTransport | { problem: RelayProblem } {
  if (rest[0] === 'webrtc-direct') return withCerthashes('webrtc-direct', 'WebRTC-Direct', rest.slice(1))
  if (rest[0] === 'quic-v1' && rest[1] === 'webtransport') return withCerthashes('webtransport', 'WebTransport', rest.slice(2))
  if (rest.length === 0) return problem('relayProblemPlainUdp', HINT)
  if (rest.length === 1 && (rest[0] === 'quic-v1' || rest[0] === 'quic')) {
    return problem('relayProblemPlainQuic', HINT)
  }
  return problem('relayProblemUdpPath', { path: rest.join('/').slice(0, 64), ...HINT })
}

/** `certhash/<hash>` once or twice: the browser pins the relay's self-signed certificate by it. */
function withCerthashes (kind: RelayTransport, name: string, rest: string[]): RelayTransport | { problem: RelayProblem } {
  if (rest.length === 0) {
    return problem('relayProblemNoCerthash', { name })
  }
  const pairs = rest.length / 2
  const wellFormed = rest.length % 2 === 0 && rest.every((part, i) => i % 2 === 0 ? part === 'certhash' : CERTHASH.test(part))
  if (!wellFormed) return problem('relayProblemBadCerthash', { name, kind })
  if (pairs > MAX_CERTHASHES) return problem('relayProblemCerthashes', { count: pairs, name })
  return kind
}

/**
 * Makes the 'default' rows match the shipped list: adds missing ones (active,
 * no failures), keeps the stats of those already known, removes defaults no
 * longer shipped. User-added and discovered rows are never touched, also when
 * their address is in the list: the user's choice outlives the shipped list.
 *
 * @throws InvalidRelayAddressError before writing anything if an address is
 *   malformed or one a browser cannot dial ({@link parseRelayAddress}).
 */
export async function syncDefaultRelays (db: ParleyDb, multiaddrs: string[]): Promise<void> {
  const wanted = new Map<string, string>()
  for (const multiaddr of multiaddrs) wanted.set(multiaddr, parseRelayAddress(multiaddr).peerId)

  await db.transaction('rw', db.relays, async () => {
    const existing = new Map((await db.relays.bulkGet([...wanted.keys()]))
      .filter((row): row is RelayRow => row !== undefined)
      .map((row) => [row.multiaddr, row]))

    const added: RelayRow[] = []
    for (const [multiaddr, peerId] of wanted) {
      if (existing.has(multiaddr)) continue
      added.push({ multiaddr, peerId, source: 'default', active: true, failures: 0 })
    }
    await db.relays.bulkAdd(added)

    await db.relays
      .where('source').equals('default')
      .filter((row) => !wanted.has(row.multiaddr))
      .delete()
  })
}

const SOURCE_ORDER: Record<RelaySource, number> = { default: 0, user: 1, discovered: 2 }

/** All relays: shipped defaults, then the user's, then discovered ones; by address within each. */
export async function listRelays (db: ParleyDb): Promise<RelayRow[]> {
  const rows = await db.relays.toArray()
  return rows.sort((a, b) =>
    SOURCE_ORDER[a.source] - SOURCE_ORDER[b.source] ||
    (a.multiaddr < b.multiaddr ? -1 : a.multiaddr > b.multiaddr ? 1 : 0))
}

export interface RelayResult {
  ok: boolean
  /** Round-trip time in ms, when the attempt measured one. */
  rtt?: number
  now: number
}

/**
 * Records a connection attempt (or test) to a relay: success stamps
 * lastConnected and lastRtt and clears failures; failure counts one more.
 *
 * @returns false when the relay has no row.
 */
export async function recordRelayResult (db: ParleyDb, multiaddr: string, result: RelayResult): Promise<boolean> {
  return db.transaction('rw', db.relays, async () => {
    const row = await db.relays.get(multiaddr)
    if (row === undefined) return false
    const changes: Partial<RelayRow> = result.ok
      ? { lastConnected: result.now, failures: 0 }
      : { failures: row.failures + 1 }
    if (result.ok && result.rtt !== undefined) changes.lastRtt = result.rtt
    await db.relays.update(multiaddr, changes)
    return true
  })
}

// ---------------------------------------------------------------- the user's list (Network panel)

/**
 * Most relays the user adds by hand. Each one is a connection the node keeps
 * open; with the shipped defaults (at most 16 in the served config) and the
 * discovered ones this stays within the keeper's MAX_RELAYS.
 */
export const MAX_USER_RELAYS = 8
/**
 * Most relays learned from the network kept at once; when one more is
 * learned, the one seen least recently (lastConnected) is dropped first.
 */
export const MAX_DISCOVERED_RELAYS = 8

/** One relay, or undefined. */
export async function getRelay (db: ParleyDb, multiaddr: string): Promise<RelayRow | undefined> {
  return db.relays.get(multiaddr)
}

/** The addresses the node should keep connections to: every active relay, in {@link listRelays} order. */
export async function activeRelays (db: ParleyDb): Promise<string[]> {
  return (await listRelays(db)).filter((row) => row.active).map((row) => row.multiaddr)
}

/**
 * Adds a relay the user typed, active. An address the network taught us
 * becomes the user's (it then outlives the discovered list's turnover).
 * The count and the duplicate check run in the write transaction, so two
 * tabs adding at once cannot pass the limit.
 *
 * @throws InvalidRelayAddressError (what is wrong, in words), DuplicateRelayError,
 *   TooManyRelaysError; nothing is written then.
 */
export async function addUserRelay (db: ParleyDb, multiaddr: string): Promise<RelayRow> {
  const { peerId } = parseRelayAddress(multiaddr)
  return db.transaction('rw', db.relays, async () => {
    const existing = await db.relays.get(multiaddr)
    if (existing?.source === 'user') throw new DuplicateRelayError('relayDuplicate')
    if (existing?.source === 'default') {
      throw new DuplicateRelayError(existing.active ? 'relayDefaultDuplicate' : 'relayDefaultDisabled')
    }
    const mine = await db.relays.where('source').equals('user').count()
    if (mine >= MAX_USER_RELAYS) {
      throw new TooManyRelaysError('tooManyRelays', { max: MAX_USER_RELAYS })
    }
    const row: RelayRow = existing === undefined
      ? { multiaddr, peerId, source: 'user', active: true, failures: 0 }
      : { ...existing, source: 'user', active: true }
    await db.relays.put(row)
    return row
  })
}

/**
 * Enables or disables a relay. A disabled relay stays in the list (with its
 * statistics) and the node keeps no connection to it.
 *
 * @throws UnknownRelayError when there is no such relay.
 */
export async function setRelayActive (db: ParleyDb, multiaddr: string, active: boolean): Promise<RelayRow> {
  return db.transaction('rw', db.relays, async () => {
    const row = await db.relays.get(multiaddr)
    if (row === undefined) throw new UnknownRelayError('relayUnknown')
    if (row.active !== active) await db.relays.update(multiaddr, { active })
    return { ...row, active }
  })
}

/**
 * Removes a relay from the list. What a Signal or Briar user would expect:
 * something they removed does not come back by itself. The user's own and
 * discovered relays are deleted (a discovered one is listed again only if
 * the node holds a reservation on it again, which is then the truth about
 * where it is reachable). A shipped default cannot be deleted for good: the
 * next config sync would bring it back, active. It is disabled instead, and
 * {@link syncDefaultRelays} keeps that choice; the user can enable it again.
 * Removing a relay that is already gone (another tab removed it) is fine.
 *
 * @returns 'removed', or 'disabled' for a shipped default.
 */
export async function removeRelay (db: ParleyDb, multiaddr: string): Promise<'removed' | 'disabled'> {
  return db.transaction('rw', db.relays, async () => {
    const row = await db.relays.get(multiaddr)
    if (row?.source === 'default') {
      if (row.active) await db.relays.update(multiaddr, { active: false })
      return 'disabled'
    }
    if (row !== undefined) await db.relays.delete(multiaddr)
    return 'removed'
  })
}

/**
 * Notes a relay the network showed us (the node holds a reservation on it,
 * though it is not in the list): added as 'discovered' and active, or, when
 * already discovered (at any of its addresses), its lastConnected refreshed.
 * A relay the list has from another source, at any address with the same
 * PeerID, is left alone (a disabled one stays disabled). At most
 * {@link MAX_DISCOVERED_RELAYS}: the one seen least recently makes room.
 *
 * @returns what happened: 'added', 'refreshed', or 'known' (another source has it).
 * @throws InvalidRelayAddressError when it is not an address a browser can dial.
 */
export async function noteDiscoveredRelay (db: ParleyDb, multiaddr: string, now: number): Promise<'added' | 'refreshed' | 'known'> {
  const { peerId } = parseRelayAddress(multiaddr)
  return db.transaction('rw', db.relays, async () => {
    // a relay announces several addresses (WebSocket, WebRTC-Direct, …): it is the PeerID that is known
    const samePeer = await db.relays.filter((row) => row.peerId === peerId).toArray()
    if (samePeer.some((row) => row.source !== 'discovered')) return 'known'
    if (samePeer.length > 0) {
      await db.relays.bulkUpdate(samePeer.map((row) => ({ key: row.multiaddr, changes: { lastConnected: now } })))
      return 'refreshed'
    }
    const discovered = await db.relays.where('source').equals('discovered').toArray()
    discovered.sort((a, b) => (a.lastConnected ?? 0) - (b.lastConnected ?? 0) || (a.multiaddr < b.multiaddr ? -1 : 1))
    const surplus = discovered.length - MAX_DISCOVERED_RELAYS + 1
    if (surplus > 0) await db.relays.bulkDelete(discovered.slice(0, surplus).map((row) => row.multiaddr))
    await db.relays.add({ multiaddr, peerId, source: 'discovered', active: true, lastConnected: now, failures: 0 })
    return 'added'
  })
}
