import { createHash, randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { IdbChunkStore } from '../../src/lib/files/chunk-store.ts'
import { MemoryChunkStore } from '../../src/lib/files/memory-store.ts'
import { MemoryFullError } from '../../src/lib/files/store-common.ts'
import { unfinishedTransfers } from '../../src/lib/db/transfers.ts'
import { errorText } from '../../src/lib/i18n/error-text.ts'
import { befriend, startHarness, WAIT } from './harness.ts'
import { expectRefusal } from '../support/words.ts'
import type { ParleyDb } from '../../src/lib/db/db.ts'
import type { TransferRow } from '../../src/lib/db/types.ts'
import type { Harness, Peer } from './harness.ts'

/**
 * A browser that can keep no file on the device (no OPFS, and an IndexedDB
 * that refuses Blobs, as WebKit's private windows do): its node keeps files
 * in memory (files/memory-store.ts) while it runs. Forced here by making the
 * IndexedDB store's Blob probe fail while that person's node starts (Node
 * has no OPFS).
 */

let harness: Harness
beforeEach(async () => { harness = await startHarness() })
afterEach(async () => {
  vi.restoreAllMocks()
  await harness.close()
})

const NOT_KEPT = 'This browser keeps files only while Parley is open, and this one is gone. Ask for it again.'

/** Starts a node whose IndexedDB refuses Blobs (a restart when `factory` is given). */
async function startWithoutFileStorage (name: string | undefined, factory?: IDBFactory): Promise<Peer> {
  const probe = vi.spyOn(IdbChunkStore.prototype, 'probe').mockRejectedValue(new DOMException('Blobs are not allowed here.', 'DataCloneError'))
  try {
    return await harness.startPeer(factory, name)
  } finally {
    probe.mockRestore()
  }
}

async function transferNamed (db: ParleyDb, name: string): Promise<TransferRow> {
  let row: TransferRow | undefined
  await vi.waitFor(async () => {
    row = (await db.transfers.toArray()).find(t => t.name === name)
    expect(row).toBeDefined()
  }, WAIT)
  return row as TransferRow
}

async function expectState (db: ParleyDb, name: string, state: TransferRow['state']): Promise<TransferRow> {
  await vi.waitFor(async () => { expect((await transferNamed(db, name)).state).toBe(state) }, WAIT)
  return transferNamed(db, name)
}

async function accepted (alice: Peer, bob: Peer): Promise<{ aToB: number, bToA: number }> {
  const ids = await befriend(alice, bob)
  await vi.waitFor(async () => {
    expect((await alice.db.contacts.get(ids.aToB))?.state).toBe('accepted')
    expect((await bob.db.contacts.get(ids.bToA))?.state).toBe('accepted')
  }, WAIT)
  return ids
}

describe('a browser that keeps files only in memory', () => {
  it('receives a file whole while it runs, says where it keeps files, and after a restart says the file is gone', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await startWithoutFileStorage('Bob')
    expect(bob.node.status.capabilities.fileStorage).toBe('memory')
    expect(alice.node.status.capabilities.fileStorage).toBe('idb')
    const { aToB } = await accepted(alice, bob)

    const bytes = randomBytes(300_000)
    await alice.node.call('sendFile', { contactId: aToB, file: new Blob([bytes]), name: 'kept-for-now.bin', mime: '', caption: '', thumb: null })
    const row = await expectState(bob.db, 'kept-for-now.bin', 'complete')
    expect(row.store).toBe('memory')
    const file = (await bob.node.call('getFile', { id: row.id })).file
    expect(createHash('sha256').update(new Uint8Array(await file.arrayBuffer())).digest('hex')).toBe(createHash('sha256').update(bytes).digest('hex'))
    // nothing of it went to IndexedDB
    expect(await bob.db.fileChunks.count()).toBe(0)

    const factory = bob.factory
    await bob.stop()
    const bobAgain = await startWithoutFileStorage(undefined, factory)
    expect((await bobAgain.db.transfers.get(row.id))?.state).toBe('complete')
    await expectRefusal(bobAgain.node.call('getFile', { id: row.id }), 'TransferStateError', NOT_KEPT)
  })

  it('an offered file whose copy was only in memory fails with that reason when the node starts again', async () => {
    const alice = await startWithoutFileStorage('Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    const { aToB } = await accepted(alice, bob)
    await bob.stop()

    await alice.node.call('sendFile', { contactId: aToB, file: new Blob([randomBytes(5000)]), name: 'offered.bin', mime: '', caption: '', thumb: null })
    const offered = await expectState(alice.db, 'offered.bin', 'waiting')
    expect(offered.store).toBe('memory')
    // while the node runs it still has the file
    expect((await alice.node.call('getFile', { id: offered.id })).file.size).toBe(5000)

    const factory = alice.factory
    await alice.stop()
    const aliceAgain = await startWithoutFileStorage(undefined, factory)
    const failed = await expectState(aliceAgain.db, 'offered.bin', 'failed')
    expect(failed.problem).toEqual({ code: 'fileNotKept', params: {} })
    expect(errorText(failed.problem?.code ?? '', failed.problem?.params)).toBe(NOT_KEPT)
    await expectRefusal(aliceAgain.node.call('getFile', { id: offered.id }), 'TransferStateError', NOT_KEPT)
  })

  it('a download that does not fit in memory stops with the reason, lets go of what it held, and is not tried again', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await startWithoutFileStorage('Bob')
    const { aToB } = await accepted(alice, bob)
    // the store at its bound (memory-store.test.ts checks the bound itself)
    vi.spyOn(MemoryChunkStore.prototype, 'putChunk').mockRejectedValue(new MemoryFullError('fileMemoryFull', { max: 64 * 1024 }))
    const freed = vi.spyOn(MemoryChunkStore.prototype, 'delete')
    await alice.node.call('sendFile', { contactId: aToB, file: new Blob([randomBytes(200_000)]), name: 'too-much.bin', mime: '', caption: '', thumb: null })
    const row = await expectState(bob.db, 'too-much.bin', 'failed')
    expect(row.problem).toEqual({ code: 'fileMemoryFull', params: { max: 64 * 1024 } })
    expect(errorText(row.problem?.code ?? '', row.problem?.params)).toMatch(/^This browser keeps files only in memory, at most 64 KiB at a time, and that is full\./)
    // what it had stored is let go, so a retry starts from the first chunk
    expect(freed).toHaveBeenCalledWith(row.id)
    expect(row.chunksDone).toBe(0)
    expect((await unfinishedTransfers(bob.db)).map(t => t.id)).not.toContain(row.id)
  })
})
