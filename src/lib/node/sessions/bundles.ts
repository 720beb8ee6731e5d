/**
 * What chat and group boxes share (docs/protocols.md, "Sessions", "Through
 * mailboxes"): fetching a peer's prekey bundle from its relays, and the box
 * of a mailbox item, kept so that every relay and every retry gets the same
 * bytes.
 */
import { mailboxRelaysOf } from '../messaging/courier.ts'
import { PREKEY_REQUEST_TIMEOUT_MS } from './prekey-keeper.ts'
import type { ContactBook } from '../contacts/book.ts'
import type { RelayList } from '../relays/relay-list.ts'
import type { FetchedBundle, PrekeyDirectory } from './directory.ts'
import type { Sessions, SessionPeer } from './sessions.ts'
import type { AbortOptions, Logger } from '@libp2p/interface'

export interface BundleComponents {
  contactBook: Pick<ContactBook, 'byPeerId'>
  prekeyDirectory: Pick<PrekeyDirectory, 'fetch'>
  relayList: Pick<RelayList, 'active'>
}

/**
 * A bundle of `peer`'s prekeys, the first that answers of: `named` (the
 * mailbox relays it named, as a group member does), the relays of its contact
 * row's addresses, ours.
 */
export async function fetchBundle (components: BundleComponents, peer: SessionPeer, named: readonly string[], options: AbortOptions): Promise<FetchedBundle> {
  const { contactBook, relayList, prekeyDirectory } = components
  const contact = await contactBook.byPeerId(peer.peer)
  const theirs = contact === undefined ? [] : mailboxRelaysOf(contact)
  const relays = [...new Set([...named, ...theirs, ...relayList.active()])]
  let failure: unknown = new Error(`no relay to fetch the prekeys of ${peer.peer} from`)
  for (const relay of relays) {
    const signal = AbortSignal.any([AbortSignal.timeout(PREKEY_REQUEST_TIMEOUT_MS), ...(options.signal === undefined ? [] : [options.signal])])
    try {
      return await prekeyDirectory.fetch(relay, peer.multihash, signal)
    } catch (err) {
      options.signal?.throwIfAborted()
      failure = err
    }
  }
  throw failure
}

/** An item for a mailbox: the key its box is kept under, its 16-byte id, and what the box carries. */
export interface MailboxItem {
  key: string
  id: Uint8Array
  plaintext: Uint8Array
}

/**
 * The box of `item` for `peer`'s mailboxes, kept (the same bytes on every
 * relay and every retry), or undefined when `peer` has no sessions as far as
 * we know (no session ever, and no bundle of its on the relays): then the
 * item goes as it is, under the static seal. Once we have had a session with
 * `peer`, only boxes go to it (a bundle that cannot be fetched then is an
 * error: the item waits).
 */
export async function mailboxSeal (
  components: BundleComponents & { sessions: Pick<Sessions, 'seal' | 'known'> },
  log: Logger, peer: SessionPeer, item: MailboxItem, named: readonly string[], options: AbortOptions = {}
): Promise<Uint8Array | undefined> {
  const { sessions } = components
  let bundle = async (): Promise<FetchedBundle> => fetchBundle(components, peer, named, options)
  if (!await sessions.known(peer.peer)) {
    let fetched: FetchedBundle
    try {
      fetched = await bundle()
    } catch (err) {
      options.signal?.throwIfAborted()
      log('no prekeys of %s found: its mailbox items go under the static seal - %e', peer.peer, err)
      return undefined
    }
    bundle = async () => fetched
  }
  return sessions.seal(peer, item.key, item.id, item.plaintext, bundle)
}
