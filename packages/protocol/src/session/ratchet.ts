/**
 * The Double Ratchet (signal.org/docs/specifications/doubleratchet) made
 * hybrid as SimpleX's PQDR (simplexmq protocol/pqdr.md): every DH ratchet
 * step also mixes in an ML-KEM-768 shared secret, `KDF_RK(rk, dh ‖ kemSs)`.
 *
 * Pure: a function takes a state and returns a new one; the state given is
 * never changed. Decrypting works on a copy and returns the copy only when
 * the message opened (DR §3.5), so a refused message (tampered, replayed,
 * too far ahead) leaves the caller's state exactly as it was.
 *
 * KEM state machine (PQDR): the initiator's first sending chain only
 * proposes her KEM public key (its PQ strength comes from PQXDH); every
 * later step is "accepted": the sender encapsulates to the peer's last KEM
 * public key, mixes the secret into the root step, and announces a new public
 * key of its own. Every header of a chain repeats the chain's KEM fields, so
 * any one message of it lets the receiver take the step; a sender that knows
 * the receiver holds the chain may leave them out (`EncryptOptions.kem`): a
 * message on a chain the receiver holds needs none, and one that starts a
 * chain without them is refused.
 *
 * Randomness comes from `random` (default: the platform's CSPRNG) so that a
 * test can replay a session exactly (the frozen transcript).
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { x25519 } from '@noble/curves/ed25519.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { ml_kem768 as mlKem768 } from '@noble/post-quantum/ml-kem.js'
import { encodeHeader, headerFlags } from './box.ts'
import {
  FLAG_PADDED, ITEM_ID_BYTES, KEM_SEED_BYTES, KEM_SECRET_BYTES, KEY_BYTES, MAX_COUNTER, MAX_PLAINTEXT_BYTES, MAX_RECEIVING_CHAINS, MAX_SKIP,
  MAX_SKIPPED_KEYS, NONCE_BYTES, SKIPPED_KEY_TTL_MS, TAG_BYTES
} from './constants.ts'
import { DuplicateMessageError, SessionDecryptError, SessionStateError, TooManySkippedError } from './errors.ts'
import { aeadKey, kdfCk, kdfRk } from './kdf.ts'
import { forgetKemSecret, kemKeys, kemPublicKeyValid, kemSecretKey } from './kem-keys.ts'
import { pad, unpad } from './padding.ts'
import { cloneState, concat, equal } from './ratchet-state.ts'
import type { Header } from './box.ts'
import type { PadPolicy } from './padding.ts'
import type { Encrypted, Decrypted, KemKeyPair, Random, RatchetMessage, RatchetState, ReceivingChain, SkippedKey, StepAhead } from './ratchet-state.ts'

export type { Decrypted, Encrypted, KemKeyPair, PendingStep, Random, RatchetMessage, RatchetState, ReceivingChain, SkippedKey, StepAhead } from './ratchet-state.ts'
export { cloneState } from './ratchet-state.ts'

function newKem (random: Random): KemKeyPair {
  const seed = random(KEM_SEED_BYTES)
  return { seed, publicKey: kemKeys(seed).publicKey }
}

function dh (secret: Uint8Array, publicKey: Uint8Array): Uint8Array {
  try {
    return x25519.getSharedSecret(secret, publicKey)
  } catch {
    throw new SessionDecryptError('the peer\'s ratchet key is not a usable X25519 key')
  }
}

/**
 * The initiator's state (DR §3.3 RatchetInitAlice): a new ratchet key, a
 * first sending chain from DH(ratchet key, Bob's signed prekey), and a
 * KEM key pair proposed in its headers.
 */
