/**
 * Opening many sealed mailbox items for one recipient (a drain), with the
 * curve work done by WebCrypto where the platform has X25519 (Chromium 133+,
 * Firefox 130+, Safari 17+, Node 20; Ed25519 too, Chromium 137+, for v1
 * items): the two X25519 agreements of a v2 item (the ephemeral one, and the
 * sender's identity with ours for its MAC), or a v1 item's agreement and
 * Ed25519 check, run off the JavaScript thread and many opens overlap, where
 * noble's curves in JS cost milliseconds of the thread per item. Elsewhere it
 * opens as seal.ts `open` does. Either way the result, and the SealError for
 * an item that does not open, are those of `open` (seal.ts has the format).
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { BAD_SIGNATURE, NOT_FOR_US, SEAL_VERSION, SealError, checkV2, open, sealedParts, unsealV2 } from './seal.ts'
import { unsealV1 } from './seal-v1.ts'
import { X25519_PKCS8_PREFIX } from '../session/web-x25519.ts'
import type { Opened } from './seal.ts'

/** Sender keys kept imported, per kind (a drain's items come from a few contacts); past this the cache starts again. */
export const MAX_SENDER_KEYS = 64

/** A copy on an ArrayBuffer of its own, as WebCrypto's BufferSource wants it. */
function own (bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(bytes)
}

/** A WebCrypto key, opaque here. */
type WebKey = object

/**
 * The part of WebCrypto's SubtleCrypto used here, declared structurally so
 * that the DOM's and Node's typings both fit it.
 */
export interface SubtleCurves {
  importKey(format: 'raw' | 'pkcs8', keyData: Uint8Array<ArrayBuffer>, algorithm: { name: 'X25519' | 'Ed25519' }, extractable: boolean, keyUsages: Array<'deriveBits' | 'verify'>): Promise<WebKey>
  deriveBits(algorithm: { name: 'X25519', public: WebKey }, baseKey: WebKey, length: number): Promise<ArrayBuffer>
  verify(algorithm: { name: 'Ed25519' }, key: WebKey, signature: Uint8Array<ArrayBuffer>, data: Uint8Array<ArrayBuffer>): Promise<boolean>
}

/** Our X25519 key in WebCrypto; `ed25519`, whether WebCrypto verifies Ed25519 too (v1 items' signatures). */
interface WebKeys { secret: WebKey, ed25519: boolean }

export interface SealOpenerOptions {
  /** WebCrypto to use; null opens with noble only (tests of that path). Default `globalThis.crypto.subtle`. */
  subtle?: SubtleCurves | null
}

/**
 * Opens items sealed to one recipient. `open` resolves what seal.ts `open`
 * returns for the same item, or rejects with the same SealError.
 */
export class SealOpener {
  readonly #secret: Uint8Array
  readonly #multihash: Uint8Array
  readonly #xSecret: Uint8Array
  readonly #subtle: SubtleCurves | undefined
  #xPublic?: Uint8Array
  /** our X25519 key in WebCrypto, or undefined where it lacks X25519 or Ed25519 */
  #webKeys?: Promise<WebKeys | undefined>
  readonly #senderKeys = new Map<string, Promise<WebKey>>()
  readonly #senderXKeys = new Map<string, Promise<WebKey>>()

  constructor (recipientSecret: Uint8Array, recipientMultihash: Uint8Array, options: SealOpenerOptions = {}) {
    this.#secret = recipientSecret.slice()
    this.#multihash = recipientMultihash.slice()
    this.#xSecret = ed25519.utils.toMontgomerySecret(recipientSecret)
    const subtle: SubtleCurves | null | undefined = options.subtle === undefined ? (globalThis.crypto as { subtle?: SubtleCurves } | undefined)?.subtle : options.subtle
    this.#subtle = subtle ?? undefined
  }

  /** Whether the curve work runs in WebCrypto (X25519 at least; known after the first open). */
  async usesWebCrypto (): Promise<boolean> {
    return await this.#keys() !== undefined
  }

