import { textOfError } from '../../src/lib/i18n/error-text.ts'
import { expectRefusal, rejectionWords } from '../support/words.ts'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { afterEach, describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { getContact, upsertContact } from '../../src/lib/db/contacts.ts'
import { ParleyDb } from '../../src/lib/db/db.ts'
import { safetyNumber } from '../../src/lib/p2p/contacts/safety-number.ts'
import { NodeRoot } from '../../src/lib/p2p/root/root.ts'
import { locksFor, TEST_BUILD } from '../support/writer-locks.ts'
import type { AppConfig } from '../../src/lib/p2p/kernel/app-config.ts'
import type { ContactId } from '../../src/lib/db/types.ts'
import type { NodeStatus } from '../../src/lib/contract/index.ts'

/**
 * The node's refusals, called through the contract as a tab calls it: each
 * bad request gets a coded error the tab words, and leaves the database as
 * it was. No relay is needed: a node with an unreachable relay still starts
 * (offline).
 */

const nodes: NodeRoot[] = []

function make (loadConfig: () => Promise<AppConfig> = async () => ({ relays: [] })): { node: NodeRoot, db: ParleyDb, statuses: NodeStatus[] } {
  const factory = new IDBFactory()
  const db = new ParleyDb('parley', { indexedDB: factory, IDBKeyRange })
  const statuses: NodeStatus[] = []
  const node = new NodeRoot({ db, origin: 'http://127.0.0.1:5173', loadConfig, writer: { locks: locksFor(factory), build: TEST_BUILD } })
  node.events.addEventListener('status', (evt) => { statuses.push(evt.detail) })
  nodes.push(node)
  return { node, db, statuses }
}

afterEach(async () => {
  await Promise.all(nodes.splice(0).map(async n => n.stop()))
})

describe('the node', () => {
  it('asks for a profile first and refuses calls that need one', async () => {
    const { node, db } = make()
    await node.start()
    expect(node.status.phase).toBe('needs-profile')
    expect(await rejectionWords(node.call('getInvite'))).toMatch(/Choose a name first/)
    expect(await rejectionWords(node.call('sendMessage', { contactId: 1 as ContactId, text: 'hi' }))).toMatch(/Choose a name first/)
    expect(await db.messages.count()).toBe(0)
  })

  it('refuses an empty or overlong name and a second profile', async () => {
    const { node, db } = make()
    await node.start()
    expect(await rejectionWords(node.call('createProfile', { username: '   ' }))).toBe('The name is empty.')
    expect(await rejectionWords(node.call('createProfile', { username: 'x'.repeat(65) }))).toMatch(/longer than 64/)
    expect(await db.profile.count()).toBe(0)

    await node.call('createProfile', { username: '  Alice  ' })
    const profile = await db.profile.get(1)
    expect(profile?.username).toBe('Alice')
    await expectRefusal(node.call('createProfile', { username: 'Mallory' }), 'ProfileExistsError', /already has a Parley identity/)
    expect((await db.profile.get(1))?.peerId).toBe(profile?.peerId)
  })

  it('starts offline when the relay is unreachable, with the reason in the status', async () => {
    const { node } = make(async () => ({ relays: ['/ip4/127.0.0.1/tcp/9/ws/p2p/12D3KooWJZmEPFMtgh8VyFCPuPd5MWY46koDR2VcnbwaZfLdvZzj'] }))
    await node.start()
    await node.call('createProfile', { username: 'Alice' })
    expect(node.status.phase).toBe('offline')
    expect(node.status.peerId).toMatch(/^12D3KooW/)
  })

  it('reports a config that cannot be loaded and still starts', async () => {
    const { node } = make(async () => { throw new Error('Could not load the app configuration (HTTP 404).') })
    await node.start()
    await node.call('createProfile', { username: 'Alice' })
    expect(node.status.phase).toBe('offline')
    expect(textOfError(node.status.error)).toContain('HTTP 404')
  })

  it('refuses its own invite and an unknown contact, and queues nothing oversized', async () => {
    const { node, db } = make()
    await node.start()
    await node.call('createProfile', { username: 'Alice' })
    // offline (no relay): the short link (PeerID and name), but no full invite, which needs an address
    expect(await node.call('getInvite')).toEqual({ link: expect.stringMatching(new RegExp(`/#/c/${node.status.peerId ?? '-'}/QWxpY2U\\.[1-9A-HJ-NP-Za-km-z]{6}$`)) })
    const relayCircuit = '/ip4/127.0.0.1/tcp/9/ws/p2p/12D3KooWJZmEPFMtgh8VyFCPuPd5MWY46koDR2VcnbwaZfLdvZzj/p2p-circuit'
    expect(await rejectionWords(node.call('addContact', { invite: `${node.status.peerId ?? ''}@${relayCircuit}` }))).toMatch(/your own invite/)
    expect(await db.contacts.count()).toBe(0)
    expect(await rejectionWords(node.call('sendMessage', { contactId: 42 as ContactId, text: 'hello' }))).toMatch(/does not exist/)

    const other = make()
    await other.node.start()
    await other.node.call('createProfile', { username: 'Bob' })
    // Bob is offline too, so he has no invite link: use the text form
    const { contactId } = await node.call('addContact', { invite: `${other.node.status.peerId ?? ''}@${relayCircuit}` })
    expect(await rejectionWords(node.call('sendMessage', { contactId, text: 'x'.repeat(16_385) }))).toMatch(/too long/)
    expect(await rejectionWords(node.call('sendMessage', { contactId, text: '' }))).toMatch(/empty/)
    expect(await db.messages.count()).toBe(0)

    await node.call('sendMessage', { contactId, text: 'hello Bob' })
    const [row] = await db.messages.toArray()
    expect(row?.body).toBe('hello Bob')
    expect(row?.state).toMatch(/queued|sent|stored/)
  })

  it('refuses params that break the contract before any feature sees them', async () => {
    const { node, db } = make()
    await node.start()
    await node.call('createProfile', { username: 'Alice' })
    const refused = node.call('sendMessage', { contactId: 0 as ContactId, text: 'hi' })
    await expectRefusal(refused, 'InvalidParamsError', /^The node refused a command with wrong data \(sendMessage: params\.contactId must be a whole number ≥ 1/)
    expect(await db.messages.count()).toBe(0)
  })
})

describe('the node: identity backup', () => {
  it('restores the same identity in a fresh browser, and refuses a wrong passphrase or a browser that has one', async () => {
    const first = make()
    await first.node.start()
    await first.node.call('createProfile', { username: 'Alice' })
    const { file } = await first.node.call('exportIdentity', { passphrase: 'a long passphrase', includeHistory: true })

    const second = make()
    await second.node.start()
    expect(second.node.status.phase).toBe('needs-profile')
    await expect(second.node.call('importIdentity', { file, passphrase: 'the wrong passphrase' })).rejects.toMatchObject({ name: 'WrongPassphraseError' })
    expect(await second.db.profile.count()).toBe(0)
    const status = await second.node.call('importIdentity', { file, passphrase: 'a long passphrase' })
    expect(status.peerId).toBe(first.node.status.peerId)
    expect(status.username).toBe('Alice')

    await expect(first.node.call('importIdentity', { file, passphrase: 'a long passphrase' })).rejects.toMatchObject({ name: 'ProfileExistsError' })
  })
})

describe('the node: safety numbers and TURN servers', () => {
  it('gives 12 groups of 5 digits, and a scan of the other side\'s code marks the contact verified', async () => {
    const { node, db } = make()
    await node.start()
    await node.call('createProfile', { username: 'Alice' })
    const bob = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const contactId = await upsertContact(db, { peerId: bob, username: 'Bob', addresses: [] })

    const ours = await node.call('getSafetyNumber', { contactId })
    expect(ours.groups).toHaveLength(12)
    expect(ours.groups.every(g => /^\d{5}$/.test(g))).toBe(true)
    expect(await node.call('checkSafetyCode', { contactId, code: ours.qr })).toEqual({ result: 'mismatch' })
    expect(await node.call('checkSafetyCode', { contactId, code: 'WIFI:S:cafe;;' })).toEqual({ result: 'not-a-safety-code' })
    expect((await getContact(db, contactId))?.verified).toBe(false)

    const theirs = await safetyNumber(bob, node.status.peerId ?? '')
    expect(await node.call('checkSafetyCode', { contactId, code: theirs.qr })).toEqual({ result: 'match' })
    expect((await getContact(db, contactId))?.verified).toBe(true)
    await node.call('setVerified', { contactId, verified: false })
    expect((await getContact(db, contactId))?.verified).toBe(false)
  }, 60_000)

  it('adds and removes the user\'s TURN servers, refusing malformed ones in words and storing nothing', async () => {
    const { node, db } = make(async () => ({ relays: [], iceServers: [] }))
    await node.start()
    await node.call('createProfile', { username: 'Alice' })
    const good = { url: 'turn:127.0.0.1:3478?transport=udp', username: 'alice', credential: 's3cret' }

    // the contract refuses a malformed shape at the edge, naming what is wrong
    for (const [params, problem] of [
      [null, /params must be exactly \{ url, username, credential \}/],
      [{ ...good, extra: 1 }, /unexpected key "extra"/],
      [{ ...good, credential: 7 }, /params\.credential must be text/]
    ] as const) {
      const err = await node.call('addTurnServer', params as never).then(() => expect.fail('expected a refusal'), (e: unknown) => e)
      expect(err).toMatchObject({ name: 'InvalidParamsError', params: { method: 'addTurnServer', problem: expect.stringMatching(problem) } })
    }
    // the feature refuses what the contract cannot know, in words
    await expectRefusal(node.call('addTurnServer', { ...good, url: 'stun:stun.example.org' }), 'InvalidTurnServerError', /This is a STUN address/)
    expect(await db.turnServers.count()).toBe(0)

    const { id } = await node.call('addTurnServer', good)
    expect(await db.turnServers.get(id)).toMatchObject(good)
    await expect(node.call('removeTurnServer', { id: '1' as never })).rejects.toMatchObject({ name: 'InvalidParamsError' })
    await node.call('removeTurnServer', { id })
    expect(await db.turnServers.count()).toBe(0)
  }, 60_000)
})
