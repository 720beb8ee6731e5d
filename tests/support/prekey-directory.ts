/**
 * A prekey directory in memory, for the session unit tests: it keeps what the
 * relays of `/parley/prekeys/1.0.0` keep (docs/protocols.md) and follows their
 * rules — PUBLISH replaces the signed and last-resort records and adds the
 * one-time ones it does not hold, FETCH hands out a PQ one-time key (else the
 * last-resort one) and an EC one-time key if any, the lowest ids first, once each, CLEAR drops
 * everything. It checks every published record's signature as a relay does,
 * and counts the requests each relay got. No peer is connected in memory:
 * none hands out its own bundle.
 */
import { bytesToHex as hex } from '@noble/hashes/utils.js'
import { PrekeysRefusedError } from '@parley/protocol/prekeys/client'
import { PREKEY_EC_ONE_TIME, PREKEY_PQ_ONE_TIME } from '@parley/protocol/session/constants'
import { verifyPrekey } from '@parley/protocol/session/records'
import type { FetchedBundle, PrekeyDirectory, PrekeyStatus, PrekeyUpload } from '../../src/lib/p2p/sessions/directory.ts'
import type { PrekeyRecord } from '@parley/protocol/session/records'

interface Held { signed?: PrekeyRecord, lastResort?: PrekeyRecord, pq: PrekeyRecord[], ec: PrekeyRecord[] }


type Op = 'status' | 'publish' | 'clear' | 'fetch'

/** What the relays hold, shared by every user's directory (`as`). */
export class MemoryPrekeyRelays {
  /** relay → owner (hex multihash) → records */
  readonly held = new Map<string, Map<string, Held>>()
  readonly requests: Array<{ relay: string, op: Op }> = []
  /** relays that fail every request (down) */
  readonly down = new Set<string>()

  /** The directory of one user, its identity as the relays learn it from the connection. */
  as (owner: { publicKey: Uint8Array, multihash: Uint8Array }): MemoryPrekeyDirectory {
    return new MemoryPrekeyDirectory(this, owner)
  }

  of (relay: string, owner: Uint8Array): Held {
    let relayHeld = this.held.get(relay)
    if (relayHeld === undefined) { relayHeld = new Map(); this.held.set(relay, relayHeld) }
    let held = relayHeld.get(hex(owner))
    if (held === undefined) { held = { pq: [], ec: [] }; relayHeld.set(hex(owner), held) }
    return held
  }

  request (relay: string, op: Op, signal: AbortSignal): void {
    signal.throwIfAborted()
    this.requests.push({ relay, op })
    if (this.down.has(relay)) throw new Error(`${relay} is down`)
  }
}

export class MemoryPrekeyDirectory implements PrekeyDirectory {
  constructor (readonly relays: MemoryPrekeyRelays, readonly owner: { publicKey: Uint8Array, multihash: Uint8Array }) {}

  #of (relay: string, owner: Uint8Array): Held { return this.relays.of(relay, owner) }

  #request (relay: string, op: Op, signal: AbortSignal): void { this.relays.request(relay, op, signal) }

  #status (held: Held): PrekeyStatus {
    return { signedId: held.signed?.id ?? 0, lastResortId: held.lastResort?.id ?? 0, pqOneTime: held.pq.length, ecOneTime: held.ec.length }
  }

  async status (relay: string, signal: AbortSignal): Promise<PrekeyStatus> {
    this.#request(relay, 'status', signal)
    return this.#status(this.#of(relay, this.owner.multihash))
  }

  async publish (relay: string, upload: PrekeyUpload, signal: AbortSignal): Promise<PrekeyStatus> {
    this.#request(relay, 'publish', signal)
    for (const record of [upload.signed, upload.lastResort, ...upload.oneTime]) verifyPrekey(record, this.owner.publicKey, this.owner.multihash)
    const held = this.#of(relay, this.owner.multihash)
    held.signed = upload.signed
    held.lastResort = upload.lastResort
    for (const record of upload.oneTime) {
      const list = record.kind === PREKEY_PQ_ONE_TIME ? held.pq : record.kind === PREKEY_EC_ONE_TIME ? held.ec : undefined
      if (list === undefined) throw new Error(`kind ${record.kind} is not a one-time kind`)
      if (!list.some(r => r.id === record.id)) list.push(record)
    }
    return this.#status(held)
  }

  async clear (relay: string, signal: AbortSignal): Promise<void> {
    this.#request(relay, 'clear', signal)
    this.relays.held.get(relay)?.delete(hex(this.owner.multihash))
  }

  async fetch (relay: string, owner: Uint8Array, signal: AbortSignal): Promise<FetchedBundle> {
    this.#request(relay, 'fetch', signal)
    const held = this.relays.held.get(relay)?.get(hex(owner))
    if (held?.signed === undefined || held.lastResort === undefined) throw new PrekeysRefusedError('not-found', '')
    // the lowest id first, as a relay hands them out
    const lowest = (list: PrekeyRecord[]): PrekeyRecord | undefined => {
      const at = list.reduce((best, r, i) => best < 0 || r.id < (list[best]?.id ?? 0) ? i : best, -1)
      return at < 0 ? undefined : list.splice(at, 1)[0]
    }
    const pq = lowest(held.pq) ?? held.lastResort
    const ecOneTime = lowest(held.ec)
    return ecOneTime === undefined ? { signed: held.signed, pq } : { signed: held.signed, pq, ecOneTime }
  }

  async fromOwner (_owner: string, signal: AbortSignal): Promise<FetchedBundle | undefined> {
    signal.throwIfAborted()
    return undefined
  }

  /** What `relay` holds of `owner` now. */
  statusOf (relay: string, owner: Uint8Array = this.owner.multihash): PrekeyStatus {
    return this.#status(this.#of(relay, owner))
  }
}
