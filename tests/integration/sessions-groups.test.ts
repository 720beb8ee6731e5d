/**
 * Group items in session boxes (issue 26), through a real relay-node.
 *
 * Carol is away when Alice makes a group with her and Bob, who are Alice's
 * contacts and not each other's. What Alice and Bob owe Carol goes to her
 * mailbox, each item in a box of a session with her (Bob's started from her
 * bundle on the relay: he never spoke to her). Everything the relay holds for
 * her is captured with her identity key: the static seal opens to boxes only,
 * which name no word of theirs and which a node with her identity and nothing
 * else cannot open. When she comes back she holds the invitation and both
 * messages once, and a session with each of them.
 *
 * Live, the members' group exchanges go in boxes too (`/parley/group/2.0.0`),
 * and a member whose app has no sessions (group 1.0.0 only) still gets
 * everything, in plain frames; a file's key goes only to the members whose
 * offer came in a box, and they pull it sealed with it.
 */
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { open } from '@parley/protocol/mailbox/seal'
import { GROUP_PROTOCOL_V2 } from '@parley/protocol/group/constants'
import { BOX_VERSION } from '@parley/protocol/session/constants'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { TypedEventEmitter } from 'main-event'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ParleyDb } from '../../src/lib/db/db.ts'
import { groupMessages } from '../../src/lib/db/groups.ts'
import { getProfile } from '../../src/lib/db/profile.ts'
import { sessionsOf } from '../../src/lib/db/sessions.ts'
import { OwnKeys } from '../../src/lib/p2p/sessions/own-keys.ts'
import { PrekeyKeeper } from '../../src/lib/p2p/sessions/prekey-keeper.ts'
import { Sessions, SessionUnreadableError } from '../../src/lib/p2p/sessions/sessions.ts'
import { testLogger } from '../support/fake-components.ts'
import { capture, contains } from '../support/mailbox-capture.ts'
import { asOlderApps, befriend, startHarness, WAIT } from './harness.ts'
import type { Harness, Peer } from './harness.ts'
import type { ParleyEvents } from '../../src/lib/p2p/kernel/events.ts'
import type { Connection, Ed25519PrivateKey, Libp2pEvents, PeerId } from '@libp2p/interface'

let harness: Harness
beforeEach(async () => { harness = await startHarness() })
afterEach(async () => { await harness.close() })

const SLOW = { timeout: 90_000, interval: 200 }
const text = new TextEncoder()

/** `connection` as it is, but for the streams it opens, which do not offer `protocol`. */
function offering (connection: Connection, protocol: string): Connection {
  return new Proxy(connection, {
    get (target, property) {
      if (property === 'newStream') {
        const newStream: Connection['newStream'] = async (protocols, options) => target.newStream([protocols].flat().filter((p) => p !== protocol), options)
        return newStream
      }
      const value: unknown = Reflect.get(target, property, target)
      return typeof value === 'function' ? value.bind(target) : value
    }
  })
}

async function keyOf (peer: Peer): Promise<Ed25519PrivateKey> {
  return privateKeyFromProtobuf((await getProfile(peer.db))!.privateKey) as Ed25519PrivateKey
}

