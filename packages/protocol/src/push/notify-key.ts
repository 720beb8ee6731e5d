/**
 * A device's notification key pair (docs/protocols.md, "Web Push", "Hints"):
 * X25519, made for push hints alone. Apart from hint.ts so that what makes
 * the key (the app's worker) carries no cipher it does not use.
 */
import { x25519 } from '@noble/curves/ed25519.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { NOTIFY_KEY_BYTES } from './hint-plain.ts'

/** A new notification key pair (what a device keeps, and hands its contacts the public part of). */
export function makeNotifyKeyPair (random: (n: number) => Uint8Array = randomBytes): { secretKey: Uint8Array, publicKey: Uint8Array } {
  const secretKey = random(NOTIFY_KEY_BYTES)
  return { secretKey, publicKey: x25519.getPublicKey(secretKey) }
}
