import type { ParleyDb } from './db.ts'
import { InvalidRelayAddressError } from './errors.ts'
import type { RelayRow, RelaySource } from './types.ts'
import { t } from '../i18n/index.ts'

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
    throw new InvalidRelayAddressError(`Relay address must end in /p2p/<peer id>: ${multiaddr}`)
  }
  return peerId
}

/** How a browser reaches a relay: the transports Parley's node can dial (src/lib/p2p/node.ts). */
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

/** What a browser can dial, as a hint after a refusal (in the current language). */
function dialableHint (): string {
  return t('errors.relayDialableHint')
}

/**
 * The phrase every caller uses for an address that is not `/<host>/…/p2p/<id>`
 * at all, in English; {@link notAFullRelayAddress} gives it in the current language.
 */
export const NOT_A_FULL_RELAY_ADDRESS = 'is not a full multiaddr ending in /p2p/<PeerID>'

/** {@link NOT_A_FULL_RELAY_ADDRESS} in the current language (lib/i18n). */
export function notAFullRelayAddress (): string {
  return t('errors.relayProblemNotFull')
}

/**
 * The whole sentence for a refused relay address ('The relay address "…" is …'),
 * in the current language: `problem` is one of {@link relayAddressProblem}'s phrases.
 */
export function relayAddressSentence (multiaddr: string, problem: string): string {
  return t('errors.relayAddressInvalid', { address: multiaddr.slice(0, 100), problem })
}

/**
 * Why a browser cannot use `multiaddr` as a relay address, as a phrase (in the
 * current language) that follows `The relay address "…"` (see
 * {@link relayAddressSentence}), or undefined when it can: it must be
 * `/<ip4|ip6|dns|dns4|dns6>/<host>/` then one of
 *
 * - `tcp/<port>/ws` (WebSocket), `tcp/<port>/wss` or `tcp/<port>/tls[/sni/<name>]/ws` (secure WebSocket),
 * - `udp/<port>/webrtc-direct/certhash/<hash>` (one or two certhashes),
 * - `udp/<port>/quic-v1/webtransport/certhash/<hash>` (one or two certhashes),
 *
 * then `/p2p/<PeerID>`. Plain string parsing (the db layer does not load
 * libp2p); `src/lib/p2p/app-config.ts` also parses the address with
 * `@multiformats/multiaddr` and checks the PeerID itself.
 */
export function relayAddressProblem (multiaddr: string): string | undefined {
  return classify(multiaddr).problem
}

/**
 * The PeerID and transport of a relay address a browser can dial.
 *
 * @throws InvalidRelayAddressError, saying in words what is wrong (see {@link relayAddressProblem}).
 */
export function parseRelayAddress (multiaddr: string): RelayAddress {
  const result = classify(multiaddr)
  if (result.problem !== undefined) {
    throw new InvalidRelayAddressError(relayAddressSentence(multiaddr, result.problem))
  }
  return result.address
}

type Classified = { address: RelayAddress, problem?: undefined } | { problem: string }

