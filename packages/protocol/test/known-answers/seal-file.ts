/**
 * seal.json and file-chunk.json: a mailbox item (the static seal of
 * docs/protocols.md "Sealing", from Alice to Bob, carrying a box of
 * ratchet.json) and a chunk of a keyed file (`/parley/file/1.1.0`), each with
 * its intermediate values.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { encodeFileFrame } from '../../src/file/codec.ts'
import { FileCipher, fileTag, sealNonce } from '../../src/file/keyed.ts'
import { SEAL_INFO, SIGN_CONTEXT, open, seal } from '../../src/mailbox/seal.ts'
import { replayRandom } from '../session/helpers.ts'
import { hex, same, utf8 } from './inputs.ts'
import type { Inputs, Json } from './inputs.ts'
import type { Keys } from './keys.ts'

const cat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let at = 0
  for (const p of parts) { out.set(p, at); at += p.byteLength }
  return out
}

export function makeSeal (inputs: Inputs, { alice, bob }: Keys, payload: Uint8Array): Json {
  const ephemeralSecret = inputs.bytes('seal.json/inputs/ephemeralSecret', 32)
  const nonce = inputs.bytes('seal.json/inputs/nonce', 24)
  const sealed = seal(payload, { senderSecret: alice.secret, recipientPublic: bob.publicKey, recipientMultihash: bob.multihash }, replayRandom([ephemeralSecret, nonce]))
  const recipientX = ed25519.utils.toMontgomery(bob.publicKey)
  const ephemeralPublic = x25519.getPublicKey(ephemeralSecret)
  const shared = x25519.getSharedSecret(ephemeralSecret, recipientX)
  const key = hkdf(sha256, shared, cat(ephemeralPublic, recipientX), SEAL_INFO, 32)
  const signed = cat(SIGN_CONTEXT, bob.multihash, ephemeralPublic, payload)
  const signature = ed25519.sign(signed, alice.secret)
  const aad = cat(SEAL_INFO, bob.multihash)
  const inner = cat(alice.publicKey, signature, payload)
  same('the sealed item', sealed, cat(Uint8Array.of(1), ephemeralPublic, nonce, xchacha20poly1305(key, nonce, aad).encrypt(inner)))
  same('the opened payload', open(sealed, bob.secret, bob.multihash).payload, payload)
  return {
    what: 'A mailbox item from Alice to Bob (the static seal, version 1): its payload is the box that opens Alice\'s second chain in ratchet.json (a box kept for a mailbox carries its KEM fields). Keys are those of keys.json',
    inputs: { ephemeralSecret: hex(ephemeralSecret), nonce: hex(nonce) },
    drawOrder: 'ephemeralSecret (32), then nonce (24)',
    payload: hex(payload),
    recipientX25519: hex(recipientX),
    ephemeralPublic: hex(ephemeralPublic),
    dh: hex(shared),
    key: hex(key),
    signedBytes: hex(signed),
    signature: hex(signature),
    aad: hex(aad),
    sealed: hex(sealed),
    bytes: sealed.byteLength
  }
}

/** The chunk of the vector: its index, and its bytes (a last chunk may be this short). */
const CHUNK_INDEX = 5
const CHUNK_BYTES = 100

export async function makeFileChunk (inputs: Inputs): Promise<Json> {
  const fileKey = inputs.bytes('file-chunk.json/inputs/fileKey', 32)
  const chunk = inputs.bytes('file-chunk.json/inputs/chunk', CHUNK_BYTES)
  const cipher = await FileCipher.create(fileKey)
  const sealedChunk = await cipher.seal('chunk', CHUNK_INDEX, 0, chunk)
  const hash = sha256(chunk)
  const sealedHashes = await cipher.seal('hashes', CHUNK_INDEX, 1, hash)
  const opened = await cipher.open('chunk', CHUNK_INDEX, 0, sealedChunk)
  if (opened === undefined) throw new Error('the sealed chunk does not open')
  same('the opened chunk', opened, chunk)
  return {
    what: 'A keyed file (/parley/file/1.1.0): the tag that names it, its AES-256-GCM key, chunk 5 sealed, and the HASHES payload of that one chunk\'s hash, with the CHUNK and HASHES reply frame bodies',
    inputs: { fileKey: hex(fileKey), chunk: hex(chunk) },
    tag: hex(fileTag(fileKey)),
    aesKey: hex(hkdf(sha256, fileKey, undefined, utf8('parley/file/1.1.0 aes-256-gcm'), 32)),
    chunk: {
      index: CHUNK_INDEX,
      nonce: hex(sealNonce('chunk', CHUNK_INDEX, 0)),
      sealed: hex(sealedChunk),
      frame: hex(encodeFileFrame({ type: 'chunk', index: CHUNK_INDEX, data: sealedChunk }, '1.1.0'))
    },
    hashes: {
      from: CHUNK_INDEX,
      count: 1,
      hash: hex(hash),
      nonce: hex(sealNonce('hashes', CHUNK_INDEX, 1)),
      sealed: hex(sealedHashes),
      frame: hex(encodeFileFrame({ type: 'hashes', from: CHUNK_INDEX, hashes: sealedHashes }, '1.1.0'))
    }
  }
}
