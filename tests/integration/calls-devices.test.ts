/**
 * A call to an account with two devices, between the app's nodes through a
 * real relay-node (issue 58, increment 7; docs/protocols.md, "Calls: an
 * account with several devices"). Alice's laptop (her account's first
 * device) lists her phone; Bob holds that list. Bob calls Alice: both of her
 * devices ring with his offer; the phone answers and the call is Bob's with
 * the phone; the laptop stops ringing with answered-elsewhere and keeps the
 * call in Alice's chat once, as answered on another device, not missed.
 * Then a decline on one device ends the next call on both. A call from the
 * phone rings on Bob's side as Alice's, and his record of it names her
 * account. Linking itself is not here: the test signs Alice's list with her
 * key, as her node would once the phone is linked (as
 * tests/integration/contact-devices.test.ts does).
 */
import { signDeviceList } from '@parley/protocol/devices/list'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { getAccount } from '../../src/lib/db/account.ts'
import { markSpeaksSessions, upsertContact } from '../../src/lib/db/contacts.ts'
import { chatMessages } from '../../src/lib/db/messages.ts'
import { befriend, identityKeyOf, peerIdOf, startHarness, WAIT } from './harness.ts'
import type { CallEvent } from '../../src/lib/contract/call-types.ts'
import type { ContactId } from '../../src/lib/db/types.ts'
import type { Harness, Peer } from './harness.ts'

let harness: Harness

beforeEach(async () => { harness = await startHarness() })
afterEach(async () => { await harness.close() })

const OFFER = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n'
const ANSWER = 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n'

/** Signs Alice's list with `phone` after her own device and has her node take it (its version grown). */
async function listPhone (alice: Peer, phone: Peer): Promise<number> {
  const row = await getAccount(alice.db)
  if (row === undefined) throw new Error('no account')
  const key = await identityKeyOf(alice)
  const account = peerIdOf(alice)
  const version = row.version + 1
  const list = signDeviceList(key.raw.subarray(0, 32), {
    account,
    version,
    at: version,
    devices: [{ peer: account, name: 'Laptop', added: 1 }, { peer: peerIdOf(phone), name: 'Phone', added: 2 }]
  })
  await alice.db.account.put({ ...row, list: list.signed, version })
  return (await alice.node.call('renameDevice', { name: 'Laptop' })).version
}

/** Bob as a contact of the phone, made on the phone's side alone (as a link would have brought him). */
async function bobOn (phone: Peer, bob: Peer): Promise<ContactId> {
  const id = await upsertContact(phone.db, { peerId: peerIdOf(bob), username: 'Bob', addresses: bob.node.status.addresses, state: 'accepted' })
  await markSpeaksSessions(phone.db, peerIdOf(bob))
  return id
}

function phasesOf (peer: Peer): string[] {
  const heard: string[] = []
  peer.node.events.addEventListener('call', (e: CustomEvent<CallEvent>) => { heard.push(e.detail.phase === 'ended' ? `ended:${e.detail.reason ?? ''}` : e.detail.phase) })
  return heard
}

const callRows = async (peer: Peer): Promise<unknown[]> => (await peer.db.messages.filter(m => m.kind === 'call').toArray())
  .map(m => ({ direction: m.direction, from: m.fromPeerId, state: m.state, outcome: m.call?.outcome, lasted: m.call?.durationMs !== undefined }))

