import { createHash, randomBytes } from 'node:crypto'
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { sanitizeFileName } from '../../src/lib/files/names.ts'
import { IdbChunkStore } from '../../src/lib/files/chunk-store.ts'
import { unfinishedTransfers } from '../../src/lib/db/transfers.ts'
import { FILE_PROTOCOL } from '@parley/protocol/file/constants'
import { befriend, startHarness, WAIT } from './harness.ts'
import { errorText } from '../../src/lib/i18n/error-text.ts'
import { expectRefusal } from '../support/words.ts'
import type { ParleyDb } from '../../src/lib/db/db.ts'
import type { MessageId, TransferRow } from '../../src/lib/db/types.ts'
import type { Harness, Peer } from './harness.ts'

/**
 * Files between two nodes through a real relay-node (and the direct
 * WebRTC connection node-datachannel may add). The browser e2e covers the
 * path policy, resumes and big files.
 */

let harness: Harness
beforeEach(async () => { harness = await startHarness() })
afterEach(async () => { await harness.close() })

function sha256 (bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

async function transferNamed (db: ParleyDb, name: string): Promise<TransferRow | undefined> {
  return (await db.transfers.toArray()).find(t => t.name === name)
}

async function expectState (peer: Peer, name: string, state: TransferRow['state']): Promise<TransferRow> {
  let row: TransferRow | undefined
  await vi.waitFor(async () => {
    row = await transferNamed(peer.db, name)
    expect(row?.state).toBe(state)
  }, WAIT)
  if (row == null) throw new Error(`no transfer named ${name}`)
  return row
}

async function pair (config: { bob?: { maxFileBytes: number } } = {}): Promise<{ alice: Peer, bob: Peer, aToB: number, bToA: number }> {
  const alice = await harness.startPeer(undefined, 'Alice')
  const bob = await harness.startPeer(undefined, 'Bob', config.bob)
  const { aToB, bToA } = await befriend(alice, bob)
  // contact requests crossed: wait until both sides accept each other
  await vi.waitFor(async () => {
    expect((await alice.db.contacts.get(aToB))?.state).toBe('accepted')
    expect((await bob.db.contacts.get(bToA))?.state).toBe('accepted')
  }, WAIT)
  return { alice, bob, aToB, bToA }
}

describe('files through a real relay-node', () => {
  it('a small file goes over the relayed connection and arrives verified, with its caption', async () => {
    const { alice, bob, aToB } = await pair()
    const bytes = randomBytes(100_000)
    await alice.node.call('sendFile', { contactId: aToB, file: new Blob([bytes]), name: 'notes/../../etc/passwd', mime: 'text/plain', caption: 'for you', thumb: null })

    const received = await expectState(bob, sanitizeFileName('notes/../../etc/passwd'), 'complete')
    expect(received.name).not.toMatch(/[/\\]/)
    expect(['direct', 'relayed']).toContain(received.path)
    const blob = (await bob.node.call('getFile', { id: received.id })).file
    expect(sha256(new Uint8Array(await blob.arrayBuffer()))).toBe(sha256(bytes))
    expect((await bob.db.messages.get(received.id))?.body).toBe('for you')
    await expectState(alice, received.name, 'complete')
    // the offer itself was delivered like a message
    await vi.waitFor(async () => { expect((await alice.db.messages.get(received.id))?.state).toBe('delivered') }, WAIT)
  })

  it('a 0-byte file completes at once', async () => {
    const { alice, bob, aToB } = await pair()
    await alice.node.call('sendFile', { contactId: aToB, file: new Blob([]), name: 'empty.txt', mime: 'text/plain', caption: '', thumb: null })
    const row = await expectState(bob, 'empty.txt', 'complete')
    expect(row.chunkCount).toBe(0)
    expect((await bob.node.call('getFile', { id: row.id })).file.size).toBe(0)
  })

  it('an offer over the receiver\'s size limit is kept but refused with the reason; the sender refuses its own oversize files', async () => {
    const { alice, bob, aToB } = await pair({ bob: { maxFileBytes: 50_000 } })
    await alice.node.call('sendFile', { contactId: aToB, file: new Blob([randomBytes(60_000)]), name: 'too-big.bin', mime: '', caption: '', thumb: null })
    const row = await expectState(bob, 'too-big.bin', 'failed')
    expect(row.problem).toEqual({ code: 'fileOverLimit', params: { size: 60_000, max: 50_000 } })
    expect(errorText(row.problem?.code ?? '', row.problem?.params)).toMatch(/over the .* this app accepts/)
    expect(row.chunksDone).toBe(0)
    // retrying does not get around the limit
    await expectRefusal(bob.node.call('retryTransfer', { id: row.id }), 'FileTooLargeError', 'This file is 59 KiB, over the 49 KiB this app accepts.')
    expect((await transferNamed(bob.db, 'too-big.bin'))?.state).toBe('failed')

    const bobToAlice = (await bob.db.contacts.toArray())[0]?.id ?? -1
    await expectRefusal(bob.node.call('sendFile', { contactId: bobToAlice, file: new Blob([new Uint8Array(50_001)]), name: 'x', mime: '', caption: '', thumb: null }),
      'FileTooLargeError', 'This file is 49 KiB; files can be at most 49 KiB.')
    expect(await transferNamed(bob.db, 'x')).toBeUndefined()
  })

  it('a receiver whose storage refuses the chunks stops with that reason, and nothing tries again', async () => {
    const { alice, bob, aToB } = await pair()
    // in Node the chunk store is IndexedDB's (no OPFS); storage full, as a browser says it
    const full = vi.spyOn(IdbChunkStore.prototype, 'putChunk').mockRejectedValue(new DOMException('The quota has been exceeded.', 'QuotaExceededError'))
    try {
      await alice.node.call('sendFile', { contactId: aToB, file: new Blob([randomBytes(5000)]), name: 'full.bin', mime: '', caption: '', thumb: null })
      const row = await expectState(bob, 'full.bin', 'failed')
      expect(row.problem).toEqual({ code: 'fileNotStored', params: { reason: 'QuotaExceededError: The quota has been exceeded.' } })
      expect(errorText(row.problem?.code ?? '', row.problem?.params)).toBe('This device could not store the file: QuotaExceededError: The quota has been exceeded.')
      // a failed transfer is never scheduled again: only the user's Retry starts it over
      expect((await unfinishedTransfers(bob.db)).map(t => t.id)).not.toContain(row.id)
      expect((await transferNamed(bob.db, 'full.bin'))?.state).toBe('failed')
    } finally {
      full.mockRestore()
    }
  })

  it('a sender whose storage refuses its copy names that, not the file, as the cause', async () => {
    const { alice, aToB } = await pair()
    const refused = vi.spyOn(IdbChunkStore.prototype, 'putSource').mockRejectedValue(new DOMException('Blobs are not allowed here.', 'DataCloneError'))
    try {
      await alice.node.call('sendFile', { contactId: aToB, file: new Blob([randomBytes(5000)]), name: 'mine.bin', mime: '', caption: '', thumb: null })
      const row = await expectState(alice, 'mine.bin', 'failed')
      expect(row.problem).toEqual({ code: 'fileNotStored', params: { reason: 'DataCloneError: Blobs are not allowed here.' } })
    } finally {
      refused.mockRestore()
    }
  })

  it('either side can cancel; the other side hears of it', async () => {
    // Bob accepts nothing over 1000 bytes, so these transfers stay unfinished until cancelled
    const { alice, bob, aToB } = await pair({ bob: { maxFileBytes: 1000 } })
    await alice.node.call('sendFile', { contactId: aToB, file: new Blob([randomBytes(2000)]), name: 'one.bin', mime: '', caption: '', thumb: null })
    await alice.node.call('sendFile', { contactId: aToB, file: new Blob([randomBytes(2000)]), name: 'two.bin', mime: '', caption: '', thumb: null })
    const one = await expectState(bob, 'one.bin', 'failed')
    await expectState(bob, 'two.bin', 'failed')
    // the sender serves until the receiver's refusal closes the stream, then waits (on a slow machine, after Bob's row says failed)
    await expectState(alice, 'one.bin', 'waiting')

    // the receiver cancels: the sender hears of it
    await bob.node.call('cancelTransfer', { id: one.id })
    expect((await expectState(alice, 'one.bin', 'cancelled')).cancelledBy).toBe('peer')
    expect((await transferNamed(bob.db, 'one.bin'))?.cancelledBy).toBe('me')

    // the sender cancels: the receiver hears of it
    const two = await transferNamed(alice.db, 'two.bin')
    await alice.node.call('cancelTransfer', { id: two?.id as MessageId })
    expect((await expectState(bob, 'two.bin', 'cancelled')).cancelledBy).toBe('peer')
    expect((await transferNamed(alice.db, 'two.bin'))?.cancelPending).toBe(false)
    await expectRefusal(alice.node.call('getFile', { id: two?.id as MessageId }), 'TransferStateError', 'This file is no longer on this device.')
  })

  it('malformed file frames reset that stream only; transfers keep working', async () => {
    const { alice, bob, aToB } = await pair()
    const node = bob.node.libp2p
    if (node == null) throw new Error('bob has no node')
    const alicePeer = peerIdFromString(alice.node.status.peerId ?? '')
    await node.peerStore.merge(alicePeer, { multiaddrs: alice.node.status.addresses.map(a => multiaddr(a)) })
    for (const garbage of [Uint8Array.of(0x03, 0, 0, 0, 9), Uint8Array.of(0x7f), randomBytes(59)]) {
      const connection = node.getConnections(alicePeer).find(c => c.status === 'open')
      if (connection == null) throw new Error('bob is not connected to alice')
      const stream = await connection.newStream(FILE_PROTOCOL, { runOnLimitedConnection: true })
      const received: Uint8Array[] = []
      stream.addEventListener('message', (evt) => { received.push(evt.data.subarray()) })
      const closed = new Promise<void>((resolve) => { stream.addEventListener('close', () => { resolve() }, { once: true }) })
      lpStream(stream).write(garbage).catch(() => {})
      // the sender ends the stream: an ERROR frame (prefix, then type 0x8f) at most, never a chunk
      await closed
      const reply = Buffer.concat(received)
      if (reply.byteLength > 0) expect(reply[1]).toBe(0x8f)
    }
    const bytes = randomBytes(30_000)
    await alice.node.call('sendFile', { contactId: aToB, file: new Blob([bytes]), name: 'after.bin', mime: '', caption: '', thumb: null })
    const row = await expectState(bob, 'after.bin', 'complete')
    expect(sha256(new Uint8Array(await (await bob.node.call('getFile', { id: row.id })).file.arrayBuffer()))).toBe(sha256(bytes))
  })

  it('a received file survives a restart of the receiver and is not fetched again', async () => {
    const { alice, bob, aToB } = await pair()
    await alice.node.call('sendFile', { contactId: aToB, file: new Blob([randomBytes(200_000)]), name: 'later.bin', mime: '', caption: '', thumb: null })
    await expectState(bob, 'later.bin', 'complete')
    // Bob restarts on the same database: nothing is fetched again, the file is still there
    const factory = bob.factory
    await bob.stop()
    const again = await harness.startPeer(factory)
    const row = await expectState(again, 'later.bin', 'complete')
    expect((await again.node.call('getFile', { id: row.id })).file.size).toBe(200_000)
    expect(row.requests.every(n => n <= 1)).toBe(true)
  })
})