export function initiatorState (sharedKey: Uint8Array, ad: Uint8Array, theirSignedPrekey: Uint8Array, random: Random = randomBytes): RatchetState {
  const dhSecret = random(KEY_BYTES)
  const dhOut = dh(dhSecret, theirSignedPrekey)
  const step = kdfRk(sharedKey, dhOut, new Uint8Array(0))
  dhOut.fill(0)
  return {
    ad: ad.slice(),
    rootKey: step.rootKey,
    dhSecret,
    dhPublic: x25519.getPublicKey(dhSecret),
    sendChainKey: step.chainKey,
    sendN: 0,
    previousN: 0,
    sendKemCiphertext: null,
    ourKem: newKem(random),
    theirKem: null,
    receiving: [],
    skipped: []
  }
}

/** The responder's state (DR §3.3 RatchetInitBob): its signed prekey is its first ratchet key; it sends after it has received. */
export function responderState (sharedKey: Uint8Array, ad: Uint8Array, signedPrekeySecret: Uint8Array): RatchetState {
  return {
    ad: ad.slice(),
    rootKey: sharedKey.slice(),
    dhSecret: signedPrekeySecret.slice(),
    dhPublic: x25519.getPublicKey(signedPrekeySecret),
    sendChainKey: null,
    sendN: 0,
    previousN: 0,
    sendKemCiphertext: null,
    ourKem: null,
    theirKem: null,
    receiving: [],
    skipped: []
  }
}

/** The AEAD's associated data of one message: session AD · item id · the box's flags but the init's (KEM fields, padding) · header. */
export function messageAd (ad: Uint8Array, itemId: Uint8Array, header: Header, padded = false): Uint8Array {
  return concat(ad, itemId, Uint8Array.of(headerFlags(header) | (padded ? FLAG_PADDED : 0)), encodeHeader(header))
}

export interface EncryptOptions {
  /**
   * false: the header leaves out the chain's KEM fields (2,272 bytes), for a
   * receiver known to hold this sending chain already (it answered a message
   * of it after storing it); it cannot start the chain from this message.
   * @default true
   */
  kem?: boolean
  /** the X25519 half of a pending step's sending half, computed ahead (`StepAhead`) */
  step?: StepAhead | undefined
  /**
   * pad the plaintext so that the box comes to its bucket under `policy`
   * (padding.ts); `initBytes`, what the box's init weighs (0 without one).
   * Without it the box goes unpadded (the frozen transcript's boxes).
   */
  pad?: { policy: PadPolicy, initBytes: number }
}

/**
 * Encrypts one message (DR §3.4 RatchetEncrypt) for the item `itemId`.
 *
 * @throws SessionStateError when the state has no sending chain yet (a
 * responder that has received nothing) or its counter ran out
 */
export function ratchetEncrypt (state: RatchetState, plaintext: Uint8Array, itemId: Uint8Array, random: Random = randomBytes, options: EncryptOptions = {}): Encrypted {
  if (plaintext.byteLength > MAX_PLAINTEXT_BYTES) throw new SessionStateError(`a box carries at most ${MAX_PLAINTEXT_BYTES} bytes, not ${plaintext.byteLength}`)
  const next = cloneState(state)
  completeStep(next, options.step)
  if (next.sendChainKey === null) throw new SessionStateError('this session cannot send before it has received a message')
  if (next.ourKem === null) throw new SessionStateError('this session has no KEM key to announce')
  if (next.sendN > MAX_COUNTER) throw new SessionStateError('this sending chain is used up; the session must be reset')
  const step = kdfCk(next.sendChainKey)
  const header: Header = { dh: next.dhPublic.slice(), pn: next.previousN, n: next.sendN }
  if (options.kem !== false) {
    header.kemPublic = next.ourKem.publicKey.slice()
    if (next.sendKemCiphertext !== null) header.kemCiphertext = next.sendKemCiphertext.slice()
  }
  next.sendChainKey = step.chainKey
  next.sendN += 1
  const nonce = random(NONCE_BYTES)
  const key = aeadKey(step.messageKey)
  // the whole box but its plaintext: version, item id, flags, init, header, nonce, tag
  const padded = options.pad === undefined ? undefined : pad(plaintext, 1 + ITEM_ID_BYTES + 1 + options.pad.initBytes + encodeHeader(header).byteLength + NONCE_BYTES + TAG_BYTES, options.pad.policy)
  const ciphertext = xchacha20poly1305(key, nonce, messageAd(next.ad, itemId, header, padded !== undefined)).encrypt(padded ?? plaintext)
  key.fill(0)
  step.messageKey.fill(0)
  return { state: next, message: padded === undefined ? { header, nonce, ciphertext } : { header, nonce, ciphertext, padded: true } }
}

