/**
 * A member serves a group's file it received whole to the group's other
 * members (src/lib/node/transfers/host.ts, FileHosting.open): from its copy in
 * the chunk store, with the hash list it verified; its own row stays as it
 * is. Anything else it received (a file not yet whole, a 1:1 chat's file, a
 * copy asked for by someone not in the group, by another hash) is unknown.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { afterEach, describe, expect, it } from 'vitest'
import { ParleyDb } from '../../../../src/lib/db/db.ts'
import { IdbChunkStore } from '../../../../src/lib/files/chunk-store.ts'
import { toHex } from '../../../../src/lib/files/hashing.ts'
import { FileHosting } from '../../../../src/lib/node/transfers/host.ts'
import { RelayBudget } from '../../../../src/lib/node/transfers/relay-budget.ts'
import { fakeConnection, testLogger } from '../../../support/fake-components.ts'
import type { MessageId, TransferRow } from '../../../../src/lib/db/types.ts'
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
    sha256: toHex(digest),
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
    const source = await host.open(member, ID, digest, fakeConnection({ remotePeer: member }))
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
    await expect(host.open(member, ID, digest, fakeConnection({ remotePeer: member }))).rejects.toMatchObject({ code: 'unknown-transfer' })
  })

  it('is unknown to someone not in the group, and under another hash', async () => {
    const { host, member, stranger, digest } = await setup()
    await expect(host.open(stranger, ID, digest, fakeConnection({ remotePeer: stranger }))).rejects.toMatchObject({ code: 'unknown-transfer' })
    await expect(host.open(member, ID, new Uint8Array(32), fakeConnection({ remotePeer: member }))).rejects.toMatchObject({ code: 'unknown-transfer' })
  })

  it('is unavailable when its chunks are gone', async () => {
    const { host, db, member, digest } = await setup()
    await db.fileChunks.clear()
    await expect(host.open(member, ID, digest, fakeConnection({ remotePeer: member }))).rejects.toMatchObject({ code: 'unavailable' })
  })
})
