/**
 * PQXDH (signal.org/docs/specifications/pqxdh, revision 2) with curve X25519,
 * hash SHA-256, KEM ML-KEM-768 and info PQXDH_INFO, then the first ratchet
 * state of each side (ratchet.ts).
 *
 * Identity keys are Parley's Ed25519 identities: they sign the prekeys
 * (records.ts) and take part in the DH in their X25519 form
 * (`ed25519.utils.toMontgomery`/`toMontgomerySecret`, as the mailbox seal
 * does), so no XEdDSA is needed. Unlike Signal's initial message, an init
 * does not carry IK_A: the responder knows the sender's identity from the
 * mailbox seal or the Noise connection the box came on, and a box from
 * anyone else does not open (AD and DH1 bind IK_A).
 *
 *     DH1 = DH(IK_A, SPK_B)  DH2 = DH(EK_A, IK_B)  DH3 = DH(EK_A, SPK_B)  [DH4 = DH(EK_A, OPK_B)]
 *     (CT, SS) = ML-KEM-768.Encaps(PQPK_B)
 *     SK = HKDF(salt = 0^32, ikm = 0xFF^32 · DH1 · DH2 · DH3 [· DH4] · SS, info = PQXDH_INFO, 32)
 *     AD = EncodeEC(IK_A) · EncodeEC(IK_B) · PeerID multihash of A · of B    (PQXDH §3.3, §4.10)
 *
 * EncodeEC(pk) = 0x01 · pk (32). A prekey's signature covers its kind byte
 * (records.ts), which keeps EC and KEM keys' signed encodings disjoint as
 * EncodeEC/EncodeKEM must be (PQXDH §2.5). The initiator checks every
 * prekey signature before using a key. Deleting a one-time prekey once used,
 * and remembering EK_A for inits made from last-resort keys only (PQXDH
 * §4.3), is the key store's work.
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { ml_kem768 as mlKem768 } from '@noble/post-quantum/ml-kem.js'
import {
  ENCODE_EC_PREFIX, KEM_SECRET_BYTES, KEY_BYTES, PQXDH_INFO, PREKEY_EC_ONE_TIME, PREKEY_PQ_LAST_RESORT,
  PREKEY_PQ_ONE_TIME, PREKEY_SIGNED_EC
} from './constants.ts'
import { PrekeyError, SessionDecryptError } from './errors.ts'
import { kdf } from './kdf.ts'
import { initiatorState, responderState } from './ratchet.ts'
import { verifyPrekey } from './records.ts'
import type { Init } from './box.ts'
import type { Random, RatchetState } from './ratchet.ts'
import type { PrekeyRecord } from './records.ts'

/** Our identity: the Ed25519 secret key (32-byte seed), its public key and our PeerID multihash. */
export interface Identity { secret: Uint8Array, publicKey: Uint8Array, multihash: Uint8Array }

/** The peer's identity: its Ed25519 public key and PeerID multihash. */
export interface PeerIdentity { publicKey: Uint8Array, multihash: Uint8Array }

/** What the initiator fetched for the responder: its signed prekey, a PQ prekey (one-time, else last-resort), maybe an EC one-time prekey. */
export interface PrekeyBundle {
  signedPrekey: PrekeyRecord
  pqPrekey: PrekeyRecord
  oneTimePrekey?: PrekeyRecord
}

/** The secret halves of the prekeys an init names, looked up by the responder. */
export interface ResponderPrekeys {
  signedPrekeySecret: Uint8Array
  /** the ML-KEM-768 key pair's 64-byte seed */
  pqPrekeySeed: Uint8Array
  /** present exactly when the init names a one-time EC prekey */
  oneTimePrekeySecret?: Uint8Array
}

export interface Agreement {
  /** the ratchet state to keep */
  state: RatchetState
  /** SK, for tests and the frozen transcript; the ratchet already holds what it needs */
  sharedKey: Uint8Array
  /** AD, bound into every message of the session */
  ad: Uint8Array
}

export interface Initiated extends Agreement {
  /** what the initiator's boxes carry until she hears back */
  init: Init
}

/** PQXDH's EncodeEC. */
export function encodeEc (publicKey: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + publicKey.byteLength)
  out[0] = ENCODE_EC_PREFIX
  out.set(publicKey, 1)
  return out
}

function concat (...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.byteLength, 0))
  let at = 0
  for (const p of parts) { out.set(p, at); at += p.byteLength }
  return out
}

/** The session's associated data: the initiator's identity first. */
export function sessionAd (initiatorX: Uint8Array, responderX: Uint8Array, initiatorMultihash: Uint8Array, responderMultihash: Uint8Array): Uint8Array {
  return concat(encodeEc(initiatorX), encodeEc(responderX), initiatorMultihash, responderMultihash)
}

function sharedKey (dhs: Uint8Array[], kemSecret: Uint8Array): Uint8Array {
  const input = concat(new Uint8Array(KEY_BYTES).fill(0xff), ...dhs, kemSecret)
  const sk = kdf(input, PQXDH_INFO, KEY_BYTES)
  input.fill(0)
  dhs.forEach(d => d.fill(0))
  kemSecret.fill(0)
  return sk
}

function dhOr<E extends Error> (secret: Uint8Array, publicKey: Uint8Array, fail: () => E): Uint8Array {
  try {
    return x25519.getSharedSecret(secret, publicKey)
  } catch {
    throw fail()
  }
}

