/**
 * Bundles too old to start a session with (docs/security.md, "Prekeys and
 * strangers"): a prekey directory that checks every bundle it hands the
 * sessions, from a relay or from the owner, and refuses
 *
 * - one whose signed prekey (or last-resort key) is older than
 *   MAX_BUNDLE_AGE_MS: its owner may have rotated it out and deleted its
 *   secret, so a session started from it could never open (a relay that
 *   kept one dated 1970, or a retired one, and answered first made every
 *   reset fetch it again: a reset every 30 s);
 * - one whose signed prekey is older than the newest we have seen of that
 *   owner (a relay that missed a rotation, or rolls it back on purpose).
 *
 * A refusal is a failure of that source like any other (bundles.ts asks the
 * next one), never a reason for the static seal. Each bundle is verified
 * against its owner's key before its time is believed.
 */
import { peerIdFromMultihash, peerIdFromString } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import { verifyBundle } from '@parley/protocol/prekeys/client'
import { PREKEY_PQ_LAST_RESORT } from '@parley/protocol/session/constants'
import { RETIRED_KEEP_MS, ROTATE_MS } from './prekey-keeper.ts'
import type { FetchedBundle, PrekeyDirectory, PrekeyStatus, PrekeyUpload } from './directory.ts'
import type { PeerId } from '@libp2p/interface'

/**
 * A bundle whose signed prekey or last-resort key is older than this is
 * refused: an owner replaces them every ROTATE_MS while it runs and deletes a
 * replaced one's secret RETIRED_KEEP_MS later, so 28 days is the youngest a
 * key whose secret may be gone can be. (An owner offline longer than three
 * weeks is written to once it is back and its relays have new keys.)
 */
export const MAX_BUNDLE_AGE_MS = ROTATE_MS + RETIRED_KEEP_MS
/** Owners whose newest signed prekey time is remembered (in memory); the least recently seen go first. */
export const MAX_SEEN_OWNERS = 1024

/** A bundle too old to start a session with (its source is skipped, another asked). */
export class StaleBundleError extends Error {
  override name = 'StaleBundleError'
}

export interface FreshBundlesInit {
  now?: () => number
}

export class FreshPrekeyDirectory implements PrekeyDirectory {
  readonly #inner: PrekeyDirectory
  readonly #now: () => number
  /** owner PeerID → the newest signed prekey time seen in a verified bundle of its */
  readonly #newest = new Map<string, number>()

  constructor (inner: PrekeyDirectory, init: FreshBundlesInit = {}) {
    this.#inner = inner
    this.#now = init.now ?? Date.now
  }

  async status (relay: string, signal: AbortSignal): Promise<PrekeyStatus> {
    return this.#inner.status(relay, signal)
  }

  async publish (relay: string, upload: PrekeyUpload, signal: AbortSignal): Promise<PrekeyStatus> {
    return this.#inner.publish(relay, upload, signal)
  }

  async clear (relay: string, signal: AbortSignal): Promise<void> {
    await this.#inner.clear(relay, signal)
  }

  async fetch (relay: string, owner: Uint8Array, signal: AbortSignal): Promise<FetchedBundle> {
    const bundle = await this.#inner.fetch(relay, owner, signal)
    this.#check(peerIdFromMultihash(Digest.decode(owner)), bundle, relay)
    return bundle
  }

  async fromOwner (owner: string, signal: AbortSignal): Promise<FetchedBundle | undefined> {
    const bundle = await this.#inner.fromOwner(owner, signal)
    if (bundle !== undefined) this.#check(peerIdFromString(owner), bundle, 'the owner')
    return bundle
  }

  /**
   * @throws PrekeyError when the bundle is not its owner's
   * @throws StaleBundleError when it is too old, or older than the newest seen
   */
  #check (owner: PeerId, bundle: FetchedBundle, source: string): void {
    if (owner.publicKey === undefined) throw new StaleBundleError(`${owner.toString()} has no public key to check its bundle with`)
    verifyBundle(bundle, owner.publicKey.raw, owner.toMultihash().bytes)
    const key = owner.toString()
    const oldest = this.#now() - MAX_BUNDLE_AGE_MS
    const { signed, pq } = bundle
    if (signed.createdAt < oldest || (pq.kind === PREKEY_PQ_LAST_RESORT && pq.createdAt < oldest)) {
      throw new StaleBundleError(`the bundle of ${key} from ${source} was made ${new Date(Math.min(signed.createdAt, pq.createdAt)).toISOString()}, more than ${MAX_BUNDLE_AGE_MS / 86_400_000} days ago`)
    }
    const newest = this.#newest.get(key)
    if (newest !== undefined && signed.createdAt < newest) {
      throw new StaleBundleError(`the bundle of ${key} from ${source} is older than one seen before (${new Date(signed.createdAt).toISOString()} < ${new Date(newest).toISOString()})`)
    }
    this.#newest.delete(key)
    this.#newest.set(key, signed.createdAt)
    if (this.#newest.size > MAX_SEEN_OWNERS) this.#newest.delete(this.#newest.keys().next().value ?? '')
  }
}