export interface DecryptOptions {
  /** the time now, in ms since the epoch: expires skipped keys, and stamps new ones */
  now: number
  random?: Random
  /** DH(our ratchet secret, the header's key) computed ahead (web-x25519.ts), for a message that takes a step (`stepNeeded`) */
  stepDh?: Uint8Array
}

/** Whether opening `header` takes a DH step whose DH `stepDh` may bring: a new key of the peer's, and no step of ours pending. */
export function stepNeeded (state: RatchetState, header: Header): boolean {
  return state.pending == null && !state.receiving.some(r => equal(r.dh, header.dh)) && !state.skipped.some(k => k.n === header.n && equal(k.dh, header.dh))
}

function open (state: RatchetState, messageKey: Uint8Array, itemId: Uint8Array, message: RatchetMessage): Uint8Array {
  const key = aeadKey(messageKey)
  try {
    const plaintext = xchacha20poly1305(key, message.nonce, messageAd(state.ad, itemId, message.header, message.padded === true)).decrypt(message.ciphertext)
    return message.padded === true ? unpad(plaintext) : plaintext
  } catch (err) {
    if (err instanceof SessionDecryptError) throw err
    throw new SessionDecryptError('the message does not open: it was altered, or it belongs to another session')
  } finally {
    key.fill(0)
    messageKey.fill(0)
  }
}

/** Derives and keeps the keys of messages `chain.n` to `until - 1` of a chain (DR §3.5 SkipMessageKeys). */
function skip (s: RatchetState, chain: ReceivingChain, until: number, now: number): void {
  while (chain.n < until) {
    const step = kdfCk(chain.chainKey)
    s.skipped.push({ dh: chain.dh.slice(), n: chain.n, messageKey: step.messageKey, expiresAt: now + SKIPPED_KEY_TTL_MS })
    chain.chainKey = step.chainKey
    chain.n += 1
  }
  const over = s.skipped.length - MAX_SKIPPED_KEYS
  if (over > 0) s.skipped.splice(0, over).forEach(k => k.messageKey.fill(0))
}

/** Takes the next message key of a chain, which must be at message `n`. */
function nextKey (chain: ReceivingChain): Uint8Array {
  const step = kdfCk(chain.chainKey)
  chain.chainKey = step.chainKey
  chain.n += 1
  return step.messageKey
}

/**
 * The KEM secret of a peer's new chain: decapsulated with our last key, or
 * empty for the initiator's first chain (received by a responder that has
 * no KEM key yet). Any other combination is refused, so a peer cannot drop
 * the KEM from a step once both sides have keys.
 */
function kemSecret (s: RatchetState, header: Header): Uint8Array {
  if (header.kemPublic === undefined) throw new SessionDecryptError('the message carries no KEM public key for the next step')
  if (s.ourKem === null) {
    if (header.kemCiphertext !== undefined) throw new SessionDecryptError('the message carries a KEM ciphertext to a key this session never announced')
    return new Uint8Array(0)
  }
  if (header.kemCiphertext === undefined) throw new SessionDecryptError('the message starts a chain without a KEM ciphertext')
  try {
    return mlKem768.decapsulate(header.kemCiphertext, kemSecretKey(s.ourKem.seed))
  } catch {
    throw new SessionDecryptError('the KEM ciphertext does not fit our key')
  }
}

