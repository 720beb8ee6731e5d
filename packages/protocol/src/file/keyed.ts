/**
 * The keys of `/parley/file/1.1.0` (docs/protocols.md, "Keyed files"). A
 * file offered inside a session box carries a random 32-byte key; from it
 * come the tag that names the file in OPEN and CANCEL and the AES-256-GCM key
 * that seals the hash list and every chunk. Each sealed payload has its own
 * nonce, made of what it is and where it lies in the file, so the same key
 * never seals two different plaintexts under one nonce.
 */
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { FILE_KEY_BYTES, SEAL_OVERHEAD_BYTES } from './constants.ts'

const TAG_INFO = new TextEncoder().encode('parley/file/1.1.0 tag')
const SEAL_INFO = new TextEncoder().encode('parley/file/1.1.0 aes-256-gcm')
const NONCE_BYTES = 12
/** The first byte of a nonce: what the payload is. */
const NONCE_KINDS = { hashes: 1, chunk: 2 } as const
/** WebCrypto's key, as the global `crypto` names it (in browsers and in Node, whose types have no global `CryptoKey`). */
type CryptoKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>

/** What a sealed payload is: chunk hashes `a` .. `a + b - 1`, or chunk `a` (`b` is 0). */
export type SealedKind = keyof typeof NONCE_KINDS

/** A file key is 32 bytes; anything else is refused with a RangeError. */
export function checkFileKey (key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.byteLength !== FILE_KEY_BYTES) {
    throw new RangeError(`A file key is ${FILE_KEY_BYTES} bytes, got ${key instanceof Uint8Array ? key.byteLength : typeof key}`)
  }
}

/** The 32 bytes that name a keyed file in OPEN and CANCEL: HKDF-SHA-256(key, info "parley/file/1.1.0 tag"). */
export function fileTag (key: Uint8Array): Uint8Array {
  checkFileKey(key)
  return hkdf(sha256, key, undefined, TAG_INFO, 32)
}

/** The nonce of a payload: kind (1 byte) ‖ a (u32) ‖ b (u32) ‖ three zero bytes. */
export function sealNonce (kind: SealedKind, a: number, b: number): Uint8Array<ArrayBuffer> {
  const nonce = new Uint8Array(NONCE_BYTES)
  const view = new DataView(nonce.buffer)
  nonce[0] = NONCE_KINDS[kind]
  view.setUint32(1, a)
  view.setUint32(5, b)
  return nonce
}

/** Seals and opens the payloads of one keyed file (AES-256-GCM through WebCrypto). */
export class FileCipher {
  readonly #key: CryptoKey

  private constructor (key: CryptoKey) {
    this.#key = key
  }

  /** The cipher of a file key: AES-256-GCM under HKDF-SHA-256(key, info "parley/file/1.1.0 aes-256-gcm"). */
  static async create (key: Uint8Array): Promise<FileCipher> {
    checkFileKey(key)
    const raw = hkdf(sha256, key, undefined, SEAL_INFO, 32)
    return new FileCipher(await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']))
  }

  /** The payload sealed: its bytes encrypted, then the 16-byte tag. */
  async seal (kind: SealedKind, a: number, b: number, plaintext: Uint8Array): Promise<Uint8Array> {
    const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv: sealNonce(kind, a, b) }, this.#key, plaintext as Uint8Array<ArrayBuffer>)
    return new Uint8Array(sealed)
  }

  /** The payload opened, or undefined when it was not sealed with this key for this place in the file. */
  async open (kind: SealedKind, a: number, b: number, sealed: Uint8Array): Promise<Uint8Array | undefined> {
    if (sealed.byteLength < SEAL_OVERHEAD_BYTES) return undefined
    try {
      return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: sealNonce(kind, a, b) }, this.#key, sealed as Uint8Array<ArrayBuffer>))
    } catch {
      return undefined
    }
  }
}
