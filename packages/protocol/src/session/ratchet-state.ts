/**
 * The Double Ratchet's state (ratchet.ts) as plain data: what a session
 * stores, and the deep copy every step works on.
 */
import type { Header } from './box.ts'

/** A source of random bytes. */
export type Random = (length: number) => Uint8Array

/** An ML-KEM-768 key pair, kept as its seed (the secret key is regenerated from it when needed). */
export interface KemKeyPair { seed: Uint8Array, publicKey: Uint8Array }

/** A chain we receive on: the peer's ratchet key, the next chain key, and the next message number. */
export interface ReceivingChain { dh: Uint8Array, chainKey: Uint8Array, n: number }

/** The key of a message we have not received yet, kept until it arrives or expires. */
export interface SkippedKey { dh: Uint8Array, n: number, messageKey: Uint8Array, expiresAt: number }

/**
 * A DH step whose sending half is not computed yet: what the receiving half
 * decided and drew (the peer's ratchet key, the randomness of the KEM
 * encapsulation to its new key, our next ratchet secret and KEM seed). The sending half (our new
 * ratchet key, the root step with it, our new KEM key pair) is computed when
 * it is first needed: before the next send, or before another step.
 */
export interface PendingStep { theirDh: Uint8Array, kemRandom: Uint8Array, dhSecret: Uint8Array, kemSeed: Uint8Array }

/**
 * The X25519 half of a pending step's sending half, computed ahead (in
 * WebCrypto, web-x25519.ts): our new ratchet key's public half and its DH with
 * the peer's key. Used only by the step whose secret and peer key it names.
 */
export interface StepAhead { dhSecret: Uint8Array, theirDh: Uint8Array, dhPublic: Uint8Array, dh: Uint8Array }

/** One side of a session. Plain data (Uint8Arrays and numbers), so it stores and clones as it is. */
export interface RatchetState {
  /** the session's associated data (PQXDH's AD), bound into every message */
  ad: Uint8Array
  rootKey: Uint8Array
  /** our current ratchet key pair (DHs) */
  dhSecret: Uint8Array
  dhPublic: Uint8Array
  /** the sending chain key (CKs); null until the responder has received a message */
  sendChainKey: Uint8Array | null
  /** the next message number in the sending chain (Ns) */
  sendN: number
  /** the length of the previous sending chain (PN) */
  previousN: number
  /** the KEM ciphertext every header of the current sending chain carries; null on the initiator's first chain */
  sendKemCiphertext: Uint8Array | null
  /** our KEM key pair for the peer's next step; null on a responder before its first step */
  ourKem: KemKeyPair | null
  /** the peer's last KEM public key */
  theirKem: Uint8Array | null
  /** receiving chains, oldest first, the current one last; at most MAX_RECEIVING_CHAINS */
  receiving: ReceivingChain[]
  /** skipped-message keys, oldest first; at most MAX_SKIPPED_KEYS */
  skipped: SkippedKey[]
  /** the sending half of the last step, when not computed yet (absent in states stored before it existed) */
  pending?: PendingStep | null
}

/** What one message is, before box.ts puts it on the wire. */
/** One message: `padded`, its plaintext ends in padding (padding.ts; box flag 0x08, in the associated data). */
export interface RatchetMessage { header: Header, nonce: Uint8Array, ciphertext: Uint8Array, padded?: boolean }

export interface Encrypted { state: RatchetState, message: RatchetMessage }
export interface Decrypted {
  state: RatchetState
  plaintext: Uint8Array
  /**
   * The key that opened the message, as a skipped key (a copy): kept as one
   * by whoever stores `state`, or a later state, before the message itself
   * is stored, so that the message opens again if it has to.
   */
  used: SkippedKey
}

/** Constant-time equality of two byte arrays. */
export function equal (a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  let diff = 0
  for (let i = 0; i < a.byteLength; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0)
  return diff === 0
}

export function concat (...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.byteLength, 0))
  let at = 0
  for (const p of parts) { out.set(p, at); at += p.byteLength }
  return out
}

/** A deep copy of a state: nothing in it shares memory with the original. */
export function cloneState (state: RatchetState): RatchetState {
  const c = (b: Uint8Array): Uint8Array => b.slice()
  return {
    ad: c(state.ad),
    rootKey: c(state.rootKey),
    dhSecret: c(state.dhSecret),
    dhPublic: c(state.dhPublic),
    sendChainKey: state.sendChainKey === null ? null : c(state.sendChainKey),
    sendN: state.sendN,
    previousN: state.previousN,
    sendKemCiphertext: state.sendKemCiphertext === null ? null : c(state.sendKemCiphertext),
    ourKem: state.ourKem === null ? null : { seed: c(state.ourKem.seed), publicKey: c(state.ourKem.publicKey) },
    theirKem: state.theirKem === null ? null : c(state.theirKem),
    receiving: state.receiving.map(r => ({ dh: c(r.dh), chainKey: c(r.chainKey), n: r.n })),
    skipped: state.skipped.map(k => ({ dh: c(k.dh), n: k.n, messageKey: c(k.messageKey), expiresAt: k.expiresAt })),
    pending: state.pending == null ? null : { theirDh: c(state.pending.theirDh), kemRandom: c(state.pending.kemRandom), dhSecret: c(state.pending.dhSecret), kemSeed: c(state.pending.kemSeed) }
  }
}
