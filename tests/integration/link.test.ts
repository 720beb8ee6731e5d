/**
 * Linking a device, end to end in the worker's nodes against a real
 * relay-node (issue 58, increment 2; src/lib/p2p/link). Alice's laptop (A:
 * an onboarded identity with a contact, a group and a few hundred messages)
 * links a new browser (N: no identity) by N's QR text: both show the same
 * code; on A's word N ends up with Alice's contacts, group and history, a
 * key of its own (another PeerID), the account A's PeerID and the list of
 * both devices, and runs as a node. Every other ending (a bad QR text, the
 * codes said to differ, a cancel, a timeout or an expired code on the
 * injected clock, a full account) stores nothing on N, nor on A.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { openDeviceList } from '@parley/protocol/devices/list'
import { LINK_CONFIRM_TIMEOUT_MS, LINK_QR_TTL_MS } from '@parley/protocol/link/constants'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { getAccount } from '../../src/lib/db/account.ts'
import { peerIdOf, startHarness, WAIT } from './harness.ts'
import { startAlice as startLinkAlice, startBlank as startLinkBlank, stopBlanks, stored } from './link-support.ts'
import type { LinkView } from '../../src/lib/contract/link-types.ts'
import type { Harness } from './harness.ts'
import type { Blank } from './link-support.ts'

let harness: Harness

beforeEach(async () => { harness = await startHarness() })
afterEach(async () => {
  await stopBlanks()
  await harness.close()
})

/** A browser with no identity yet: its node started, waiting for onboarding (or a link). */
async function startBlank (): Promise<Blank> {
  const blank = await startLinkBlank(harness)
  expect(blank.node.status.phase).toBe('needs-profile')
  return blank
}

async function startAlice (history: number): ReturnType<typeof startLinkAlice> {
  return startLinkAlice(harness, history)
}

