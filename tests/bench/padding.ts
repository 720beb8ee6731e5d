/**
 * The padding figure of `npm run bench` (issue 57, item 7; docs/security.md,
 * "Metadata"):
 *
 *   padding_overhead_ratio   bytes a relay holds or carries ÷ bytes of payload (the frames' and receipts' JSON),
 *                            over a realistic mix of MIX_ITEMS items, each boxed and sealed as the app does:
 *                            - 40 % short texts (2 to 60 characters)
 *                            - 10 % long texts (200 to 1,500 characters)
 *                            - 20 % reactions
 *                            - 15 % receipts (1 to 8 message ids)
 *                            - 10 % typing (live only: a padded live box, never deposited)
 *                            - 5 % file offers (an image with a 2 KiB preview, and its key)
 *                            Mailbox boxes carry the chain's KEM fields (as the app's kept boxes do, a
 *                            receipts box leaves them out once the chain is held) and are padded to at least
 *                            3 KiB; each is sealed (seal v2) for one relay.
 *   padding_unpadded_ratio   the same mix boxed and sealed without padding: what the padding adds is the
 *                            difference
 *
 * Pure computation on one real session (PQXDH, the hybrid ratchet): no relay
 * is needed for sizes, and the mix is drawn from a fixed seed, so the figure
 * is the same on every machine.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { encodeChatFrame } from '@parley/protocol/chat/codec'
import { seal } from '@parley/protocol/mailbox/seal'
import { encodeBox } from '@parley/protocol/session/box'
import { PREKEY_PQ_LAST_RESORT, PREKEY_SIGNED_EC } from '@parley/protocol/session/constants'
import { makePrekey } from '@parley/protocol/session/keys'
import { initiate, respond } from '@parley/protocol/session/pqxdh'
import { ratchetDecrypt, ratchetEncrypt } from '@parley/protocol/session/ratchet'
import { ulidOf } from '@parley/protocol/ulid'
import { encodeReceipts } from '../../src/lib/p2p/messaging/receipts.ts'
import { print } from './lib.ts'
import type { ChatDialerFrame } from '@parley/protocol/chat/codec'
import type { PadPolicy } from '@parley/protocol/session/padding'
import type { Identity } from '@parley/protocol/session/pqxdh'
import type { RatchetState } from '@parley/protocol/session/ratchet'
import type { Ed25519PrivateKey } from '@libp2p/interface'

const MIX_ITEMS = 1000
const SENT_AT = 1_790_000_000_000

/** A ULID of time `ms` (its randomness the time again: only its length matters here). */
function ulid (ms: number): string {
  const bytes = new Uint8Array(16)
  for (let i = 5, t = ms; i >= 0; i--, t = Math.floor(t / 256)) bytes[i] = t % 256
  bytes.fill(ms % 251, 6)
  return ulidOf(bytes)
}

/** A small deterministic generator (mulberry32), so the mix is the same every run. */
function prng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

type Kind = 'short' | 'long' | 'reaction' | 'receipts' | 'typing' | 'file'
const MIX: Array<[Kind, number]> = [['short', 0.40], ['long', 0.10], ['reaction', 0.20], ['receipts', 0.15], ['typing', 0.10], ['file', 0.05]]

function words (random: () => number, length: number): string {
  const letters = 'abcdefghijklmnopqrstuvwxyz     '
  return Array.from({ length }, () => letters[Math.floor(random() * letters.length)]).join('').trim() || 'ok'
}