describe('group items in session boxes', () => {
  it('a member away gets the invitation and the messages in boxes: captured with her identity key, they cannot be opened with it alone', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    let carol = await harness.startPeer(undefined, 'Carol')
    const { aToB } = await befriend(alice, bob)
    const { aToB: aToC } = await befriend(alice, carol)
    await vi.waitFor(async () => { expect((await alice.db.contacts.bulkGet([aToB, aToC])).map((c) => c?.state)).toEqual(['accepted', 'accepted']) }, WAIT)
    const carolId = carol.node.status.peerId ?? ''
    const carolKey = await keyOf(carol)
    const carolMultihash = peerIdFromString(carolId).toMultihash().bytes
    const relayAddr = harness.relay.multiaddrs[0] ?? ''
    const carolFactory = carol.factory
    await carol.stop()

    const { groupId } = await alice.node.call('createGroup', { name: 'Weekend', contactIds: [aToB, aToC] })
    await vi.waitFor(async () => { expect((await bob.db.groups.get(groupId))?.state).toBe('invited') }, WAIT)
    await bob.node.call('acceptGroup', { groupId })
    const secrets = ['the cabin key is under the third stone', 'bring the blue tent']
    await alice.node.call('sendGroupMessage', { groupId, text: secrets[0] ?? '' })
    await bob.node.call('sendGroupMessage', { groupId, text: secrets[1] ?? '' })
    const owedCarol = async (peer: Peer): Promise<string[]> => (await peer.db.groupDeliveries.where('[peer+state]').between([carolId, ''], [carolId, '\uffff']).toArray()).map((d) => d.state)
    await vi.waitFor(async () => {
      expect(await owedCarol(alice)).toEqual(['stored'])
      expect(await owedCarol(bob)).toEqual(['stored'])
    }, SLOW)

    // what the relay holds for Carol: under the static seal, boxes only
    const all = (await capture(relayAddr, carolKey)).map((item) => open(item, carolKey.raw.subarray(0, 32), carolMultihash))
    // the contact hellos from when Alice and Carol met keep the static seal (docs/protocols.md, "Sessions")
    const captured = all.filter((opened) => opened.payload[0] !== '{'.charCodeAt(0) || !['request', 'accept'].includes((JSON.parse(new TextDecoder().decode(opened.payload)) as { type: string }).type))
    const sender = (opened: { senderPublic: Uint8Array }): PeerId => {
      const found = [alice, bob].map((p) => peerIdFromString(p.node.status.peerId ?? '')).find((id) => id.publicKey?.raw.every((b, i) => b === opened.senderPublic[i]) === true)
      if (found === undefined) throw new Error('an item from someone else')
      return found
    }
    for (const opened of captured) {
      expect(opened.payload[0]).toBe(BOX_VERSION)
      for (const secret of [...secrets, 'Weekend']) expect(contains(opened.payload, text.encode(secret))).toBe(false)
    }
    // Alice's invitation (the whole log) and both messages, and whatever operations Bob owed her
    expect(captured.length).toBeGreaterThanOrEqual(3)
    expect(new Set(captured.map((opened) => sender(opened).toString())).size).toBe(2)

    // the thief, with Carol's identity key and nothing else, opens none of the boxes
    const thiefDb = new ParleyDb('thief', { indexedDB: new IDBFactory(), IDBKeyRange })
    const ownKeys = new OwnKeys({ identity: { privateKey: () => carolKey } })
    const keeper = new PrekeyKeeper({ db: thiefDb, logger: testLogger(), libp2p: new TypedEventEmitter<Libp2pEvents>(), events: new TypedEventEmitter<ParleyEvents>(), relayList: { active: () => [] }, ownKeys, prekeyDirectory: alice.node.components.prekeyDirectory })
    const thief = new Sessions({ db: thiefDb, logger: testLogger(), ownKeys, prekeys: keeper })
    for (const opened of captured) {
      const from = sender(opened)
      const err = await thief.open({ peer: from.toString(), publicKey: opened.senderPublic, multihash: from.toMultihash().bytes }, opened.payload).then(() => undefined, (e: unknown) => e)
      expect(err).toBeInstanceOf(SessionUnreadableError)
    }
    thiefDb.close()

    // Carol comes back: the invitation and both messages, once, and a session with each
    carol = await harness.startPeer(carolFactory)
    await vi.waitFor(async () => {
      expect((await carol.db.groups.get(groupId))?.state).toBe('invited')
      // in the group's order (lamport, author, id), the same as Alice's
      expect((await groupMessages(carol.db, groupId)).map((m) => m.body)).toEqual((await groupMessages(alice.db, groupId)).map((m) => m.body))
    }, SLOW)
    expect((await groupMessages(carol.db, groupId)).map((m) => m.body).sort()).toEqual([...secrets].sort())
    // kept once the drain's items are stored
    await vi.waitFor(async () => {
      for (const peer of [alice, bob]) expect((await sessionsOf(carol.db, peer.node.status.peerId ?? '')).filter((s) => s.current)).toHaveLength(1)
    }, WAIT)
    // the boxes were let go once the relay took them
    for (const peer of [alice, bob]) expect(await peer.db.boxes.where('[peer+item]').between([carolId, 'group:'], [carolId, 'group:\uffff']).count()).toBe(0)
  }, 240_000)

  it('live exchanges go in boxes; a member whose app speaks group 1.0.0 only gets everything in plain frames', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    const carol = await harness.startPeer(undefined, 'Carol')
    const { aToB } = await befriend(alice, bob)
    const { aToB: aToC } = await befriend(alice, carol)
    await vi.waitFor(async () => { expect((await alice.db.contacts.bulkGet([aToB, aToC])).map((c) => c?.state)).toEqual(['accepted', 'accepted']) }, WAIT)
    // Carol's app is older: it neither listens on 2.0.0 nor opens it (libp2p takes a peer that opened a
    // stream on a protocol to speak it, so a Carol who still sent her own requests in boxes would be
    // sealed for, as a newer app is)
    const carolId = carol.node.status.peerId ?? ''
    await carol.node.libp2p?.unhandle(GROUP_PROTOCOL_V2)
    const carolGroup = carol.node.libp2p?.services.group
    if (carolGroup === undefined) throw new Error('Carol has no group service')
    const send = carolGroup.send.bind(carolGroup)
    carolGroup.send = async (connection, request, options) => send(offering(connection, GROUP_PROTOCOL_V2), request, options)
    // and said so (identify push): an older app never said it spoke 2.0.0, and a peer that did gets its box sealed before the stream opens
    // nor said it speaks sessions: nobody holds her to boxes, nor does she anyone
    asOlderApps(carol)
    for (const peer of [alice, bob]) {
      const pins = peer.node.components.sessionPins
      const pinned = pins.pinned.bind(pins)
      Object.assign(pins, { pinned: async (who: string) => who !== carolId && await pinned(who) })
    }
    const carolPeer = peerIdFromString(carolId)
    await vi.waitFor(async () => { expect((await alice.node.libp2p?.peerStore.get(carolPeer))?.protocols).not.toContain(GROUP_PROTOCOL_V2) }, WAIT)
    const sealedFor: string[] = []
    for (const peer of [alice, bob]) {
      const boxes = peer.node.components.groupBoxes
      const seal = boxes.seal.bind(boxes)
      boxes.seal = async (to, request, options) => { sealedFor.push(to.toString()); return seal(to, request, options) }
    }

    const { groupId } = await alice.node.call('createGroup', { name: 'Picnic', contactIds: [aToB, aToC] })
    // on a loaded machine an invitation may need the courier's second try (its back-off starts at 2 s)
    for (const peer of [bob, carol]) {
      await vi.waitFor(async () => { expect((await peer.db.groups.get(groupId))?.state).toBe('invited') }, SLOW)
      await peer.node.call('acceptGroup', { groupId })
    }
    await alice.node.call('sendGroupMessage', { groupId, text: 'from Alice' })
    await bob.node.call('sendGroupMessage', { groupId, text: 'from Bob' })
    for (const peer of [alice, bob, carol]) {
      await vi.waitFor(async () => { expect((await groupMessages(peer.db, groupId)).map((m) => m.body).sort()).toEqual(['from Alice', 'from Bob']) }, SLOW)
    }
    // Alice and Bob sealed for each other, never for Carol; each holds a session with the other
    const aliceId = alice.node.status.peerId ?? ''
    const bobId = bob.node.status.peerId ?? ''
    expect(sealedFor).toContain(aliceId)
    expect(sealedFor).toContain(bobId)
    expect(sealedFor).not.toContain(carolId)
    expect((await sessionsOf(alice.db, bobId)).filter((s) => s.current)).toHaveLength(1)
    expect((await sessionsOf(bob.db, aliceId)).filter((s) => s.current)).toHaveLength(1)

    // a file: its key goes to Bob in his box, beside the signed offer, and he pulls it sealed with it;
    // Carol gets the offer without the key and pulls it as before; both hold the same bytes
    const bytes = new Uint8Array(100_000).map((_, i) => (i * 13) % 251)
    const { messageId } = await alice.node.call('sendGroupFile', { groupId, file: new Blob([bytes]), name: 'map.bin', mime: 'application/octet-stream', caption: 'the way', thumb: null })
    for (const peer of [bob, carol]) await vi.waitFor(async () => { expect((await peer.db.transfers.get(messageId))?.state).toBe('complete') }, SLOW)
    const key = (await alice.db.transfers.get(messageId))?.key
    expect(key).toHaveLength(32)
    expect((await bob.db.transfers.get(messageId))?.key).toEqual(key)
    expect((await carol.db.transfers.get(messageId))?.key).toBeUndefined()
    for (const peer of [bob, carol]) {
      const { file } = await peer.node.call('getFile', { id: messageId })
      expect(new Uint8Array(await file.arrayBuffer())).toEqual(bytes)
    }
  }, 180_000)
})