describe('a call to an account with two devices', () => {
  it('both devices ring; the phone answers and takes the call; the laptop stops with answered-elsewhere; a decline on one then ends the next call on both', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    const phone = await harness.startPeer(undefined, 'Phone')
    const { aToB, bToA } = await befriend(alice, bob)
    // a message first: the list goes to Bob in a box of their session
    await alice.node.call('sendMessage', { contactId: aToB, text: 'hi' })
    await vi.waitFor(async () => { expect((await chatMessages(bob.db, bToA)).map(m => m.body)).toContain('hi') }, WAIT)
    const version = await listPhone(alice, phone)
    await vi.waitFor(async () => { expect((await bob.db.contacts.get(bToA))?.devicePeers).toEqual([peerIdOf(alice), peerIdOf(phone)]) }, WAIT)
    expect((await bob.db.contacts.get(bToA))?.devicesVersion).toBe(version)
    const phoneToBob = await bobOn(phone, bob)
    const [atBob, atLaptop, atPhone] = [phasesOf(bob), phasesOf(alice), phasesOf(phone)]

    const { callId } = await bob.node.call('startCall', { contactId: bToA, video: false, sdp: OFFER })
    await vi.waitFor(async () => {
      for (const device of [alice, phone]) expect(await device.node.call('currentCall')).toMatchObject({ callId, direction: 'in', phase: 'ringing', offer: OFFER, peerId: peerIdOf(bob) })
    }, WAIT)
    await vi.waitFor(() => { expect(atBob).toEqual(['calling', 'ringing']) }, WAIT)

    await phone.node.call('answerCall', { callId, sdp: ANSWER })
    await vi.waitFor(() => { expect(atLaptop).toEqual(['ringing', 'ended:answered-elsewhere']) }, WAIT)
    await vi.waitFor(() => { expect(atBob).toEqual(['calling', 'ringing', 'active']) }, WAIT)
    expect(await bob.node.call('currentCall')).toMatchObject({ callId, phase: 'active', peerId: peerIdOf(phone) })
    expect(await alice.node.call('currentCall')).toBeNull()
    await expect(alice.node.call('answerCall', { callId, sdp: ANSWER })).rejects.toMatchObject({ code: 'callNotFound' })

    await bob.node.call('hangUp', { callId })
    await vi.waitFor(() => { expect(atPhone).toEqual(['ringing', 'active', 'ended:hangup']) }, WAIT)
    await vi.waitFor(async () => {
      // the laptop keeps it once, read, answered on another device (no duration), from Alice's contact Bob
      expect(await callRows(alice)).toEqual([{ direction: 'in', from: peerIdOf(bob), state: 'read', outcome: 'answered-elsewhere', lasted: false }])
      expect(await callRows(phone)).toEqual([{ direction: 'in', from: peerIdOf(bob), state: 'read', outcome: 'answered', lasted: true }])
      expect(await callRows(bob)).toEqual([{ direction: 'out', from: peerIdOf(bob), state: 'delivered', outcome: 'answered', lasted: true }])
    }, WAIT)

    // the next call: declined on the laptop, it stops on the phone too
    const next = (await bob.node.call('startCall', { contactId: bToA, video: true, sdp: OFFER })).callId
    await vi.waitFor(async () => {
      for (const device of [alice, phone]) expect(await device.node.call('currentCall')).toMatchObject({ callId: next, phase: 'ringing' })
    }, WAIT)
    await alice.node.call('declineCall', { callId: next })
    await vi.waitFor(() => {
      expect(atPhone.at(-1)).toBe('ended:declined-elsewhere')
      expect(atBob.at(-1)).toBe('ended:declined')
    }, WAIT)
    await vi.waitFor(async () => {
      expect((await callRows(phone)).at(-1)).toEqual({ direction: 'in', from: peerIdOf(bob), state: 'read', outcome: 'declined', lasted: false })
      expect(await bob.db.messages.filter(m => m.kind === 'call').count()).toBe(2)
    }, WAIT)

    // the phone calls Bob: it rings as Alice's call, and Bob keeps it in her chat, from her account
    const fromPhone = (await phone.node.call('startCall', { contactId: phoneToBob, video: false, sdp: OFFER })).callId
    await vi.waitFor(async () => {
      expect(await bob.node.call('currentCall')).toMatchObject({ callId: fromPhone, direction: 'in', phase: 'ringing', contactId: bToA, peerId: peerIdOf(phone) })
    }, WAIT)
    await bob.node.call('declineCall', { callId: fromPhone })
    await vi.waitFor(async () => {
      const rows = await bob.db.messages.where('contactId').equals(bToA).filter(m => m.kind === 'call').toArray()
      expect(rows.map(m => ({ direction: m.direction, from: m.fromPeerId, outcome: m.call?.outcome }))).toContainEqual({ direction: 'in', from: peerIdOf(alice), outcome: 'declined' })
      expect(atPhone.at(-1)).toBe('ended:declined')
    }, WAIT)
  }, 120_000)
})