  /**
   * Opens one item sealed to us and checks its sender's MAC (or signature).
   *
   * @throws SealError as seal.ts `open`
   */
  async open (sealed: Uint8Array): Promise<Opened> {
    const keys = await this.#keys()
    const subtle = this.#subtle
    if (keys === undefined || subtle === undefined) return open(sealed, this.#secret, this.#multihash)
    const parts = sealedParts(sealed)
    if (parts.version !== SEAL_VERSION && !keys.ed25519) return open(sealed, this.#secret, this.#multihash)
    // a point WebCrypto refuses, or an all-zero shared secret (a small-order point), as noble refuses them
    const es = await this.#agree(keys, await subtle.importKey('raw', own(parts.ephemeralPublic), { name: 'X25519' }, false, []).catch(() => undefined))
    if (es === undefined) throw new SealError(NOT_FOR_US)
    if (parts.version === SEAL_VERSION) {
      const inner = unsealV2(parts, es, this.#ourXPublic(), this.#multihash)
      const ss = await this.#agree(keys, await this.#senderKey(this.#senderXKeys, inner.senderX, 'X25519').catch(() => undefined))
      return checkV2(inner, parts, es, ss, this.#ourXPublic(), this.#multihash)
    }
    const inner = unsealV1(parts, es, this.#ourXPublic(), this.#multihash)
    let valid = false
    try {
      valid = await subtle.verify({ name: 'Ed25519' }, await this.#senderKey(this.#senderKeys, inner.senderPublic, 'Ed25519'), own(inner.signature), own(inner.signed))
    } catch {
      valid = false
    }
    if (!valid) throw new SealError(BAD_SIGNATURE)
    return { senderPublic: inner.senderPublic.slice(), payload: inner.payload.slice() }
  }

  /** X25519 of our key with `theirs` in WebCrypto; undefined when there is no key or WebCrypto refuses. */
  async #agree (keys: WebKeys, theirs: WebKey | undefined): Promise<Uint8Array | undefined> {
    const subtle = this.#subtle
    if (theirs === undefined || subtle === undefined) return undefined
    try {
      return new Uint8Array(await subtle.deriveBits({ name: 'X25519', public: theirs }, keys.secret, 256))
    } catch {
      return undefined
    }
  }

  #ourXPublic (): Uint8Array {
    this.#xPublic ??= x25519.getPublicKey(this.#xSecret)
    return this.#xPublic
  }

  async #keys (): Promise<WebKeys | undefined> {
    this.#webKeys ??= this.#importKeys()
    return this.#webKeys
  }

  /** Our X25519 key in WebCrypto, once WebCrypto has shown it does X25519 (and whether it does Ed25519); undefined without X25519. */
  async #importKeys (): Promise<WebKeys | undefined> {
    const subtle = this.#subtle
    if (subtle === undefined) return undefined
    try {
      const pkcs8 = new Uint8Array(X25519_PKCS8_PREFIX.byteLength + 32)
      pkcs8.set(X25519_PKCS8_PREFIX)
      pkcs8.set(this.#xSecret, X25519_PKCS8_PREFIX.byteLength)
      const secret = await subtle.importKey('pkcs8', pkcs8, { name: 'X25519' }, false, ['deriveBits'])
      // one agreement with our own public key: X25519 is there
      const ours = await subtle.importKey('raw', own(this.#ourXPublic()), { name: 'X25519' }, false, [])
      await subtle.deriveBits({ name: 'X25519', public: ours }, secret, 256)
      // and one Ed25519 key imported, for v1 items (without it, noble opens those)
      const ed25519Works = await subtle.importKey('raw', own(ed25519.getPublicKey(this.#secret)), { name: 'Ed25519' }, false, ['verify']).then(() => true, () => false)
      return { secret, ed25519: ed25519Works }
    } catch {
      // no X25519 in this WebCrypto: noble does it on this thread
      return undefined
    }
  }

  /** A sender's public key (Ed25519 for v1 items, X25519 for v2), imported once per drain's worth of senders. */
  async #senderKey (cache: Map<string, Promise<WebKey>>, publicKey: Uint8Array, name: 'Ed25519' | 'X25519'): Promise<WebKey> {
    const subtle = this.#subtle
    if (subtle === undefined) throw new Error('no WebCrypto')
    const hex = bytesToHex(publicKey)
    const known = cache.get(hex)
    if (known !== undefined) return known
    if (cache.size >= MAX_SENDER_KEYS) cache.clear()
    const key = subtle.importKey('raw', own(publicKey), { name }, false, name === 'Ed25519' ? ['verify'] : [])
    cache.set(hex, key)
    // a key WebCrypto refuses is not kept (the next item of that sender tries again)
    key.catch(() => { if (cache.get(hex) === key) cache.delete(hex) })
    return key
  }
}