/**
 * DR §3.5 DHRatchet, with PQDR's KEM: a receiving chain for the peer's new
 * key, then a new sending chain of ours. The second half's randomness is
 * drawn here, as the specification's order has it; its computation (our new
 * ratchet key and KEM key pair, the root step) waits in `pending` until it is
 * needed, so that opening a message does not pay for the next send.
 */
function dhRatchet (s: RatchetState, header: Header, random: Random, stepDh?: Uint8Array): ReceivingChain {
  // computed ahead with the ratchet secret we have now; not if a pending step changes it
  const ahead = s.pending == null ? stepDh : undefined
  // a step still pending (a peer that starts two chains before we send) is finished first, as it would have been
  completeStep(s)
  const receivedDh = ahead?.slice() ?? dh(s.dhSecret, header.dh)
  const receivedSs = kemSecret(s, header)
  const received = kdfRk(s.rootKey, receivedDh, receivedSs)
  receivedDh.fill(0)
  receivedSs.fill(0)
  const chain: ReceivingChain = { dh: header.dh.slice(), chainKey: received.chainKey, n: 0 }
  s.receiving.push(chain)
  if (s.receiving.length > MAX_RECEIVING_CHAINS) s.receiving.splice(0, s.receiving.length - MAX_RECEIVING_CHAINS).forEach(r => r.chainKey.fill(0))
  s.theirKem = (header.kemPublic ?? new Uint8Array(0)).slice()
  // checked now (FIPS 203's check of an encapsulation key), encapsulated to with the sending half
  if (!kemPublicKeyValid(s.theirKem)) throw new SessionDecryptError('the peer\'s KEM public key is not a valid ML-KEM-768 key')
  s.rootKey.fill(0)
  s.rootKey = received.rootKey
  s.pending = { theirDh: header.dh.slice(), kemRandom: random(KEM_SECRET_BYTES), dhSecret: random(KEY_BYTES), kemSeed: random(KEM_SEED_BYTES) }
  return chain
}

/**
 * Computes the sending half of a pending step (in `s`, a copy the caller
 * owns): our new ratchet key, the root step, our new KEM key pair. Its two
 * X25519 operations come from `ahead` when that was computed for this step.
 */
function completeStep (s: RatchetState, ahead?: StepAhead): void {
  const pending = s.pending
  if (pending == null) return
  const fits = ahead !== undefined && equal(ahead.dhSecret, pending.dhSecret) && equal(ahead.theirDh, pending.theirDh)
  s.dhSecret.fill(0)
  s.dhSecret = pending.dhSecret
  s.dhPublic = fits ? ahead.dhPublic.slice() : x25519.getPublicKey(s.dhSecret)
  const encapsulated = mlKem768.encapsulate(s.theirKem ?? new Uint8Array(0), pending.kemRandom)
  const sentDh = fits ? ahead.dh.slice() : dh(s.dhSecret, pending.theirDh)
  const sent = kdfRk(s.rootKey, sentDh, encapsulated.sharedSecret)
  sentDh.fill(0)
  encapsulated.sharedSecret.fill(0)
  pending.kemRandom.fill(0)
  s.rootKey.fill(0)
  s.rootKey = sent.rootKey
  s.previousN = s.sendN
  s.sendN = 0
  s.sendChainKey = sent.chainKey
  s.sendKemCiphertext = encapsulated.cipherText
  // the key pair this step replaces decapsulates nothing more: its secret leaves the cache
  if (s.ourKem !== null) forgetKemSecret(s.ourKem.seed)
  s.ourKem = { seed: pending.kemSeed, publicKey: kemKeys(pending.kemSeed).publicKey }
  s.pending = null
}

/**
 * The state as it is safe to store while keys `state.sendN` to `until - 1` of
 * the sending chain may still be used from memory: its sending chain moved on
 * to message `until` (those keys derived and dropped). A node that restarts
 * from it never uses one of them again; the peer keeps them as skipped keys.
 * A state with a pending step, or already at `until`, is given back as it is.
 */
