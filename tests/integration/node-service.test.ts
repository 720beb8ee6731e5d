import { textOfError } from '../../src/lib/i18n/error-text.ts'
import { expectRefusal, rejectionWords } from '../support/words.ts'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { afterEach, describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { getContact, upsertContact } from '../../src/lib/db/contacts.ts'
import { ParleyDb } from '../../src/lib/db/db.ts'
import { safetyNumber } from '../../src/lib/node/contacts/safety-number.ts'
import { NodeService } from '../../src/lib/node/kernel/node-service.ts'
import type { AppConfig } from '../../src/lib/node/kernel/app-config.ts'
import type { NodeStatus } from '../../src/lib/rpc/protocol.ts'

/**
 * NodeService's refusals: each bad request gets an error in words and leaves
 * the database as it was. No relay is needed: a node with an unreachable
 * relay still starts (offline).
 */

const services: NodeService[] = []

function make (loadConfig: () => Promise<AppConfig> = async () => ({ relays: [] })): { service: NodeService, db: ParleyDb, statuses: NodeStatus[] } {
  const db = new ParleyDb('parley', { indexedDB: new IDBFactory(), IDBKeyRange })
  const statuses: NodeStatus[] = []
  const service = new NodeService({ db, origin: 'http://127.0.0.1:5173', loadConfig, onStatus: s => { statuses.push(s) } })
  services.push(service)
  return { service, db, statuses }
}

afterEach(async () => {
  await Promise.all(services.splice(0).map(async s => s.stop()))
})

describe('NodeService', () => {
  it('asks for a profile first and refuses calls that need one', async () => {
    const { service, db } = make()
    await service.start()
    expect(service.status.phase).toBe('needs-profile')
    expect(() => service.getInvite()).toThrow(/Choose a name first/)
    await expect(service.sendMessage(1, 'hi')).rejects.toThrow(/Choose a name first/)
    expect(await db.messages.count()).toBe(0)
  })

  it('refuses an empty or overlong name and a second profile', async () => {
    const { service, db } = make()
    await service.start()
    await expect(service.createProfile('   ')).rejects.toThrow('The name is empty.')
    await expect(service.createProfile('x'.repeat(65))).rejects.toThrow(/longer than 64/)
    expect(await db.profile.count()).toBe(0)

    await service.createProfile('  Alice  ')
    const profile = await db.profile.get(1)
    expect(profile?.username).toBe('Alice')
    await expect(service.createProfile('Mallory')).rejects.toThrow(/already has a Parley identity/)
    expect((await db.profile.get(1))?.peerId).toBe(profile?.peerId)
  })

  it('starts offline when the relay is unreachable, with the reason in the status', async () => {
    const { service } = make(async () => ({ relays: ['/ip4/127.0.0.1/tcp/9/ws/p2p/12D3KooWJZmEPFMtgh8VyFCPuPd5MWY46koDR2VcnbwaZfLdvZzj'] }))
    await service.start()
    await service.createProfile('Alice')
    expect(service.status.phase).toBe('offline')
    expect(service.status.peerId).toMatch(/^12D3KooW/)
  })

  it('reports a config that cannot be loaded and still starts', async () => {
    const { service } = make(async () => { throw new Error('Could not load the app configuration (HTTP 404).') })
    await service.start()
    await service.createProfile('Alice')
    expect(service.status.phase).toBe('offline')
    expect(textOfError(service.status.error)).toContain('HTTP 404')
  })

  it('refuses its own invite and an unknown contact, and queues nothing oversized', async () => {
    const { service, db } = make()
    await service.start()
    await service.createProfile('Alice')
    // offline (no relay): no address to put in an invite
    expect(() => service.getInvite()).toThrow(/not connected to a relay yet/)
    const relayCircuit = '/ip4/127.0.0.1/tcp/9/ws/p2p/12D3KooWJZmEPFMtgh8VyFCPuPd5MWY46koDR2VcnbwaZfLdvZzj/p2p-circuit'
    await expect(service.addContact(`${service.status.peerId ?? ''}@${relayCircuit}`)).rejects.toThrow(/your own invite/)
    expect(await db.contacts.count()).toBe(0)
    await expect(service.sendMessage(42, 'hello')).rejects.toThrow(/does not exist/)

    const other = make()
    await other.service.start()
    await other.service.createProfile('Bob')
    // Bob is offline too, so he has no invite link: use the text form
    const contactId = await service.addContact(`${other.service.status.peerId ?? ''}@${relayCircuit}`)
    expect(await rejectionWords(service.sendMessage(contactId, 'x'.repeat(16_385)))).toMatch(/too long/)
    expect(await rejectionWords(service.sendMessage(contactId, ''))).toMatch(/empty/)
    expect(await db.messages.count()).toBe(0)

    await service.sendMessage(contactId, 'hello Bob')
    const [row] = await db.messages.toArray()
    expect(row?.body).toBe('hello Bob')
    expect(row?.state).toMatch(/queued|sent|stored/)
  })
})

describe('NodeService identity backup', () => {
  it('restores the same identity in a fresh browser, and refuses a wrong passphrase or a browser that has one', async () => {
    const first = make()
    await first.service.start()
    await first.service.createProfile('Alice')
    const file = await first.service.exportIdentity('a long passphrase', true)

    const second = make()
    await second.service.start()
    expect(second.service.status.phase).toBe('needs-profile')
    await expect(second.service.importIdentity(file, 'the wrong passphrase')).rejects.toMatchObject({ name: 'WrongPassphraseError' })
    expect(await second.db.profile.count()).toBe(0)
    const status = await second.service.importIdentity(file, 'a long passphrase')
    expect(status.peerId).toBe(first.service.status.peerId)
    expect(status.username).toBe('Alice')

    await expect(first.service.importIdentity(file, 'a long passphrase')).rejects.toMatchObject({ name: 'ProfileExistsError' })
  })
})

describe('NodeService safety numbers', () => {
  it('gives 12 groups of 5 digits, and a scan of the other side\'s code marks the contact verified', async () => {
    const { service, db } = make()
    await service.start()
    await service.createProfile('Alice')
    const bob = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const contactId = await upsertContact(db, { peerId: bob, username: 'Bob', addresses: [] })

    const ours = await service.getSafetyNumber(contactId)
    expect(ours.groups).toHaveLength(12)
    expect(ours.groups.every(g => /^\d{5}$/.test(g))).toBe(true)
    expect(await service.checkSafetyCode(contactId, ours.qr)).toBe('mismatch')
    expect(await service.checkSafetyCode(contactId, 'WIFI:S:cafe;;')).toBe('not-a-safety-code')
    expect((await getContact(db, contactId))?.verified).toBe(false)

    const theirs = await safetyNumber(bob, service.status.peerId ?? '')
    expect(await service.checkSafetyCode(contactId, theirs.qr)).toBe('match')
    expect((await getContact(db, contactId))?.verified).toBe(true)
    await service.setVerified(contactId, false)
    expect((await getContact(db, contactId))?.verified).toBe(false)
  }, 60_000)

  it('adds and removes the user\'s TURN servers, refusing malformed RPC params in words and storing nothing', async () => {
    const { service, db } = make(async () => ({ relays: [], iceServers: [] }))
    await service.start()
    await service.createProfile('Alice')
    const good = { url: 'turn:127.0.0.1:3478?transport=udp', username: 'alice', credential: 's3cret' }

    for (const [params, why] of [
      [null, /needs an address, a username and a credential/],
      [{ ...good, extra: 1 }, /exactly an address, a username and a credential/],
      [{ ...good, url: 'stun:stun.example.org' }, /This is a STUN address/],
      [{ ...good, credential: 7 }, /The credential must be text/]
    ] as const) {
      await expectRefusal(service.addTurnServer(params), 'InvalidTurnServerError', why)
    }
    expect(await db.turnServers.count()).toBe(0)

    const id = await service.addTurnServer(good)
    expect(await db.turnServers.get(id)).toMatchObject(good)
    await expect(service.removeTurnServer('1')).rejects.toThrow(expect.objectContaining({ name: 'InvalidTurnServerError' }))
    await service.removeTurnServer(id)
    expect(await db.turnServers.count()).toBe(0)
  }, 60_000)
})
