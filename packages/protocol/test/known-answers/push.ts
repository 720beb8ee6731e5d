/**
 * push.json: `/parley/push/1.0.0` (docs/protocols.md, "Web Push") with fixed
 * keys: Alice (keys.json) registers a subscription with a relay (Bob's PeerID
 * stands for the relay's), then removes it; the relay's replies (OK to each,
 * an error), and the plaintext of a push saying 3 items wait. The
 * KEY, which a device sends first to learn the relay's VAPID key, and its
 * replies (on, off). The subscription's P-256 key and the relay's VAPID key come from 32-byte
 * secrets, as a browser's and a relay's would be random. A push hint naming
 * Alice's chat, sealed to Bob's device's notification key (its secret and the
 * sender's ephemeral secret fixed), and a version 2 payload carrying it with
 * fixed filler.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { p256 } from '@noble/curves/nist.js'
import { decodePushRequest, encodePushError, encodePushReply, encodePushRequest, pushSignedBytes } from '../../src/push/codec.ts'
import { encodePushKeyReply, encodePushKeyRequest } from '../../src/push/key.ts'
import { openHint, sealHint } from '../../src/push/hint.ts'
import { makeNotifyKeyPair } from '../../src/push/notify-key.ts'
import { encodePushPayload, encodePushPayloadV2 } from '../../src/push/payload.ts'
import { hex, same, utf8 } from './inputs.ts'
import type { PushRequestFields } from '../../src/push/codec.ts'
import type { Inputs, Json } from './inputs.ts'
import type { Keys } from './keys.ts'

/** 2026-11-29 22:00:00 UTC, and the removal a day later. */
const REGISTERED_AT = 1_764_453_600_000
const REMOVED_AT = REGISTERED_AT + 86_400_000
const ENDPOINT = 'https://push.example.net/wpush/v2/gAAAAABnX-Parley_vector'

export async function makePush (inputs: Inputs, { alice, bob }: Keys): Promise<Json> {
  const subscriptionSecret = inputs.bytes('push.json/inputs/subscriptionSecret', 32)
  const auth = inputs.bytes('push.json/inputs/auth', 16)
  const registerNonce = inputs.bytes('push.json/inputs/registerNonce', 16)
  const removeNonce = inputs.bytes('push.json/inputs/removeNonce', 16)
  const vapidSecret = inputs.bytes('push.json/inputs/vapidSecret', 32)
  const p256dh = p256.getPublicKey(subscriptionSecret, false)
  const vapidKey = p256.getPublicKey(vapidSecret, false)
  const sign = (bytes: Uint8Array): Uint8Array => ed25519.sign(bytes, alice.secret)
  const common = { relay: bob.multihash, subject: alice.multihash, endpoint: ENDPOINT }
  const register: PushRequestFields = { op: 'register', time: REGISTERED_AT, nonce: registerNonce, ...common, p256dh, auth }
  const remove: PushRequestFields = { op: 'remove', time: REMOVED_AT, nonce: removeNonce, ...common }
  const registerFrame = await encodePushRequest(register, sign)
  const removeFrame = await encodePushRequest(remove, sign)
  const registerSigned = decodePushRequest(registerFrame).signed
  const notifySecret = inputs.bytes('push.json/inputs/notifySecret', 32)
  const hintEphemeral = inputs.bytes('push.json/inputs/hintEphemeral', 32)
  const filler = inputs.bytes('push.json/inputs/filler', 3 * 112)
  const notify = makeNotifyKeyPair(() => notifySecret.slice())
  const hint = sealHint({ kind: 'contact', chat: alice.peerId }, notify.publicKey, () => hintEphemeral.slice())
  same('the hint opens', utf8(JSON.stringify(openHint(hint, notify.secretKey, notify.publicKey))), utf8(JSON.stringify({ kind: 'contact', chat: alice.peerId })))
  let fill = 0
  const payloadV2 = encodePushPayloadV2({ relay: bob.peerId, items: 3, hints: [hint] }, (n) => filler.slice(fill, fill += n))
  same('the register\'s signed bytes', registerSigned, pushSignedBytes(registerFrame.subarray(0, registerFrame.byteLength - 64)))
  return {
    what: 'A device asks a relay for its VAPID key (KEY: the replies when push is on and off); Alice (keys.json) registers a Web Push subscription with a relay (Bob\'s PeerID stands for it) and removes it a day later; the relay\'s replies; the plaintext of a push saying 3 items wait (version 1), a push hint naming Alice sealed to a device\'s notification key, and a version 2 payload carrying it. Frames are bodies without their varint length',
    inputs: {
      subscriptionSecret: hex(subscriptionSecret), auth: hex(auth), registerNonce: hex(registerNonce), removeNonce: hex(removeNonce), vapidSecret: hex(vapidSecret),
      notifySecret: hex(notifySecret), hintEphemeral: hex(hintEphemeral), filler: hex(filler)
    },
    relay: bob.peerId,
    subject: alice.peerId,
    endpoint: ENDPOINT,
    p256dh: hex(p256dh),
    register: { time: REGISTERED_AT, signContext: hex(utf8('parley/push/v1\n')), signed: hex(registerSigned), signature: hex(registerFrame.subarray(-64)), frame: hex(registerFrame) },
    remove: { time: REMOVED_AT, signed: hex(decodePushRequest(removeFrame).signed), frame: hex(removeFrame) },
    key: {
      frame: hex(encodePushKeyRequest()),
      on: hex(encodePushKeyReply({ op: 'key', push: 'on', vapidKey, maxSubscriptions: 4, pushesPerMinute: 6, coalesceMs: 2000, payloadBytes: 128, subscriptionDays: 30 })),
      off: hex(encodePushKeyReply({ op: 'key', push: 'off' }))
    },
    replies: {
      registered: hex(encodePushReply({ op: 'register', vapidKey, expiresAt: REGISTERED_AT + 30 * 86_400_000, maxSubscriptions: 4, pushesPerMinute: 6, coalesceMs: 2000, payloadBytes: 128 })),
      vapidKey: hex(vapidKey),
      removed: hex(encodePushReply({ op: 'remove', removed: true })),
      replayed: hex(encodePushError('replayed', 'this nonce was seen'))
    },
    payload: { items: 3, plaintext: hex(encodePushPayload({ relay: bob.peerId, items: 3 })) },
    hint: { notifyPublic: hex(notify.publicKey), kind: 'contact', chat: alice.peerId, sealed: hex(hint) },
    payloadV2: { items: 3, note: 'the hint above, then the filler in three slots', plaintext: hex(payloadV2) }
  }
}
