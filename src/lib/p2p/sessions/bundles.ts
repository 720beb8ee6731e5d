/**
 * What chat and group boxes share (docs/protocols.md, "Sessions", "Through
 * mailboxes"): fetching a peer's prekey bundle from its relays, and the box
 * of a mailbox item, kept so that every relay and every retry gets the same
 * bytes.
 */
import { PrekeysRefusedError } from '@parley/protocol/prekeys/client'
import { firstStaggered } from '@parley/protocol/scheduling/staggered'
import { mailboxRelaysOf } from '../kernel/mailboxes.ts'
import { PREKEY_REQUEST_TIMEOUT_MS } from './prekey-keeper.ts'
import type { ContactBookPort } from '../kernel/ports/contacts.ts'
import type { GroupBookPort } from '../kernel/ports/groups.ts'
import type { RelayListPort } from '../kernel/ports/relays.ts'
import type { SessionPeer } from '../kernel/ports/sessions.ts'
import type { FetchedBundle, PrekeyDirectory } from './directory.ts'
import type { Sessions } from './sessions.ts'
import type { AbortOptions, Logger } from '@libp2p/interface'

export interface BundleComponents {
  contactBook: Pick<ContactBookPort, 'byPeerId'>
  prekeyDirectory: Pick<PrekeyDirectory, 'fetch' | 'fromOwner'>
  relayList: RelayListPort
}

/**
 * No relay asked handed out a bundle of the peer. `none` when the peer has no
 * prekeys as far as the relays can tell: every relay that would hold them
 * (those it named and those of its contact row, else ours) answered that it
 * holds none (`not-found`) or does not speak the prekeys protocol (an older
 * relay-node), and so did the peer itself if we are connected to it; false
 * when one of them could not be asked (unreachable, timed out, rate-limited,
 * any other refusal), so that it may hold some. (A bundle
 * handed out is checked later, by the session: one that does not hold is
 * an error of its own, and the item waits too.)
 */
export class BundleUnavailableError extends Error {
  override name = 'BundleUnavailableError'
  constructor (message: string, readonly none: boolean, options?: ErrorOptions) {
    super(message, options)
  }
}

/**
 * A peer that speaks sessions (`speaksSessions`) has no bundle anywhere we
 * asked (BundleUnavailableError, `none`): its items wait for its keys, and
 * never go outside a box (docs/protocols.md, "Sessions are mandatory"). The
 * courier marks the contact waiting (db/waiting-keys.ts) and tries again with
 * the outbox's back-off, from every source again (the peer itself once we are
 * connected to it).
 */
export class PrekeysAwaitedError extends Error {
  override name = 'PrekeysAwaitedError'
  constructor (readonly peer: string, options?: ErrorOptions) {
    super(`${peer} speaks sessions and no source holds its prekeys: its items wait`, options)
  }
}

/** What tells whether a peer speaks sessions: its contact row, our group rows, our sessions. */
export interface SpeakersComponents {
  contactBook: Pick<ContactBookPort, 'byPeerId'>
  groupBook: Pick<GroupBookPort, 'saidSessions'>
  sessions: Pick<Sessions, 'known'>
}

/**
 * Whether `peer` speaks sessions: its hello said so (the contact row keeps
 * it), its profile in a group we hold said so (a member need not be a
 * contact: the group book keeps the signed word of members and former
 * members), or we have had a session with it. Then nothing goes to it
 * outside a box, and nothing it sends outside one is taken.
 */
export async function speaksSessions (components: SpeakersComponents, peer: string): Promise<boolean> {
  return (await components.contactBook.byPeerId(peer))?.sessions === true ||
    await components.groupBook.saidSessions(peer) ||
    await components.sessions.known(peer)
}

/** A relay's answer that it holds no prekeys of the peer: nothing that asking again would change. */
function holdsNone (err: unknown): boolean {
  return (err instanceof PrekeysRefusedError && err.code === 'not-found') || (err instanceof Error && err.name === 'UnsupportedProtocolError')
}

/**
 * A source of a bundle that has not answered within this long gets the next
 * one asked beside it: a relay that is down without refusing (its host gone,
 * its packets dropped) must not hold up the others for its whole timeout.
 */
export const BUNDLE_STAGGER_MS = 2000

