/**
 * seal.json and file-chunk.json: a mailbox item (the seal of
 * docs/protocols.md "Sealing", version 2, from Alice to Bob, carrying a box
 * of ratchet.json, and the same payload in version 1, which still opens) and
 * a chunk of a keyed file (`/parley/file/1.1.0`), each with its intermediate
 * values.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { encodeFileFrame } from '../../src/file/codec.ts'
import { FileCipher, fileTag, sealNonce } from '../../src/file/keyed.ts'
import { AUTH_INFO, MAC_CONTEXT, SEAL_INFO, open, seal } from '../../src/mailbox/seal.ts'
import { SEAL_V1_INFO, SIGN_CONTEXT, sealV1 } from '../../src/mailbox/seal-v1.ts'
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

/** The same payload sealed in version 1 (signed), as apps before 2026-11-29 did: it still opens. */
function makeSealV1 (inputs: Inputs, { alice, bob }: Keys, payload: Uint8Array): Json {
  const ephemeralSecret = inputs.bytes('seal.json/version1/inputs/ephemeralSecret', 32)
  const nonce = inputs.bytes('seal.json/version1/inputs/nonce', 24)
  const sealed = sealV1(payload, { senderSecret: alice.secret, recipientPublic: bob.publicKey, recipientMultihash: bob.multihash }, replayRandom([ephemeralSecret, nonce]))
  const recipientX = ed25519.utils.toMontgomery(bob.publicKey)
  const ephemeralPublic = x25519.getPublicKey(ephemeralSecret)
  const shared = x25519.getSharedSecret(ephemeralSecret, recipientX)
  const key = hkdf(sha256, shared, cat(ephemeralPublic, recipientX), SEAL_V1_INFO, 32)
  const signed = cat(SIGN_CONTEXT, bob.multihash, ephemeralPublic, payload)
  const signature = ed25519.sign(signed, alice.secret)
  const aad = cat(SEAL_V1_INFO, bob.multihash)
  same('the v1 sealed item', sealed, cat(Uint8Array.of(1), ephemeralPublic, nonce, xchacha20poly1305(key, nonce, aad).encrypt(cat(alice.publicKey, signature, payload))))
  same('the v1 opened payload', open(sealed, bob.secret, bob.multihash).payload, payload)
  return {
    what: 'The same payload sealed in version 1 (signed by Alice\'s Ed25519 key), which apps still open',
    inputs: { ephemeralSecret: hex(ephemeralSecret), nonce: hex(nonce) },
    drawOrder: 'ephemeralSecret (32), then nonce (24)',
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

export function makeSeal (inputs: Inputs, keys: Keys, payload: Uint8Array): Json {
  const { alice, bob } = keys
  const ephemeralSecret = inputs.bytes('seal.json/inputs/ephemeralSecret', 32)
  const nonce = inputs.bytes('seal.json/inputs/nonce', 24)
  const sealed = seal(payload, { senderSecret: alice.secret, recipientPublic: bob.publicKey, recipientMultihash: bob.multihash }, replayRandom([ephemeralSecret, nonce]))
  const recipientX = ed25519.utils.toMontgomery(bob.publicKey)
  const senderX = ed25519.utils.toMontgomery(alice.publicKey)
  const ephemeralPublic = x25519.getPublicKey(ephemeralSecret)
  const es = x25519.getSharedSecret(ephemeralSecret, recipientX)
  const ss = x25519.getSharedSecret(ed25519.utils.toMontgomerySecret(alice.secret), recipientX)
  // Bob computes the same from his side: what makes the item deniable
  same('ss from Bob\'s side', x25519.getSharedSecret(ed25519.utils.toMontgomerySecret(bob.secret), senderX), ss)
  const key = hkdf(sha256, es, cat(ephemeralPublic, recipientX), SEAL_INFO, 32)
  const authKey = hkdf(sha256, cat(es, ss), cat(ephemeralPublic, recipientX, senderX), AUTH_INFO, 32)
  const macInput = cat(MAC_CONTEXT, bob.multihash, alice.publicKey, ephemeralPublic, payload)
  const mac = hmac(sha256, authKey, macInput)
  const aad = cat(SEAL_INFO, bob.multihash)
  same('the sealed item', sealed, cat(Uint8Array.of(2), ephemeralPublic, nonce, xchacha20poly1305(key, nonce, aad).encrypt(cat(alice.publicKey, mac, payload))))
  same('the opened payload', open(sealed, bob.secret, bob.multihash).payload, payload)
  return {
    what: 'A mailbox item from Alice to Bob (the seal, version 2): its payload is the box that opens Alice\'s second chain in ratchet.json (a box kept for a mailbox carries its KEM fields). Keys are those of keys.json',
    inputs: { ephemeralSecret: hex(ephemeralSecret), nonce: hex(nonce) },
    drawOrder: 'ephemeralSecret (32), then nonce (24)',
    payload: hex(payload),
    recipientX25519: hex(recipientX),
    senderX25519: hex(senderX),
    ephemeralPublic: hex(ephemeralPublic),
    es: hex(es),
    ss: hex(ss),
    key: hex(key),
    authKey: hex(authKey),
    macInput: hex(macInput),
    mac: hex(mac),
    aad: hex(aad),
    sealed: hex(sealed),
    bytes: sealed.byteLength,
    version1: makeSealV1(inputs, keys, payload)
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
