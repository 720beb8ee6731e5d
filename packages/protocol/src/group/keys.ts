/**
 * The one text of a key and of a signature that group operations, group
 * messages and device lists take (docs/protocols.md, "Groups"; "Linked
 * devices: the device list"). Its own module so that the device lists
 * (devices/list.ts) and the group operations that carry them (op.ts) both
 * use it without importing each other.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { fromBase64, toBase64 } from '../base64.ts'

/** An Ed25519 PeerID as PeerId.toString() writes it: 52 base58btc characters, `12D3KooW…`. */
const PEER_CHARS = 52
/** A 64-byte signature in standard base64 with padding. */
const SIG_CHARS = 88

/**
 * The Ed25519 public key of a PeerID string, or undefined when it is not an
 * Ed25519 PeerID in its canonical form. Only one text per key: the CID forms
 * (`bafz…`, `k51…`) of a member's key would make a second member of the same
 * person. The length is checked first, since base58 decoding takes time
 * quadratic in it (32 KiB of text: over a second).
 */
export function ed25519KeyOf (peer: string): Uint8Array | undefined {
  if (peer.length !== PEER_CHARS) return undefined
  try {
    const id = peerIdFromString(peer)
    return id.type === 'Ed25519' && id.toString() === peer ? id.publicKey.raw : undefined
  } catch {
    return undefined
  }
}

/**
 * The 64 bytes of a signature, or undefined unless `sig` is their one base64
 * text (the unused low bits of the last digit would otherwise give every
 * signed operation or message other wire forms, all verifying).
 */
export function signatureOf (sig: string): Uint8Array | undefined {
  const bytes = sig.length === SIG_CHARS ? fromBase64(sig) : undefined
  return bytes?.byteLength === 64 && toBase64(bytes) === sig ? bytes : undefined
}