/**
 * A bundle of `peer`'s prekeys, the first handed out by: `named` (the
 * mailbox relays it named, as a group member does), the relays of its contact
 * row's addresses, ours; then `peer` itself when a connection to it is open
 * (its own bundle, without one-time keys: for when its relays are down,
 * shutting down or hold none of its prekeys while we are connected to it).
 * They are asked in that order, each when the one before failed or after
 * BUNDLE_STAGGER_MS without an answer (then both are waited for:
 * `firstStaggered`); the first bundle ends the others' requests.
 *
 * @throws BundleUnavailableError when none does (the last one's error its cause)
 */
export async function fetchBundle (components: BundleComponents, peer: SessionPeer, named: readonly string[], options: AbortOptions): Promise<FetchedBundle> {
  const { contactBook, relayList, prekeyDirectory } = components
  const contact = await contactBook.byPeerId(peer.peer)
  const theirs = new Set([...named, ...(contact === undefined ? [] : mailboxRelaysOf(contact))])
  const relays = [...new Set([...theirs, ...relayList.active()])]
  // the relays whose answer says whether the peer has prekeys: its own, else (none known) ours
  const telling = theirs.size > 0 ? theirs : new Set(relays)
  let failure: unknown
  let mayHold = false
  const ask = (fetch: (signal: AbortSignal) => Promise<FetchedBundle | undefined>, tells: boolean) => async (ended: AbortSignal): Promise<FetchedBundle | undefined> => {
    const signal = AbortSignal.any([AbortSignal.timeout(PREKEY_REQUEST_TIMEOUT_MS), ended, ...(options.signal === undefined ? [] : [options.signal])])
    try {
      return await fetch(signal)
    } catch (err) {
      options.signal?.throwIfAborted()
      failure = err
      if (tells && !holdsNone(err)) mayHold = true
      return undefined
    }
  }
  const bundle = await firstStaggered([
    ...relays.map(relay => ask(async signal => prekeyDirectory.fetch(relay, peer.multihash, signal), telling.has(relay))),
    ask(async signal => prekeyDirectory.fromOwner(peer.peer, signal), true)
  ], BUNDLE_STAGGER_MS)
  if (bundle !== undefined) return bundle
  const message = relays.length === 0 ? `no relay to fetch the prekeys of ${peer.peer} from` : `no bundle of ${peer.peer} from ${relays.length} relay(s)`
  throw new BundleUnavailableError(message, relays.length > 0 && !mayHold, { cause: failure })
}

/** An item for a mailbox: the key its box is kept under, its 16-byte id, and what the box carries. */
export interface MailboxItem {
  key: string
  id: Uint8Array
  plaintext: Uint8Array
}

/**
 * The box of `item` for `peer`'s mailboxes, kept (the same bytes on every
 * relay and every retry), or undefined when `peer` does not speak sessions
 * (`speaksSessions`: no hello or group profile of its said so, no session
 * ever) and its relays
 * answer that they hold no prekeys of its (an older app): then the item goes
 * as it is, under the static seal. For a peer that speaks sessions the same
 * answer is PrekeysAwaitedError: the item waits for its keys, never unboxed.
 * A bundle that could not be fetched otherwise (a relay of its unreachable,
 * timed out, rate-limited) is an error, and the item waits too: a passing
 * failure must not send it without forward secrecy.
 */
export async function mailboxSeal (
  components: BundleComponents & SpeakersComponents & { sessions: Pick<Sessions, 'seal' | 'known'> },
  log: Logger, peer: SessionPeer, item: MailboxItem, named: readonly string[], options: AbortOptions = {}
): Promise<Uint8Array | undefined> {
  const { sessions } = components
  const speaks = await speaksSessions(components, peer.peer)
  const awaited = (err: unknown): unknown => err instanceof BundleUnavailableError && err.none ? new PrekeysAwaitedError(peer.peer, { cause: err }) : err
  let bundle = async (): Promise<FetchedBundle> => fetchBundle(components, peer, named, options).catch((err: unknown) => { throw awaited(err) })
  if (!speaks) {
    let fetched: FetchedBundle
    try {
      fetched = await fetchBundle(components, peer, named, options)
    } catch (err) {
      if (!(err instanceof BundleUnavailableError) || !err.none) throw err
      log('%s has no prekeys on its relays and never said it speaks sessions: its mailbox items go under the static seal - %e', peer.peer, err.cause)
      return undefined
    }
    bundle = async () => fetched
  }
  return sessions.seal(peer, item.key, item.id, item.plaintext, bundle)
}
