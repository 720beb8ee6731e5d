/**
 * A member serves a group's file it received whole to the group's other
 * members (src/lib/p2p/transfers/host.ts, FileHosting.open): from its copy in
 * the chunk store, with the hash list it verified; its own row stays as it
 * is. Anything else it received (a file not yet whole, a 1:1 chat's file, a
 * copy asked for by someone not in the group, by another hash) is unknown.
 * And a keyed file we offered a contact: opened by its key's tag over 1.1.0
 * or by its hash over 1.0.0, its source carrying the key; by another tag,
 * or by a tag for a file without a key, it is unknown.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { afterEach, describe, expect, it } from 'vitest'
import { ParleyDb } from '../../../../src/lib/db/db.ts'
import { IdbChunkStore } from '../../../../src/lib/files/chunk-store.ts'
import { fileTag } from '@parley/protocol/file/keyed'
import { bytesToHex } from '@noble/hashes/utils.js'
import { FileHosting } from '../../../../src/lib/p2p/transfers/host.ts'
import { RelayBudget } from '../../../../src/lib/p2p/transfers/relay-budget.ts'
import { fakeConnection, testLogger } from '../../../support/fake-components.ts'
import type { ContactRow, MessageId, TransferRow } from '../../../../src/lib/db/types.ts'
import type { PeerId } from '@libp2p/interface'

const ID = '01HZX3J5Q8W2N6R4T7V9B1CCCC' as MessageId
const CHUNK = 64 * 1024
let db: ParleyDb | undefined

afterEach(() => { db?.close() })

async function sha256 (data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>))
}

async function setup (rowPatch: Partial<TransferRow> = {}): Promise<{ host: FileHosting, db: ParleyDb, member: PeerId, stranger: PeerId, bytes: Uint8Array, digest: Uint8Array }> {
  const made = new ParleyDb('parley', { indexedDB: new IDBFactory(), IDBKeyRange })
  db = made
  const member = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  const stranger = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  const bytes = new Uint8Array(150_000).map((_, i) => (i * 13) % 251)
  const chunkCount = Math.ceil(bytes.byteLength / CHUNK)
  const hashes = new Uint8Array(chunkCount * 32)
  const store = new IdbChunkStore(made)
  for (let i = 0; i < chunkCount; i++) {
    const chunk = bytes.subarray(i * CHUNK, (i + 1) * CHUNK)
    hashes.set(await sha256(chunk), i * 32)
    await store.putChunk(ID, i, chunk)
  }
  const digest = await sha256(bytes)
  const row = {
    id: ID,
    contactId: 0,
    direction: 'in',
    name: 'album.bin',
    size: bytes.byteLength,
    mime: 'application/octet-stream',
    sha256: bytesToHex(digest),
    chunkSize: CHUNK,
    chunkCount,
    state: 'complete',
    have: new Uint8Array([0b111]),
    chunksDone: chunkCount,
    bytesDone: bytes.byteLength,
    requests: new Uint8Array(chunkCount).fill(1),
    resumes: 0,
    store: 'idb',
    createdAt: 1,
    updatedAt: 2,
    completedAt: 2,
    groupId: 'g1',
    peer: 'the-author',
    ...rowPatch
  } as TransferRow
  await made.transfers.put(row)
  await made.transferHashes.put({ id: ID, hashes })
  const host = new FileHosting({
    db: made,
    log: testLogger().forComponent('test'),
    libp2p: () => { throw new Error('not used') },
    store: () => store,
    budget: new RelayBudget(),
    groupMember: async (groupId, peer) => groupId === 'g1' && peer === member.toString()
  })
  return { host, db: made, member, stranger, bytes, digest }
}

describe('FileHosting: a member\'s copy of a group\'s file', () => {
  it('is served whole to another member, and the row stays as it was', async () => {
    const { host, db, member, bytes, digest } = await setup()
    const before = await db.transfers.get(ID)
    const source = await host.open(member, ID, { version: '1.0.0', proof: digest }, fakeConnection({ remotePeer: member }))
    const got = new Uint8Array(bytes.byteLength)
    for (let i = 0; i < source.chunkCount; i++) got.set(await source.chunk(i, {}), i * CHUNK)
    expect(got).toEqual(bytes)
    expect(await source.hashes(0, source.chunkCount, {})).toEqual((await db.transferHashes.get(ID))?.hashes)
    await source.done()
    source.close?.()
    expect(await db.transfers.get(ID)).toEqual(before)
  })

  it.each([
    ['not yet whole', { state: 'active' }],
    ['a 1:1 chat\'s file', { groupId: undefined, contactId: 3 }]
  ] as const)('is unknown when %s', async (_, patch) => {
    const { host, member, digest } = await setup(patch as Partial<TransferRow>)
    await expect(host.open(member, ID, { version: '1.0.0', proof: digest }, fakeConnection({ remotePeer: member }))).rejects.toMatchObject({ code: 'unknown-transfer' })
  })

  it('is unknown to someone not in the group, and under another hash', async () => {
    const { host, member, stranger, digest } = await setup()
    await expect(host.open(stranger, ID, { version: '1.0.0', proof: digest }, fakeConnection({ remotePeer: stranger }))).rejects.toMatchObject({ code: 'unknown-transfer' })
    await expect(host.open(member, ID, { version: '1.0.0', proof: new Uint8Array(32) }, fakeConnection({ remotePeer: member }))).rejects.toMatchObject({ code: 'unknown-transfer' })
  })

  it('is unavailable when its chunks are gone', async () => {
    const { host, db, member, digest } = await setup()
    await db.fileChunks.clear()
    await expect(host.open(member, ID, { version: '1.0.0', proof: digest }, fakeConnection({ remotePeer: member }))).rejects.toMatchObject({ code: 'unavailable' })
  })
})

describe('FileHosting: a keyed file offered to a contact', () => {
  const KEY = Uint8Array.from({ length: 32 }, (_, i) => 200 - i)

  async function offeredTo (patch: Partial<TransferRow> = {}): Promise<Awaited<ReturnType<typeof setup>>> {
    const made = await setup({ direction: 'out', contactId: 3, groupId: undefined, peer: undefined, state: 'waiting', key: KEY, ...patch } as Partial<TransferRow>)
    await made.db.contacts.put({ id: 3, peerId: made.member.toString() } as ContactRow)
    await new IdbChunkStore(made.db).putSource(ID, new Blob([made.bytes as Uint8Array<ArrayBuffer>]))
    return made
  }

  it('opens by its key\'s tag over 1.1.0, and its source has the key', async () => {
    const { host, member, bytes } = await offeredTo()
    const source = await host.open(member, ID, { version: '1.1.0', proof: fileTag(KEY) }, fakeConnection({ remotePeer: member }))
    expect(source.key).toEqual(KEY)
    expect(await source.chunk(0, {})).toEqual(bytes.subarray(0, CHUNK))
    source.close?.()
  })

  it('opens by its hash over 1.0.0 too (an offer that went outside a session box has no key)', async () => {
    const { host, member, digest } = await offeredTo()
    const source = await host.open(member, ID, { version: '1.0.0', proof: digest }, fakeConnection({ remotePeer: member }))
    expect(source.chunkCount).toBe(3)
    source.close?.()
  })

  it('is unknown by another tag, by its hash as a tag, and by a tag when it has no key', async () => {
    const { host, member, digest } = await offeredTo()
    const open = async (proof: Uint8Array): Promise<unknown> => host.open(member, ID, { version: '1.1.0', proof }, fakeConnection({ remotePeer: member }))
    await expect(open(fileTag(KEY.map(b => b ^ 1)))).rejects.toMatchObject({ code: 'unknown-transfer' })
    await expect(open(digest)).rejects.toMatchObject({ code: 'unknown-transfer' })
    const unkeyed = await offeredTo({ key: undefined })
    await expect(unkeyed.host.open(unkeyed.member, ID, { version: '1.1.0', proof: fileTag(KEY) }, fakeConnection({ remotePeer: unkeyed.member }))).rejects.toMatchObject({ code: 'unknown-transfer' })
  })
})