export function reserveSending (state: RatchetState, until: number): RatchetState {
  if (state.pending != null || state.sendChainKey === null || until <= state.sendN) return state
  if (until > MAX_COUNTER + 1) throw new SessionStateError('this sending chain is used up; the session must be reset')
  const next = cloneState(state)
  let chainKey = next.sendChainKey ?? new Uint8Array(0)
  for (let n = next.sendN; n < until; n++) {
    const step = kdfCk(chainKey)
    step.messageKey.fill(0)
    chainKey.fill(0)
    chainKey = step.chainKey
  }
  next.sendChainKey = chainKey
  next.sendN = until
  return next
}

/**
 * The state with a pending step's sending half computed: what the next send
 * would do first, done ahead (in idle time) so that the send does not wait
 * for it; its X25519 half from `ahead` when given for this step. The given
 * state is not changed.
 */
export function settleStep (state: RatchetState, ahead?: StepAhead): RatchetState {
  if (state.pending == null) return state
  const next = cloneState(state)
  completeStep(next, ahead)
  return next
}

/** `message` opened with `messageKey` (zeroed after), with the state past it and a copy of the key as the skipped key `at`. */
function opened (s: RatchetState, messageKey: Uint8Array, at: Omit<SkippedKey, 'messageKey'>, itemId: Uint8Array, message: RatchetMessage): Decrypted {
  const used: SkippedKey = { dh: at.dh.slice(), n: at.n, messageKey: messageKey.slice(), expiresAt: at.expiresAt }
  try {
    return { state: s, plaintext: open(s, messageKey, itemId, message), used }
  } catch (err) {
    used.messageKey.fill(0)
    throw err
  }
}

/**
 * Decrypts one message (DR §3.5 RatchetDecrypt) of the item `itemId`.
 * Returns the new state and the plaintext; on any error the given state is
 * untouched and stays the one to keep.
 *
 * @throws DuplicateMessageError when the message was opened before, or its key expired or was dropped
 * @throws TooManySkippedError when it would skip more than MAX_SKIP keys
 * @throws SessionDecryptError when it does not open (altered, another session, a bad KEM field)
 */
export function ratchetDecrypt (state: RatchetState, message: RatchetMessage, itemId: Uint8Array, options: DecryptOptions): Decrypted {
  const { header } = message
  const s = cloneState(state)
  s.skipped = s.skipped.filter(k => k.expiresAt > options.now)
  const skippedAt = s.skipped.findIndex(k => k.n === header.n && equal(k.dh, header.dh))
  if (skippedAt >= 0) {
    const [found] = s.skipped.splice(skippedAt, 1)
    if (found === undefined) throw new SessionStateError('a skipped key vanished')
    return opened(s, found.messageKey, { dh: found.dh, n: found.n, expiresAt: found.expiresAt }, itemId, message)
  }
  let chain = s.receiving.find(r => equal(r.dh, header.dh))
  if (chain !== undefined) {
    if (header.n < chain.n) throw new DuplicateMessageError(`message ${header.n} of this chain was opened before, or its key expired`)
    if (header.n - chain.n > MAX_SKIP) throw new TooManySkippedError(header.n - chain.n, MAX_SKIP)
  } else {
    const current = s.receiving.at(-1)
    const rest = current === undefined ? 0 : Math.max(0, header.pn - current.n)
    if (rest + header.n > MAX_SKIP) throw new TooManySkippedError(rest + header.n, MAX_SKIP)
    if (current !== undefined) skip(s, current, header.pn, options.now)
    chain = dhRatchet(s, header, options.random ?? randomBytes, options.stepDh)
  }
  skip(s, chain, header.n, options.now)
  return opened(s, nextKey(chain), { dh: chain.dh, n: header.n, expiresAt: options.now + SKIPPED_KEY_TTL_MS }, itemId, message)
}
