/**
 * What a relay learns from the mailbox items it holds (issue 57, item 7),
 * through two real relay-nodes: a relay-side observer (a client with the
 * recipient's key LISTs and FETCHes what the relay holds, seeing exactly
 * what the relay sees: ids, sizes, bytes).
 *
 * Alice writes Bob, who is away, texts of very different lengths: each of
 * Bob's two mailbox relays holds them all at one size, under deposit ids
 * that carry no time, name no message and differ between the relays, in
 * bytes that differ too. Bob comes back and stores each message once, though
 * each came from both relays (he knows copies by the id inside). Then the
 * receipts he sends Alice through her relays carry ids derived from none of
 * the messages they acknowledge (on main the id was a hash of their ids).
 */
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { sha256 } from '@noble/hashes/sha2.js'
import { open } from '@parley/protocol/mailbox/seal'
import { boxItemId } from '@parley/protocol/session/box'
import { BOX_VERSION } from '@parley/protocol/session/constants'
import { ulidBytes } from '@parley/protocol/ulid'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { chatMessages } from '../../src/lib/db/messages.ts'
import { getProfile } from '../../src/lib/db/profile.ts'
import { captureListed } from '../support/mailbox-capture.ts'
import { befriend, relaysOf, startFederation } from './harness.ts'
import type { CapturedItem } from '../support/mailbox-capture.ts'
import type { Federation, Peer } from './harness.ts'
import type { Ed25519PrivateKey } from '@libp2p/interface'

let federation: Federation | undefined
afterEach(async () => { await federation?.close(); federation = undefined })

const SLOW = { timeout: 45_000, interval: 100 }
const DAY_MS = 24 * 60 * 60 * 1000
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

async function keyOf (peer: Peer): Promise<Ed25519PrivateKey> {
  return privateKeyFromProtobuf((await getProfile(peer.db))!.privateKey) as Ed25519PrivateKey
}

/** What the two relays hold for the owner of `key`, once each holds at least `count` items. */
async function heldOnBoth (f: Federation, key: Ed25519PrivateKey, count: number): Promise<CapturedItem[][]> {
  let held: CapturedItem[][] = []
  await vi.waitFor(async () => {
    held = await Promise.all(f.relays.map(async r => captureListed(r.wsMultiaddrs[0]?.toString() ?? '', key)))
    for (const items of held) expect(items.length).toBeGreaterThanOrEqual(count)
  }, SLOW)
  return held
}

/** A ULID's first 48 bits are its creation time in ms: whether `id` reads as a time within a day of now. */
function looksLikeNow (id: Uint8Array): boolean {
  const ms = id.subarray(0, 6).reduce((n, b) => n * 256 + b, 0)
  return Math.abs(ms - Date.now()) < DAY_MS
}

describe('what a relay learns from mailbox items', () => {
  it('texts of any length at one size, ids random per relay, each message stored once, receipts linked to nothing', async () => {
    federation = await startFederation(2)
    const f = federation
    const alice = await f.startPeer([0, 1], { name: 'Alice' })
    const bob = await f.startPeer([0, 1], { name: 'Bob' })
    // both reserve on both relays, so each one's addresses (and mailboxes) name the two
    await vi.waitFor(() => { expect([relaysOf(alice).length, relaysOf(bob).length]).toEqual([2, 2]) }, SLOW)
    const { aToB, bToA } = await befriend(alice, bob)
    const [aliceKey, bobKey] = [await keyOf(alice), await keyOf(bob)]

    // a word each way live: both have their session
    await alice.node.call('sendMessage', { contactId: aToB, text: 'hello' })
    await vi.waitFor(async () => { expect((await chatMessages(bob.db, bToA)).map(m => m.body)).toEqual(['hello']) }, SLOW)
    await bob.node.call('sendMessage', { contactId: bToA, text: 'hi' })
    await vi.waitFor(async () => { expect((await chatMessages(alice.db, aToB)).map(m => m.state)).toEqual(['delivered', 'delivered']) }, SLOW)

    // Bob goes away; Alice writes him a word, a sentence and a paragraph
    const bobFactory = bob.factory
    await bob.stop()
    const texts = ['ok', 'see you at the station at nine, by the clock', 'x'.repeat(400)]
    for (const body of texts) await alice.node.call('sendMessage', { contactId: aToB, text: body })
    await vi.waitFor(async () => { expect((await chatMessages(alice.db, aToB)).filter(m => m.state === 'stored')).toHaveLength(texts.length) }, SLOW)
    const sent = (await chatMessages(alice.db, aToB)).filter(m => m.state === 'stored').map(m => m.id)

    const [first = [], second = []] = await heldOnBoth(f, bobKey, texts.length)
    // one size for all, on both relays (on main: each text's length to the byte)
    expect(new Set([...first, ...second].map(i => i.size)).size).toBe(1)
    // no id twice, none a message's ULID, none reading as a time of today, no bytes the same on both relays
    const ids = [...first, ...second].map(i => hex(i.id))
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of sent) expect(ids).not.toContain(hex(ulidBytes(id)))
    expect([...first, ...second].filter(i => looksLikeNow(i.id))).toEqual([])
    const secondBytes = new Set(second.map(i => hex(i.item)))
    expect(first.filter(i => secondBytes.has(hex(i.item)))).toEqual([])

    // Alice goes away; Bob comes back and drains both relays: each message once
    const aliceFactory = alice.factory
    await alice.stop()
    const bobAgain = await f.startPeer([0, 1], { factory: bobFactory })
    await vi.waitFor(async () => { expect((await chatMessages(bobAgain.db, bToA)).map(m => m.body)).toEqual(['hello', 'hi', ...texts]) }, SLOW)

    // his receipts wait for Alice on her relays: nothing in them names the messages they acknowledge
    const aliceMultihash = peerIdFromString(alice.node.status.peerId ?? '').toMultihash().bytes
    const receipts = (await heldOnBoth(f, aliceKey, 1)).flat()
    const derived = hex(sha256(new TextEncoder().encode(`parley/mailbox/receipts/${sent.join(',')}`)).subarray(0, 16))
    for (const { id, item } of receipts) {
      expect(hex(id)).not.toBe(derived)
      expect(looksLikeNow(id)).toBe(false)
      const opened = open(item, aliceKey.raw.subarray(0, 32), aliceMultihash)
      expect(opened.payload[0]).toBe(BOX_VERSION)
      const inner = hex(boxItemId(opened.payload))
      expect(inner).not.toBe(derived)
      for (const msg of sent) expect(inner).not.toBe(hex(ulidBytes(msg)))
    }

    // Alice comes back: the receipts open, her words are delivered, the relays are emptied
    const aliceAgain = await f.startPeer([0, 1], { factory: aliceFactory })
    await vi.waitFor(async () => { expect((await chatMessages(aliceAgain.db, aToB)).filter(m => m.direction === 'out').map(m => m.state)).toEqual(['delivered', 'delivered', 'delivered', 'delivered']) }, SLOW)
  }, 180_000)
})