/** The X25519 form of the peer's Ed25519 identity key; `fail` makes the error when it has none. */
function identityX (publicKey: Uint8Array, fail: (words: string) => Error): Uint8Array {
  try {
    return ed25519.utils.toMontgomery(publicKey)
  } catch {
    throw fail('the peer\'s identity key is not a valid Ed25519 key')
  }
}

/**
 * The initiator's side (PQXDH §3.3): checks the bundle, agrees on SK and
 * returns her first ratchet state and the init her boxes carry.
 *
 * @throws PrekeyError when a record is of the wrong kind, its signature does
 * not hold, or a key is unusable
 */
export function initiate (ours: Identity, theirs: PeerIdentity, bundle: PrekeyBundle, random: Random = randomBytes): Initiated {
  const { signedPrekey: spk, pqPrekey: pq, oneTimePrekey: opk } = bundle
  if (spk.kind !== PREKEY_SIGNED_EC) throw new PrekeyError(`the signed prekey is of kind ${PREKEY_SIGNED_EC}, not ${spk.kind}`)
  if (pq.kind !== PREKEY_PQ_LAST_RESORT && pq.kind !== PREKEY_PQ_ONE_TIME) throw new PrekeyError(`the PQ prekey is of kind ${PREKEY_PQ_LAST_RESORT} or ${PREKEY_PQ_ONE_TIME}, not ${pq.kind}`)
  if (opk !== undefined && opk.kind !== PREKEY_EC_ONE_TIME) throw new PrekeyError(`the one-time prekey is of kind ${PREKEY_EC_ONE_TIME}, not ${opk.kind}`)
  for (const record of [spk, pq, ...(opk === undefined ? [] : [opk])]) verifyPrekey(record, theirs.publicKey, theirs.multihash)
  const bad = (): PrekeyError => new PrekeyError('a key of the bundle is not usable for X25519')
  const theirX = identityX(theirs.publicKey, words => new PrekeyError(words))
  const ourXSecret = ed25519.utils.toMontgomerySecret(ours.secret)
  const ephemeralSecret = random(KEY_BYTES)
  const dhs = [
    dhOr(ourXSecret, spk.publicKey, bad),
    dhOr(ephemeralSecret, theirX, bad),
    dhOr(ephemeralSecret, spk.publicKey, bad)
  ]
  if (opk !== undefined) dhs.push(dhOr(ephemeralSecret, opk.publicKey, bad))
  let encapsulated: { cipherText: Uint8Array, sharedSecret: Uint8Array }
  try {
    encapsulated = mlKem768.encapsulate(pq.publicKey, random(KEM_SECRET_BYTES))
  } catch {
    throw new PrekeyError('the PQ prekey is not a valid ML-KEM-768 public key')
  }
  const sk = sharedKey(dhs, encapsulated.sharedSecret)
  const ad = sessionAd(x25519.getPublicKey(ourXSecret), theirX, ours.multihash, theirs.multihash)
  const init: Init = {
    ephemeral: x25519.getPublicKey(ephemeralSecret),
    signedPrekeyId: spk.id,
    pqKind: pq.kind,
    pqPrekeyId: pq.id,
    oneTimePrekeyId: opk?.id ?? 0,
    kemCiphertext: encapsulated.cipherText
  }
  ephemeralSecret.fill(0)
  ourXSecret.fill(0)
  return { state: initiatorState(sk, ad, spk.publicKey, random), sharedKey: sk, ad, init }
}

/**
 * The responder's side (PQXDH §3.4): from an init and the secrets of the
 * prekeys it names, the same SK and AD, and its first ratchet state. Whether
 * the first box then opens is what authenticates the init.
 *
 * @throws PrekeyError when the one-time prekey secret is missing or not expected
 * @throws SessionDecryptError when a key of the init is unusable
 */
export function respond (ours: Identity, theirs: PeerIdentity, init: Init, prekeys: ResponderPrekeys): Agreement {
  const usesOneTime = init.oneTimePrekeyId !== 0
  if (usesOneTime !== (prekeys.oneTimePrekeySecret !== undefined)) {
    throw new PrekeyError(usesOneTime ? `the init names one-time prekey ${init.oneTimePrekeyId}, whose secret is missing` : 'the init names no one-time prekey, but a secret was given')
  }
  const bad = (): SessionDecryptError => new SessionDecryptError('a key of the init is not usable for X25519')
  const theirX = identityX(theirs.publicKey, words => new SessionDecryptError(words))
  const ourXSecret = ed25519.utils.toMontgomerySecret(ours.secret)
  const dhs = [
    dhOr(prekeys.signedPrekeySecret, theirX, bad),
    dhOr(ourXSecret, init.ephemeral, bad),
    dhOr(prekeys.signedPrekeySecret, init.ephemeral, bad)
  ]
  if (prekeys.oneTimePrekeySecret !== undefined) dhs.push(dhOr(prekeys.oneTimePrekeySecret, init.ephemeral, bad))
  let kemSecret: Uint8Array
  try {
    kemSecret = mlKem768.decapsulate(init.kemCiphertext, mlKem768.keygen(prekeys.pqPrekeySeed).secretKey)
  } catch {
    throw new SessionDecryptError('the init\'s PQXDH ciphertext does not fit the PQ prekey')
  }
  const sk = sharedKey(dhs, kemSecret)
  const ad = sessionAd(theirX, x25519.getPublicKey(ourXSecret), theirs.multihash, ours.multihash)
  ourXSecret.fill(0)
  return { state: responderState(sk, ad, prekeys.signedPrekeySecret), sharedKey: sk, ad }
}