/** One item of the mix: its payload and whether it goes to a mailbox (else live) without KEM fields. */
function itemOf (kind: Kind, random: () => number, n: number): { payload: Uint8Array, policy: PadPolicy, kem: boolean } {
  const id = ulid(SENT_AT + n)
  const frame = (f: ChatDialerFrame): Uint8Array => encodeChatFrame(f, '2.0.0')
  const between = (low: number, high: number): number => low + Math.floor(random() * (high - low + 1))
  switch (kind) {
    case 'short': return { payload: frame({ type: 'message', id, text: words(random, between(2, 60)), sentAt: SENT_AT }), policy: 'mailbox', kem: true }
    case 'long': return { payload: frame({ type: 'message', id, text: words(random, between(200, 1500)), sentAt: SENT_AT }), policy: 'mailbox', kem: true }
    case 'reaction': return { payload: frame({ type: 'reaction', id, sentAt: SENT_AT, target: ulid(SENT_AT), emoji: '👍' }), policy: 'mailbox', kem: true }
    case 'receipts': return { payload: encodeReceipts(Array.from({ length: between(1, 8) }, (_, i) => ulid(SENT_AT + n * 10 + i))), policy: 'mailbox', kem: false }
    case 'typing': return { payload: frame({ type: 'typing', id, typing: true }), policy: 'live', kem: false }
    case 'file': {
      const offer = { sha256: 'ab'.repeat(32), size: 2_400_000, name: 'IMG_2041.jpg', mime: 'image/jpeg', chunkSize: 262_144, listHash: 'cd'.repeat(32), thumb: new Uint8Array(2048).fill(7), thumbMime: 'image/jpeg' as const, width: 3024, height: 4032, key: new Uint8Array(32).fill(9) }
      return { payload: frame({ type: 'message', id, text: '', sentAt: SENT_AT, file: offer }), policy: 'mailbox', kem: true }
    }
  }
}

function identityOf (key: Ed25519PrivateKey): Identity {
  return { secret: key.raw.subarray(0, 32), publicKey: key.publicKey.raw, multihash: key.publicKey.toMultihash().bytes }
}

/** Alice's sending state on a session Bob has answered on (her boxes carry no init any more). */
async function conversation (): Promise<{ alice: Identity, bob: Identity, state: RatchetState }> {
  const [alice, bob] = [identityOf(await generateKeyPair('Ed25519')), identityOf(await generateKeyPair('Ed25519'))]
  const signed = makePrekey(bob, PREKEY_SIGNED_EC, 1, Date.now())
  const pq = makePrekey(bob, PREKEY_PQ_LAST_RESORT, 1, Date.now())
  const started = initiate(alice, bob, { signedPrekey: signed.record, pqPrekey: pq.record })
  const first = ratchetEncrypt(started.state, new Uint8Array(1), new Uint8Array(16))
  const agreement = respond(bob, alice, started.init, { signedPrekeySecret: signed.secret, pqPrekeySeed: pq.secret })
  const opened = ratchetDecrypt(agreement.state, first.message, new Uint8Array(16), { now: Date.now() })
  const answer = ratchetEncrypt(opened.state, new Uint8Array(1), new Uint8Array(16).fill(1))
  return { alice, bob, state: ratchetDecrypt(first.state, answer.message, new Uint8Array(16).fill(1), { now: Date.now() }).state }
}

export async function benchPadding (): Promise<void> {
  const { alice, bob, state: start } = await conversation()
  const keys = { senderSecret: alice.secret, recipientPublic: bob.publicKey, recipientMultihash: bob.multihash }
  const random = prng(57)
  const totals = { payload: 0, padded: 0, unpadded: 0 }
  let state = start
  for (let n = 0; n < MIX_ITEMS; n++) {
    const r = random()
    let kind: Kind = 'short'
    let sum = 0
    for (const [k, share] of MIX) { sum += share; if (r < sum) { kind = k; break } }
    const { payload, policy, kem } = itemOf(kind, random, n)
    const itemId = new Uint8Array(16).fill(n % 256)
    for (const padded of [true, false]) {
      const encrypted = ratchetEncrypt(state, payload, itemId, undefined, { kem, ...(padded ? { pad: { policy, initBytes: 0 } } : {}) })
      const box = encodeBox({ itemId, ...encrypted.message })
      const bytes = policy === 'mailbox' ? seal(box, keys).byteLength : box.byteLength
      if (padded) {
        totals.padded += bytes
        state = encrypted.state
      } else {
        totals.unpadded += bytes
      }
    }
    totals.payload += payload.byteLength
  }
  print('padding_overhead_ratio', totals.padded / totals.payload, 'ratio')
  print('padding_unpadded_ratio', totals.unpadded / totals.payload, 'ratio')
}
