/** PeerIDs, a QR code and a fake clock for the link tests. */
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha256 } from '@noble/hashes/sha2.js'
import type { LinkQr } from '../../src/link/qr.ts'

/** The Ed25519 PeerID made from SHA-256(`name`). */
export function peerNamed (name: string): string {
  return peerIdFromPublicKey(publicKeyFromRaw(ed25519.getPublicKey(sha256(new TextEncoder().encode(name))))).toString()
}

export const ACCOUNT = peerNamed('account')
export const EXISTING = peerNamed('existing')
export const DEVICE = peerNamed('device')
export const RELAY = peerNamed('relay')
export const STRANGER = peerNamed('stranger')

export function circuitOf (peer: string, host = 'relay.example'): string {
  return `/dns4/${host}/tcp/443/wss/p2p/${RELAY}/p2p-circuit/p2p/${peer}`
}

export function qrOf (secretByte = 7): LinkQr {
  return { peerId: DEVICE, secret: new Uint8Array(16).fill(secretByte), addresses: [circuitOf(DEVICE)] }
}

/** A clock the test moves by hand. */
export function fakeClock (start = 1_790_000_000_000): { now: () => number, advance: (ms: number) => void } {
  let t = start
  return { now: () => t, advance: (ms) => { t += ms } }
}

/** Bytes in order, then counting bytes: a random source with no randomness. */
export function countingRandom (): (bytes: number) => Uint8Array {
  let counter = 0
  return (bytes) => Uint8Array.from({ length: bytes }, () => (counter++) & 0xff)
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)
export const json = (value: unknown): Uint8Array => utf8(JSON.stringify(value))
