/**
 * Shared by the session tests: deterministic randomness, people with
 * identities and prekeys, a session set up between two of them, and the
 * bytes of a state (to check that a refused message changed nothing).
 */
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, concatBytes } from '@noble/hashes/utils.js'
import { ml_kem768 as mlKem768 } from '@noble/post-quantum/ml-kem.js'
import { PREKEY_EC_ONE_TIME, PREKEY_PQ_ONE_TIME, PREKEY_SIGNED_EC } from '../../src/session/constants.ts'
import { initiate, respond } from '../../src/session/pqxdh.ts'
import { ratchetDecrypt, ratchetEncrypt } from '../../src/session/ratchet.ts'
import { signPrekey } from '../../src/session/records.ts'
import type { Identity, PrekeyBundle, ResponderPrekeys } from '../../src/session/pqxdh.ts'
import type { Random, RatchetMessage, RatchetState } from '../../src/session/ratchet.ts'

export const text = (s: string): Uint8Array => new TextEncoder().encode(s)
export const CREATED_AT = 1_790_000_000_000
/** A fixed "now" for decrypts, in ms. */
export const NOW = 1_790_000_100_000

/**
 * A deterministic byte source: block i is SHA-256(label · u32 i), and draws
 * take whole or partial blocks in order. Not a CSPRNG for real use; tests only.
 */
export function seededRandom (label: string): Random & { drawn: Uint8Array[] } {
  let counter = 0
  const drawn: Uint8Array[] = []
  const random = (length: number): Uint8Array => {
    const out = new Uint8Array(length)
    for (let at = 0; at < length; at += 32) {
      const block = sha256(concatBytes(text(label), Uint8Array.of(counter >>> 24, (counter >>> 16) & 0xff, (counter >>> 8) & 0xff, counter & 0xff)))
      counter += 1
      out.set(block.subarray(0, Math.min(32, length - at)), at)
    }
    drawn.push(out.slice())
    return out
  }
  return Object.assign(random, { drawn })
}

/** Replays recorded draws in order (another client's view of the transcript). */
export function replayRandom (draws: Uint8Array[]): Random {
  let i = 0
  return (length: number): Uint8Array => {
    const next = draws[i++]
    if (next?.byteLength !== length) throw new Error(`draw ${i - 1}: wanted ${length} bytes, recorded ${next?.byteLength ?? 'none'}`)
    return next.slice()
  }
}

export interface Person extends Identity {
  name: string
  /** this person's prekeys' secrets, and the bundle others fetch */
  prekeys: ResponderPrekeys
  bundle: PrekeyBundle
}

/** The identity multihash of an Ed25519 public key (a PeerID's bytes). */
export function multihashOf (publicKey: Uint8Array): Uint8Array {
  return peerIdFromPublicKey(publicKeyFromRaw(publicKey)).toMultihash().bytes
}

/** A person whose keys all come from `random`: identity, signed prekey, PQ one-time prekey and (unless `oneTime` is false) an EC one-time prekey. */
export function person (name: string, random: Random, oneTime = true): Person {
  const secret = random(32)
  const publicKey = ed25519.getPublicKey(secret)
  const multihash = multihashOf(publicKey)
  const spkSecret = random(32)
  const pqSeed = random(64)
  const opkSecret = random(32)
  const sign = (kind: 1 | 3 | 4, id: number, pub: Uint8Array): ReturnType<typeof signPrekey> => signPrekey(secret, multihash, kind, id, CREATED_AT, pub)
  const bundle: PrekeyBundle = {
    signedPrekey: sign(PREKEY_SIGNED_EC, 7, x25519.getPublicKey(spkSecret)),
    pqPrekey: sign(PREKEY_PQ_ONE_TIME, 11, mlKem768.keygen(pqSeed).publicKey)
  }
  const prekeys: ResponderPrekeys = { signedPrekeySecret: spkSecret, pqPrekeySeed: pqSeed }
  if (oneTime) {
    bundle.oneTimePrekey = sign(PREKEY_EC_ONE_TIME, 13, x25519.getPublicKey(opkSecret))
    prekeys.oneTimePrekeySecret = opkSecret
  }
  return { name, secret, publicKey, multihash, prekeys, bundle }
}

/** A 16-byte item id from a number. */
export function itemId (i: number): Uint8Array {
  return sha256(text(`item ${i}`)).slice(0, 16)
}

export interface Pair { alice: RatchetState, bob: RatchetState, random: Random }

/**
 * Alice starts a session with Bob from his bundle and sends a first message,
 * which Bob opens (PQXDH on his side, then the ratchet). Both states are ready
 * to send.
 */
export function pair (seed = 'pair'): Pair {
  const random = seededRandom(seed)
  const alice = person('alice', random)
  const bob = person('bob', random)
  const started = initiate(alice, bob, bob.bundle, random)
  const first = ratchetEncrypt(started.state, text('hello'), itemId(0), random)
  const answered = respond(bob, alice, started.init, bob.prekeys)
  const opened = ratchetDecrypt(answered.state, first.message, itemId(0), { now: NOW, random })
  return { alice: first.state, bob: opened.state, random }
}

/** A state as bytes (every field, in a fixed order): equal bytes, equal state. */
export function stateBytes (state: RatchetState): string {
  const hex = (b: Uint8Array | null): string => b === null ? '-' : bytesToHex(b)
  return JSON.stringify([
    hex(state.ad), hex(state.rootKey), hex(state.dhSecret), hex(state.dhPublic), hex(state.sendChainKey), state.sendN, state.previousN,
    hex(state.sendKemCiphertext), state.ourKem === null ? '-' : [hex(state.ourKem.seed), hex(state.ourKem.publicKey)], hex(state.theirKem),
    state.receiving.map(r => [hex(r.dh), hex(r.chainKey), r.n]), state.skipped.map(k => [hex(k.dh), k.n, hex(k.messageKey), k.expiresAt]),
    state.pending == null ? '-' : [hex(state.pending.theirDh), hex(state.pending.kemRandom), hex(state.pending.dhSecret), hex(state.pending.kemSeed)]
  ])
}

/** Sends `count` messages numbered from `from`; returns the new state and the messages with their item ids and texts. */
export function sendMany (state: RatchetState, count: number, from: number, random: Random): { state: RatchetState, sent: Array<{ id: Uint8Array, plaintext: Uint8Array, message: RatchetMessage }> } {
  const sent: Array<{ id: Uint8Array, plaintext: Uint8Array, message: RatchetMessage }> = []
  let s = state
  for (let i = from; i < from + count; i++) {
    const plaintext = text(`message ${i}`)
    const out = ratchetEncrypt(s, plaintext, itemId(i), random)
    s = out.state
    sent.push({ id: itemId(i), plaintext, message: out.message })
  }
  return { state: s, sent }
}