function classify (multiaddr: string): Classified {
  if (multiaddr.length > MAX_RELAY_ADDRESS_CHARS) return { problem: t('errors.relayProblemTooLong', { max: String(MAX_RELAY_ADDRESS_CHARS) }) }
  const parts = multiaddr.split('/')
  const peerId = parts.at(-1) ?? ''
  // parts[0] is the empty string before the leading '/'; then at least one
  // component pair before the trailing `/p2p/<id>`
  if (parts[0] !== '' || parts.length < 5 || parts.at(-2) !== 'p2p' || !PEER_ID.test(peerId)) {
    return { problem: notAFullRelayAddress() }
  }
  const body = parts.slice(1, -2)
  if (body.includes('p2p-circuit') || body.includes('p2p')) {
    return { problem: t('errors.relayProblemCircuit') }
  }
  const [hostProtocol = '', host = '', transport = '', port = '', ...rest] = body
  if (!HOST_PROTOCOLS.has(hostProtocol)) {
    return { problem: t('errors.relayProblemNoHost') }
  }
  if (!validHost(hostProtocol, host)) return { problem: t('errors.relayProblemBadHost', { host: host.slice(0, 64), protocol: hostProtocol }) }
  if (transport === '') return { problem: t('errors.relayProblemNoTransport', { hint: dialableHint() }) }
  if (transport !== 'tcp' && transport !== 'udp') {
    return { problem: t('errors.relayProblemTransport', { transport: transport.slice(0, 32), hint: dialableHint() }) }
  }
  if (!PORT.test(port) || Number(port) > 65_535) return { problem: t('errors.relayProblemPort', { transport }) }
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

function tcpKind (rest: string[]): RelayTransport | { problem: string } {
  const path = rest.join('/')
  if (path === 'ws') return 'ws'
  if (path === 'wss' || path === 'tls/ws' || (rest.length === 4 && rest[0] === 'tls' && rest[1] === 'sni' && DNS_NAME.test(rest[2] ?? '') && rest[3] === 'ws')) {
    return 'wss'
  }
  if (path === '') return { problem: t('errors.relayProblemPlainTcp', { hint: dialableHint() }) }
  return { problem: t('errors.relayProblemTcpPath', { path: path.slice(0, 64), hint: dialableHint() }) }
}

function udpKind (rest: string[]): RelayTransport | { problem: string } {
  if (rest[0] === 'webrtc-direct') return withCerthashes('webrtc-direct', 'WebRTC-Direct', rest.slice(1))
  if (rest[0] === 'quic-v1' && rest[1] === 'webtransport') return withCerthashes('webtransport', 'WebTransport', rest.slice(2))
  if (rest.length === 0) return { problem: t('errors.relayProblemPlainUdp', { hint: dialableHint() }) }
  if (rest.length === 1 && (rest[0] === 'quic-v1' || rest[0] === 'quic')) {
    return { problem: t('errors.relayProblemPlainQuic', { hint: dialableHint() }) }
  }
  return { problem: t('errors.relayProblemUdpPath', { path: rest.join('/').slice(0, 64), hint: dialableHint() }) }
}

/** `certhash/<hash>` once or twice: the browser pins the relay's self-signed certificate by it. */
function withCerthashes (kind: RelayTransport, name: string, rest: string[]): RelayTransport | { problem: string } {
  if (rest.length === 0) {
    return { problem: t('errors.relayProblemNoCerthash', { name }) }
  }
  const pairs = rest.length / 2
  const wellFormed = rest.length % 2 === 0 && rest.every((part, i) => i % 2 === 0 ? part === 'certhash' : CERTHASH.test(part))
  if (!wellFormed) return { problem: t('errors.relayProblemBadCerthash', { name, kind }) }
  if (pairs > MAX_CERTHASHES) return { problem: t('errors.relayProblemCerthashes', { count: String(pairs), name }) }
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

/** The relay is already in the list (the message says how it got there). */
export class DuplicateRelayError extends Error {
  constructor (message = 'This relay is already in the list') {
    super(message)
    this.name = 'DuplicateRelayError'
  }
}

/** The user already has {@link MAX_USER_RELAYS} relays of their own. */
export class TooManyRelaysError extends Error {
  constructor (message = 'Too many relays') {
    super(message)
    this.name = 'TooManyRelaysError'
  }
}

/** No relay has this address (any more). */
export class UnknownRelayError extends Error {
  constructor (message = 'There is no such relay') {
    super(message)
    this.name = 'UnknownRelayError'
  }
}

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
    if (existing?.source === 'user') throw new DuplicateRelayError(t('errors.relayDuplicate'))
    if (existing?.source === 'default') {
      throw new DuplicateRelayError(t(existing.active ? 'errors.relayDefaultDuplicate' : 'errors.relayDefaultDisabled'))
    }
    const mine = await db.relays.where('source').equals('user').count()
    if (mine >= MAX_USER_RELAYS) {
      throw new TooManyRelaysError(t('errors.tooManyRelays', { max: String(MAX_USER_RELAYS) }))
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
    if (row === undefined) throw new UnknownRelayError(t('errors.relayUnknown'))
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
