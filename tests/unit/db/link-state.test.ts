/**
 * The state file a link moves (db/link-state.ts, link-state-read.ts;
 * docs/protocols.md, "Linking a device", "The state file"): what it holds
 * and what it never holds (the identity's private key, sessions, prekeys,
 * a file's key or bytes), the round trip into an empty database in one
 * transaction, its chunks and hashes, a long history, and every damaged
 * file refused with nothing stored.
 */
import { generateKeyPair, privateKeyToProtobuf, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { sha256 } from '@noble/hashes/sha2.js'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { toBase64 } from '../../../src/lib/db/backup-envelope.ts'
import { upsertContact } from '../../../src/lib/db/contacts.ts'
import { GROUP_CONTACT_ID } from '../../../src/lib/db/groups.ts'
import { LINK_STATE_CHUNK_BYTES, writeLinkState } from '../../../src/lib/db/link-state.ts'
import { importLinkState, LinkStateError, readLinkState } from '../../../src/lib/db/link-state-read.ts'
import { ProfileExistsError } from '../../../src/lib/db/errors.ts'
import { queueOutgoing } from '../../../src/lib/db/messages.ts'
import { storeIncoming } from '../../../src/lib/db/messages-incoming.ts'
import { saveProfile } from '../../../src/lib/db/profile.ts'
import { openTestDb } from './helpers.ts'
import { sessionRow } from './session-rows.ts'
import type { AccountRow } from '../../../src/lib/db/account.ts'
import type { ParleyDb } from '../../../src/lib/db/db.ts'
import type { GroupRow } from '../../../src/lib/db/group-types.ts'
import type { MessageId, MessageRow, ProfileRow } from '../../../src/lib/db/types.ts'

const GROUP = 'ab'.repeat(16)
const FILE_KEY = new Uint8Array(32).fill(7)

let source: ParleyDb
let target: ParleyDb
let profile: ProfileRow
let deviceProfile: ProfileRow
let account: AccountRow

async function newIdentity (): Promise<{ peerId: string, privateKey: Uint8Array, publicKey: Uint8Array }> {
  const key = await generateKeyPair('Ed25519')
  return { peerId: peerIdFromPrivateKey(key).toString(), privateKey: privateKeyToProtobuf(key), publicKey: publicKeyToProtobuf(key.publicKey) }
}

beforeEach(async () => {
  source = await openTestDb()
  target = await openTestDb()
  const me = await newIdentity()
  profile = { id: 1, peerId: me.peerId, privateKey: me.privateKey, username: 'Alice', createdAt: 100 }
  await saveProfile(source, profile)
  const bob = await newIdentity()
  const bobId = await upsertContact(source, { peerId: bob.peerId, username: 'bob', addresses: [], publicKey: bob.publicKey, now: 200 })
  await source.contacts.update(bobId, { nickname: 'Bobby', verified: true, state: 'accepted', helloPending: true, helloSince: 250 })
  await queueOutgoing(source, { contactId: bobId, fromPeerId: me.peerId, body: 'hi bob', now: 1_000 })
  await storeIncoming(source, { id: '01JD00000000000000000000A1' as MessageId, contactId: bobId, fromPeerId: bob.peerId, body: 'hi alice', sentAt: 1_100, receivedAt: 1_110 })
  const group: GroupRow = { id: GROUP, name: 'Weekend', picture: '', state: 'member', owner: me.peerId, members: [{ peer: me.peerId, role: 'owner', name: 'Alice', mailboxes: [] }, { peer: bob.peerId, role: 'member', name: 'bob', mailboxes: [] }], lamport: 2, heads: ['op1'], createdAt: 300, updatedAt: 300 }
  await source.groups.put(group)
  await source.groupOps.put({ id: 'op1', group: GROUP, lamport: 1, signed: { body: '{"op":"create"}', sig: 'c2ln' } })
  const groupMessage: MessageRow = {
    id: '01JD00000000000000000000G1' as MessageId, contactId: GROUP_CONTACT_ID, direction: 'in', fromPeerId: bob.peerId, kind: 'file', body: '', sentAt: 1_200, state: 'delivered', groupId: GROUP, lamport: 2,
    file: { sha256: 'a'.repeat(64), size: 10, name: 'plan.txt', mime: 'text/plain', chunkSize: 16_384, listHash: 'b'.repeat(64), key: FILE_KEY }
  }
  await source.messages.put(groupMessage)
  await source.sessions.put(sessionRow(bob.peerId))
  await source.settings.put({ key: 'messaging', readReceipts: false, updatedAt: 5 } as never)
  const device = await newIdentity()
  deviceProfile = { id: 1, peerId: device.peerId, privateKey: device.privateKey, username: 'Alice', createdAt: 100 }
  account = { id: 1, account: me.peerId, holder: false, deviceName: '', version: 7 }
})
afterEach(() => {
  source.close()
  target.close()
})

async function text (blob: Blob): Promise<string> {
  return new TextDecoder().decode(await blob.arrayBuffer())
}

describe('the state file', () => {
  it('holds the profile\'s name, contacts, messages, the group, its operations and messages, the person\'s settings; never a private key, a session or a file key', async () => {
    const file = await writeLinkState(source, profile.peerId, 9_000)
    const lines = (await text(file.blob)).split('\n')
    expect(lines.pop()).toBe('')
    expect(lines.map(l => (JSON.parse(l) as { t: string }).t)).toEqual(['head', 'profile', 'contact', 'message', 'message', 'group', 'groupOp', 'groupMessage', 'setting', 'end'])
    expect(JSON.parse(lines[0] ?? '')).toEqual({ t: 'head', v: 1, account: profile.peerId, exportedAt: 9_000 })
    expect(JSON.parse(lines[1] ?? '')).toEqual({ t: 'profile', username: 'Alice', createdAt: 100 })
    const all = lines.join('\n')
    expect(all).not.toContain(toBase64(profile.privateKey))
    expect(all).not.toContain(toBase64(profile.privateKey.subarray(4, 36)))
    expect(all).not.toContain(toBase64(FILE_KEY))
    expect(all).not.toContain('rootKey')
    expect(all).not.toContain('privateKey')
    expect(file.size).toBe(new TextEncoder().encode(lines.join('\n') + '\n').byteLength)
    expect(file.sha256).toEqual(sha256(new Uint8Array(await file.blob.arrayBuffer())))
    expect(file.listHash).toEqual(sha256(file.hashes))
  })

  it('goes into an empty database in one transaction: this device\'s profile and account row, the account\'s rows', async () => {
    const file = await writeLinkState(source, profile.peerId, 9_000)
    const rows = await readLinkState(file.blob, profile.peerId)
    await importLinkState(target, rows, deviceProfile, account)
    expect(await target.profile.get(1)).toEqual(deviceProfile)
    expect(await target.account.get(1)).toEqual(account)
    const contacts = await target.contacts.toArray()
    expect(contacts.map(c => ({ ...c, status: undefined }))).toEqual((await source.contacts.toArray()).map(({ helloPending: _p, helloSince: _s, helloStored: _t, ...c }) => ({ ...c, status: undefined })))
    // what the other device owes contacts stays its: no hello, and our queued message is not sent from here
    expect(contacts[0]?.helloPending).toBeUndefined()
    const queued = (await source.messages.toArray()).find(m => m.direction === 'out')
    expect(queued?.state).toBe('queued')
    expect((await target.messages.get(queued?.id ?? ('' as MessageId)))?.state).toBe('failed')
    expect(await target.messages.get('01JD00000000000000000000A1' as MessageId)).toEqual(await source.messages.get('01JD00000000000000000000A1' as MessageId))
    const groupMessage = await target.messages.get('01JD00000000000000000000G1' as MessageId)
    expect(groupMessage?.groupId).toBe(GROUP)
    expect(groupMessage?.file?.key).toBeUndefined()
    expect(await target.groups.get(GROUP)).toEqual(await source.groups.get(GROUP))
    expect(await target.groupOps.toArray()).toEqual(await source.groupOps.toArray())
    expect(await target.settings.get('messaging')).toEqual(await source.settings.get('messaging'))
    expect(await target.sessions.count()).toBe(0)
    expect(await target.prekeys.count()).toBe(0)
  })

  it('refuses a database that has an identity, and changes nothing', async () => {
    const rows = await readLinkState((await writeLinkState(source, profile.peerId, 9_000)).blob, profile.peerId)
    await target.profile.put(deviceProfile)
    await expect(importLinkState(target, rows, deviceProfile, account)).rejects.toBeInstanceOf(ProfileExistsError)
    expect(await target.contacts.count()).toBe(0)
    expect(await target.account.count()).toBe(0)
  })

  it('refuses a cut, changed, foreign or reordered file (LinkStateError), touching nothing', async () => {
    const file = await writeLinkState(source, profile.peerId, 9_000)
    const whole = await text(file.blob)
    const lines = whole.split('\n').slice(0, -1)
    const refused = async (body: string, account = profile.peerId): Promise<void> => {
      await expect(readLinkState(new Blob([body]), account)).rejects.toBeInstanceOf(LinkStateError)
    }
    await refused(lines.slice(0, -1).join('\n') + '\n') // no end
    await refused(whole.slice(0, -1)) // the last line does not end
    await refused(whole, deviceProfile.peerId) // another account
    await refused([lines[1], lines[0], ...lines.slice(2)].join('\n') + '\n') // profile first
    await refused(whole.replace('"t":"contact"', '"t":"contact","x":1')) // an unknown key (the count in end also breaks)
    await refused(whole.replace('"hi bob"', '42')) // a row that breaks the backup's checks
    await refused(whole.replace('"t":"setting","row":{"key":"messaging"', '"t":"setting","row":{"key":"instance"')) // a setting of this device's own
    await refused(lines.join('\n').replace('{"t":"end"', '{"t":"secret","x":1}\n{"t":"end"') + '\n')
    await refused('\u00ff'.repeat(10))
    expect(await target.profile.count()).toBe(0)
  })

  it('a history of 10,000 messages is written in chunks and read back whole', async () => {
    const bob = (await source.contacts.toArray())[0]
    if (bob === undefined) throw new Error('no contact')
    const rows: MessageRow[] = Array.from({ length: 10_000 }, (_, i) => ({
      id: `01JE${i.toString().padStart(22, '0')}` as MessageId, contactId: bob.id, direction: 'in', fromPeerId: bob.peerId, kind: 'text', body: `message ${i}`, sentAt: 2_000 + i, receivedAt: 2_000 + i, state: 'read'
    }))
    await source.messages.bulkAdd(rows)
    const file = await writeLinkState(source, profile.peerId, 9_000)
    expect(file.counts['message']).toBe(10_002)
    expect(file.hashes.byteLength).toBe(32 * Math.ceil(file.size / LINK_STATE_CHUNK_BYTES))
    expect(file.hashes.byteLength).toBeGreaterThan(32)
    const read = await readLinkState(file.blob, profile.peerId)
    await importLinkState(target, read, deviceProfile, account)
    expect(await target.messages.count()).toBe(await source.messages.count())
  })
})