describe('linking a device', () => {
  it('N gets the account: the same code on both, then Alice\'s contacts, group and history, its own key, the list of both', async () => {
    const { alice, bob, groupId } = await startAlice(300)
    const aliceViews: LinkView[] = []
    alice.node.events.addEventListener('link', (event) => { aliceViews.push(event.detail) })
    const n = await startBlank()
    const waiting = await n.node.call('linkAsNewDevice', undefined)
    expect(waiting).toMatchObject({ role: 'new', phase: 'waiting' })
    expect(waiting.qr).toMatch(/^parley-link:/)

    const confirm = await alice.node.call('linkDevice', { qr: waiting.qr ?? '' })
    expect(confirm).toMatchObject({ role: 'existing', phase: 'confirm' })
    expect(confirm.code).toMatch(/^\d{6}$/)
    await vi.waitFor(async () => { expect(await n.node.call('getLink', undefined)).toMatchObject({ phase: 'confirm', code: confirm.code, accountName: 'Alice' }) }, WAIT)

    await alice.node.call('confirmLink', { same: true })
    await vi.waitFor(async () => { expect(await n.node.call('getLink', undefined)).toMatchObject({ phase: 'done' }) }, WAIT)
    await vi.waitFor(() => { expect(n.node.status.phase).toBe('online') }, WAIT)
    await vi.waitFor(async () => { expect(await alice.node.call('getLink', undefined)).toMatchObject({ phase: 'done' }) }, WAIT)
    // every view of one run names it; the two sides' runs are their own
    expect(new Set(n.views.map(v => v.id))).toEqual(new Set([waiting.id]))
    expect(new Set(aliceViews.map(v => v.id))).toEqual(new Set([confirm.id]))
    // progress on both sides, up to the whole file
    for (const views of [n.views, aliceViews]) {
      const last = views.filter(v => v.phase === 'transfer').pop()
      expect(last?.progress?.total).toBeGreaterThan(0)
      expect(last?.progress?.done).toBe(last?.progress?.total)
    }

    const accountId = peerIdOf(alice)
    const device = n.node.status.peerId ?? ''
    expect(device).not.toBe(accountId)
    // the status names both: N's own PeerID on the network, the account's for "me" in the tab; on A they are one
    expect(n.node.status.account).toBe(accountId)
    expect(alice.node.status).toMatchObject({ peerId: accountId, account: accountId })
    expect(await n.db.profile.get(1)).toMatchObject({ peerId: device, username: 'Alice' })
    const account = await getAccount(n.db)
    expect(account).toMatchObject({ account: accountId, holder: false })
    const list = openDeviceList(account?.list, { account: accountId })
    expect(list.devices.map(d => d.peer)).toEqual([accountId, device])
    // A stored the same list
    expect((await getAccount(alice.db))?.list).toEqual(account?.list)

    expect((await n.db.contacts.toArray()).map(c => c.peerId)).toEqual([peerIdOf(bob)])
    expect(await n.db.messages.where('contactId').equals(1).count()).toBe(await alice.db.messages.where('contactId').equals(1).count())
    expect(await n.db.messages.count()).toBe(await alice.db.messages.count())
    expect((await n.db.groups.get(groupId))?.name).toBe('Weekend')
    // and the group's operations, with the list naming N that A gave the group once N was linked (after the state moved)
    await vi.waitFor(async () => { expect(await n.db.groupOps.where('group').equals(groupId).count()).toBe(await alice.db.groupOps.where('group').equals(groupId).count()) }, WAIT)
    expect(await alice.db.groupOps.where('group').equals(groupId).count()).toBe(3)
    // nothing of A's secrets came along (its sessions are with Bob; N's own with A come from the group's list it was sent)
    expect(await n.db.sessions.where('peer').notEqual(accountId).count()).toBe(0)

    // contacts know the account: N's invite names it (the short link only: N's addresses are its own), and the safety number with Bob is A's
    const invite = await n.node.call('getInvite', undefined)
    expect(invite.invite).toBeUndefined()
    expect((await n.node.call('previewInvite', { invite: (await alice.node.call('getInvite', undefined)).link }).catch((err: unknown) => err))).toMatchObject({ code: 'ownInvite' })
    expect(await n.node.call('getSafetyNumber', { contactId: 1 })).toEqual(await alice.node.call('getSafetyNumber', { contactId: 1 }))
  })

  it('a bad QR text ends at once as bad-qr; the codes said to differ end both as mismatch; nothing is stored on either side', async () => {
    const { alice } = await startAlice(10)
    expect(await alice.node.call('linkDevice', { qr: 'parley-link:nonsense' })).toMatchObject({ phase: 'ended', reason: 'bad-qr' })
    const n = await startBlank()
    const aliceBefore = await stored(alice.db)
    const { qr } = await n.node.call('linkAsNewDevice', undefined)
    await alice.node.call('linkDevice', { qr: qr ?? '' })
    expect(await alice.node.call('confirmLink', { same: false })).toMatchObject({ phase: 'ended', reason: 'mismatch' })
    await vi.waitFor(async () => { expect(await n.node.call('getLink', undefined)).toMatchObject({ phase: 'ended', reason: 'mismatch', byPeer: true }) }, WAIT)
    expect(await stored(alice.db)).toEqual(aliceBefore)
    expect(await stored(n.db)).toEqual({ contacts: 0, messages: 0, groups: 0 })
    expect(n.node.status.phase).toBe('needs-profile')
    // and N starts again cleanly, with a new code
    const again = await n.node.call('linkAsNewDevice', undefined)
    expect(again).toMatchObject({ phase: 'waiting' })
    expect(again.qr).not.toBe(qr)
    // a view of another run: the ended one's id is not the new one's
    expect(again.id).not.toBe(n.views.find(v => v.phase === 'ended')?.id)
  })

  it('a cancel on N while A asks the person ends both as declined; a second link while one runs is busy', async () => {
    const { alice } = await startAlice(10)
    const n = await startBlank()
    const aliceBefore = await stored(alice.db)
    const { qr, id } = await n.node.call('linkAsNewDevice', undefined)
    const busy = await n.node.call('linkAsNewDevice', undefined)
    // an answer of no run: an id of its own, so no tab takes it for the run going on
    expect(busy).toMatchObject({ phase: 'ended', reason: 'busy' })
    expect(busy.id).not.toBe(id)
    await alice.node.call('linkDevice', { qr: qr ?? '' })
    expect(await alice.node.call('linkDevice', { qr: qr ?? '' })).toMatchObject({ phase: 'ended', reason: 'busy' })
    await n.node.call('cancelLink', undefined)
    await vi.waitFor(async () => { expect(await alice.node.call('getLink', undefined)).toMatchObject({ phase: 'ended', reason: 'declined', byPeer: true }) }, WAIT)
    expect(await n.node.call('getLink', undefined)).toMatchObject({ phase: 'ended', reason: 'declined' })
    expect(await stored(alice.db)).toEqual(aliceBefore)
    expect(await stored(n.db)).toEqual({ contacts: 0, messages: 0, groups: 0 })
  })

  it('the person\'s word not given in time: A times out on its clock, N hears it; nothing stored', async () => {
    const { alice } = await startAlice(10)
    const n = await startBlank()
    let offset = 0
    alice.node.components.links.useClock(() => Date.now() + offset)
    const aliceBefore = await stored(alice.db)
    const { qr } = await n.node.call('linkAsNewDevice', undefined)
    await alice.node.call('linkDevice', { qr: qr ?? '' })
    offset = LINK_CONFIRM_TIMEOUT_MS + 1
    await alice.node.components.links.tick()
    expect(await alice.node.call('getLink', undefined)).toMatchObject({ phase: 'ended', reason: 'timeout' })
    await vi.waitFor(async () => { expect(await n.node.call('getLink', undefined)).toMatchObject({ phase: 'ended', reason: 'timeout', byPeer: true }) }, WAIT)
    expect(await stored(alice.db)).toEqual(aliceBefore)
    expect(await stored(n.db)).toEqual({ contacts: 0, messages: 0, groups: 0 })
  })

  it('N\'s code expires on its clock: N ends as expired and is not reachable for it any more; nothing stored', async () => {
    const { alice } = await startAlice(10)
    const n = await startBlank()
    let offset = 0
    n.node.components.links.useClock(() => Date.now() + offset)
    const { qr } = await n.node.call('linkAsNewDevice', undefined)
    offset = LINK_QR_TTL_MS
    await n.node.components.links.tick()
    expect(await n.node.call('getLink', undefined)).toMatchObject({ phase: 'ended', reason: 'expired' })
    expect(await alice.node.call('linkDevice', { qr: qr ?? '' })).toMatchObject({ phase: 'ended', reason: 'unreachable' })
    expect(await stored(n.db)).toEqual({ contacts: 0, messages: 0, groups: 0 })
  })

  it('an account with 5 devices takes no sixth: both end as full, nothing stored on N, A\'s list as it was', async () => {
    const { alice } = await startAlice(10)
    for (let i = 0; i < 4; i++) await alice.node.components.devices.addDevice(peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString(), '')
    const before = await stored(alice.db)
    const n = await startBlank()
    const { qr } = await n.node.call('linkAsNewDevice', undefined)
    await alice.node.call('linkDevice', { qr: qr ?? '' })
    expect(await alice.node.call('confirmLink', { same: true })).toMatchObject({ phase: 'ended', reason: 'full' })
    await vi.waitFor(async () => { expect(await n.node.call('getLink', undefined)).toMatchObject({ phase: 'ended', reason: 'full', byPeer: true }) }, WAIT)
    expect(await stored(alice.db)).toEqual(before)
    expect(await stored(n.db)).toEqual({ contacts: 0, messages: 0, groups: 0 })
  })

  it('only the device holding the account key links another: a linked device says not-holder', async () => {
    const { alice } = await startAlice(10)
    const n = await startBlank()
    const { qr } = await n.node.call('linkAsNewDevice', undefined)
    await alice.node.call('linkDevice', { qr: qr ?? '' })
    await alice.node.call('confirmLink', { same: true })
    await vi.waitFor(() => { expect(n.node.status.phase).toBe('online') }, WAIT)
    expect(await n.node.call('linkDevice', { qr: qr ?? '' })).toMatchObject({ phase: 'ended', reason: 'not-holder' })
    // a browser with an identity is no new device
    await expect(n.node.call('linkAsNewDevice', undefined)).rejects.toMatchObject({ name: 'ProfileExistsError', code: 'profileExists' })
  })
})
