import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ParleyDb } from '../../../src/lib/db/db.ts'
import { ContactNotFoundError } from '../../../src/lib/db/errors.ts'
import { outbox, outgoingFileRow, queueOutgoing } from '../../../src/lib/db/messages.ts'
import { deleteTransfer, getHashes, getTransfer, setTransferState, transfersOfChat, unfinishedTransfers } from '../../../src/lib/db/transfers.ts'
import { markResumed, recordChunk, recordChunks, resetChunks, saveHashes, storeIncomingFile, type IncomingFileInput } from '../../../src/lib/db/transfers-incoming.ts'
import { offerReady, recordServed, storeOutgoingFile, type OfferHashes } from '../../../src/lib/db/transfers-outgoing.ts'
import { canTransferTransition, chunkCountOf, chunkLength, hasChunk, missingChunks, outgoingTransferRow } from '../../../src/lib/db/transfer-rows.ts'
import type { ContactId, FileOffer, MessageId, MessageRow, TransferDirection, TransferRow, TransferState } from '../../../src/lib/db/types.ts'
import { GROUP_CONTACT_ID } from '../../../src/lib/db/groups.ts'
import { addContact, openTestDb } from './helpers.ts'

const ME = '12D3KooWMe'
const SHA = 'a'.repeat(64)
const LIST = 'b'.repeat(64)

let db: ParleyDb
let alice: ContactId
let bob: ContactId

beforeEach(async () => {
  db = await openTestDb()
  alice = await addContact(db, 'alice')
  bob = await addContact(db, 'bob')
})
afterEach(() => { db.close() })

/** An offer of `size` bytes in chunks of `chunkSize`. */
function offer (size: number, chunkSize: number, extra: Partial<FileOffer> = {}): FileOffer {
  return { sha256: SHA, size, name: 'photo.jpg', mime: 'image/jpeg', chunkSize, listHash: LIST, ...extra }
}

function incoming (id: string, contactId: ContactId, file: FileOffer, receivedAt = 105): IncomingFileInput {
  return { id: id as MessageId, contactId, fromPeerId: '12D3KooWPeer', body: 'look', sentAt: 100, receivedAt, file, store: 'idb' }
}

/** Stores an outgoing file of `size` bytes, still preparing, and returns its message. */
async function sendFile (contactId: ContactId, size: number, now = 1_000): Promise<MessageRow> {
  const message = outgoingFileRow({ contactId, fromPeerId: ME, file: offer(size, 4, { sha256: '', listHash: '' }), body: 'caption', now })
  await storeOutgoingFile(db, message, outgoingTransferRow(message, 'opfs', now))
  return message
}

function ready (size: number, chunkSize = 4): OfferHashes {
  const chunkCount = chunkCountOf(size, chunkSize)
  return { sha256: SHA, listHash: LIST, chunkSize, chunkCount, hashes: new Uint8Array(chunkCount * 32).fill(7) }
}

async function transfer (id: MessageId): Promise<TransferRow> {
  const row = await getTransfer(db, id)
  if (row === undefined) throw new Error(`no transfer ${id}`)
  return row
}

describe('chunk helpers', () => {
  it('counts chunks: none for an empty file, a short last chunk otherwise', () => {
    expect(chunkCountOf(0, 4)).toBe(0)
    expect(chunkCountOf(1, 4)).toBe(1)
    expect(chunkCountOf(8, 4)).toBe(2)
    expect(chunkCountOf(9, 4)).toBe(3)
    expect(() => chunkCountOf(-1, 4)).toThrow(RangeError)
    expect(() => chunkCountOf(4, 0)).toThrow(RangeError)
  })

  it('gives every chunk chunkSize bytes except the last, which holds the rest', () => {
    const row = { size: 10, chunkSize: 4, chunkCount: 3 }
    expect([0, 1, 2].map((i) => chunkLength(row, i))).toEqual([4, 4, 2])
    expect(chunkLength({ size: 8, chunkSize: 4, chunkCount: 2 }, 1)).toBe(4)
    expect(() => chunkLength(row, 3)).toThrow(RangeError)
    expect(() => chunkLength(row, -1)).toThrow(RangeError)
    expect(() => chunkLength(row, 1.5)).toThrow(RangeError)
  })

  it('reads chunk i as bit i % 8 of byte i >> 3 and lists the missing ones ascending', () => {
    const have = Uint8Array.from([0b1000_0101, 0b0000_0010])
    expect([0, 1, 2, 7, 8, 9].map((i) => hasChunk(have, i))).toEqual([true, false, true, true, false, true])
    expect(hasChunk(have, 100)).toBe(false)
    expect(missingChunks({ have, chunkCount: 11 })).toEqual([1, 3, 4, 5, 6, 8, 10])
    expect(missingChunks({ have: new Uint8Array(0), chunkCount: 0 })).toEqual([])
  })
})

describe('canTransferTransition', () => {
  const allowed: Array<[TransferState, TransferState, TransferDirection]> = [
    ['preparing', 'waiting', 'out'], ['waiting', 'active', 'out'], ['active', 'waiting', 'out'], ['active', 'complete', 'out'],
    ['waiting', 'complete', 'out'], ['preparing', 'failed', 'out'], ['failed', 'preparing', 'out'],
    ['waiting', 'waiting-direct', 'out'], ['waiting-direct', 'waiting', 'out'], ['waiting-direct', 'active', 'out'],
    ['waiting', 'waiting-direct', 'in'], ['waiting-direct', 'active', 'in'], ['active', 'verifying', 'in'],
    ['verifying', 'complete', 'in'], ['verifying', 'waiting', 'in'], ['waiting', 'verifying', 'in'],
    ['active', 'cancelled', 'in'], ['verifying', 'failed', 'in'], ['failed', 'waiting', 'in'], ['failed', 'cancelled', 'in']
  ]
  const refused: Array<[TransferState, TransferState, TransferDirection]> = [
    ['complete', 'waiting', 'in'], ['complete', 'cancelled', 'out'], ['cancelled', 'waiting', 'in'], ['cancelled', 'cancelled', 'in'],
    ['cancelled', 'failed', 'out'], ['failed', 'active', 'in'], ['failed', 'complete', 'out'], ['failed', 'preparing', 'in'],
    ['active', 'complete', 'in'], ['waiting', 'complete', 'in'], ['preparing', 'active', 'out'], ['active', 'preparing', 'out'],
    ['waiting', 'waiting', 'in'], ['waiting', 'verifying', 'out'], ['preparing', 'waiting-direct', 'out'], ['waiting-direct', 'verifying', 'out']
  ]
  it.each(allowed)('allows %s → %s (%s)', (from, to, direction) => {
    expect(canTransferTransition(from, to, direction)).toBe(true)
  })
  it.each(refused)('refuses %s → %s (%s)', (from, to, direction) => {
    expect(canTransferTransition(from, to, direction)).toBe(false)
  })
})

describe('sending', () => {
  it('stores the file message and a preparing transfer; the message stays out of the outbox until offerReady', async () => {
    const text = await queueOutgoing(db, { contactId: alice, fromPeerId: ME, body: 'text', now: 900 })
    const message = await sendFile(alice, 10)

    expect(await db.messages.get(message.id)).toEqual({
      id: message.id, contactId: alice, direction: 'out', fromPeerId: ME, kind: 'file', body: 'caption', sentAt: 1_000, state: 'queued',
      file: offer(10, 4, { sha256: '', listHash: '' }),
      // waits for the contact's one device (db/pending-rows.ts)
      pendingDevices: [(await db.contacts.get(alice))?.peerId]
    })
    expect(await transfer(message.id)).toMatchObject({
      direction: 'out', state: 'preparing', sha256: '', size: 10, chunkSize: 4, chunkCount: 3, store: 'opfs', chunksDone: 0, bytesDone: 0
    })
    expect((await outbox(db, alice)).map((m) => m.id)).toEqual([text.id])

    expect(await offerReady(db, message.id, ready(10), 1_100)).toBe(true)
    expect((await db.messages.get(message.id))?.file).toEqual(offer(10, 4))
    expect(await transfer(message.id)).toMatchObject({ state: 'waiting', sha256: SHA, chunkSize: 4, chunkCount: 3, updatedAt: 1_100 })
    expect(await getHashes(db, message.id)).toEqual(new Uint8Array(96).fill(7))
    expect((await outbox(db, alice)).map((m) => m.id)).toEqual([text.id, message.id])
  })

  it('takes the chunk size found by hashing, and an empty file with no hashes', async () => {
    const big = await sendFile(alice, 10)
    expect(await offerReady(db, big.id, ready(10, 8))).toBe(true)
    expect(await transfer(big.id)).toMatchObject({ chunkSize: 8, chunkCount: 2 })
    expect((await db.messages.get(big.id))?.file?.chunkSize).toBe(8)

    const empty = await sendFile(alice, 0)
    expect(await offerReady(db, empty.id, ready(0))).toBe(true)
    expect(await transfer(empty.id)).toMatchObject({ state: 'waiting', chunkCount: 0 })
    expect(await getHashes(db, empty.id)).toEqual(new Uint8Array(0))
  })

  it('refuses offerReady for a transfer cancelled while it was hashed, changing nothing', async () => {
    const message = await sendFile(alice, 10)
    expect(await setTransferState(db, message.id, 'cancelled', { cancelledBy: 'me' })).toBe(true)

    expect(await offerReady(db, message.id, ready(10))).toBe(false)
    expect((await db.messages.get(message.id))?.file?.sha256).toBe('')
    expect(await transfer(message.id)).toMatchObject({ state: 'cancelled', sha256: '' })
    expect(await getHashes(db, message.id)).toBeUndefined()
    expect(await outbox(db, alice)).toEqual([])
    // Gone entirely, or already ready: also false.
    expect(await offerReady(db, 'nope' as MessageId, ready(10))).toBe(false)
  })

  it('refuses hashes that do not fit the file', async () => {
    const message = await sendFile(alice, 10)
    await expect(offerReady(db, message.id, { ...ready(10), chunkCount: 2 })).rejects.toThrow(RangeError)
    await expect(offerReady(db, message.id, { ...ready(10), hashes: new Uint8Array(64) })).rejects.toThrow(RangeError)
    await expect(offerReady(db, message.id, { ...ready(10), sha256: 'A'.repeat(64) })).rejects.toThrow(RangeError)
    expect((await transfer(message.id)).state).toBe('preparing')
  })

  it('refuses a file for an unknown contact, or rows that do not belong together, writing nothing', async () => {
    const stranger = outgoingFileRow({ contactId: 999, fromPeerId: ME, file: offer(1, 4), now: 1 })
    await expect(storeOutgoingFile(db, stranger, outgoingTransferRow(stranger, 'idb', 1))).rejects.toThrow(ContactNotFoundError)

    const message = outgoingFileRow({ contactId: alice, fromPeerId: ME, file: offer(1, 4), now: 2 })
    const other = outgoingFileRow({ contactId: alice, fromPeerId: ME, file: offer(1, 4), now: 3 })
    await expect(storeOutgoingFile(db, message, outgoingTransferRow(other, 'idb'))).rejects.toThrow(RangeError)
    const text = { ...message, kind: 'text' as const, file: undefined }
    expect(() => outgoingTransferRow(text, 'idb')).toThrow(RangeError)
    expect(await db.messages.count()).toBe(0)
    expect(await db.transfers.count()).toBe(0)
  })

  it('counts served chunks and bytes, and stops counting once the transfer ended', async () => {
    const message = await sendFile(alice, 10)
    await offerReady(db, message.id, ready(10))
    expect(await recordServed(db, message.id, 4, 2_000)).toMatchObject({ chunksDone: 1, bytesDone: 4, updatedAt: 2_000 })
    expect(await recordServed(db, message.id, 4)).toMatchObject({ chunksDone: 2, bytesDone: 8 })
    await setTransferState(db, message.id, 'cancelled', { cancelledBy: 'peer' })
    expect(await recordServed(db, message.id, 2)).toBeUndefined()
    expect(await transfer(message.id)).toMatchObject({ chunksDone: 2, bytesDone: 8 })
    expect(await recordServed(db, 'gone' as MessageId, 2)).toBeUndefined()
  })
})

describe('receiving', () => {
  const ID = '01JD00000000000000000000F1' as MessageId

  it('keeps the device that offered it as its peer when that is not the contact\'s own PeerID (it is pulled from there)', async () => {
    const own = (await db.contacts.get(alice))?.peerId
    await storeIncomingFile(db, { ...incoming(ID, alice, offer(10, 4)), device: '12D3KooWLaptop' })
    expect((await transfer(ID))?.peer).toBe('12D3KooWLaptop')
    const other = '01JD00000000000000000000F9' as MessageId
    await storeIncomingFile(db, { ...incoming(other, alice, offer(10, 4)), device: own })
    expect((await transfer(other))?.peer).toBeUndefined()
  })

  it('keeps a group file\'s author as its peer, or the author\'s linked device that made it (which holds it)', async () => {
    const group = { groupId: 'g'.repeat(32), lamport: 3, groupSigned: { body: '{}', sig: 'sig' } }
    await storeIncomingFile(db, { ...incoming(ID, GROUP_CONTACT_ID, offer(10, 4)), group })
    expect((await transfer(ID))?.peer).toBe('12D3KooWPeer')
    const other = '01JD00000000000000000000F9' as MessageId
    await storeIncomingFile(db, { ...incoming(other, GROUP_CONTACT_ID, offer(10, 4)), group, device: '12D3KooWPhone' })
    expect(await transfer(other)).toMatchObject({ peer: '12D3KooWPhone', groupId: group.groupId })
  })

  it('stores a group file our account sent from another device as ours, sent, its transfer one we pull in', async () => {
    const group = { groupId: 'g'.repeat(32), lamport: 3, groupSigned: { body: '{}', sig: 'sig' } }
    const sent = { ...incoming(ID, GROUP_CONTACT_ID, offer(10, 4)), ttl: 60 }
    await storeIncomingFile(db, { ...sent, group, device: '12D3KooWPhone', ours: true })
    const row = await db.messages.get(ID)
    expect(row).toMatchObject({ direction: 'out', state: 'sent', kind: 'file', groupId: group.groupId, expiresAt: sent.sentAt + 60_000 })
    expect(row?.receivedAt).toBeUndefined()
    expect(await transfer(ID)).toMatchObject({ direction: 'in', state: 'waiting', peer: '12D3KooWPhone' })
  })

  it('stores the offer and a waiting transfer with nothing stored yet, once', async () => {
    const thumbOffer = offer(10, 4, { thumb: Uint8Array.from([0xff, 0xd8, 0xff]), thumbMime: 'image/jpeg', width: 640, height: 480 })
    expect(await storeIncomingFile(db, incoming(ID, alice, thumbOffer))).toBe('stored')

    expect(await db.messages.get(ID)).toEqual({
      id: ID, contactId: alice, direction: 'in', fromPeerId: '12D3KooWPeer', kind: 'file', body: 'look',
      sentAt: 100, receivedAt: 105, state: 'delivered', file: thumbOffer
    })
    expect(await transfer(ID)).toEqual({
      id: ID, contactId: alice, direction: 'in', name: 'photo.jpg', size: 10, mime: 'image/jpeg', sha256: SHA,
      chunkSize: 4, chunkCount: 3, state: 'waiting', have: new Uint8Array(1), chunksDone: 0, bytesDone: 0,
      requests: new Uint8Array(3), resumes: 0, store: 'idb', createdAt: 105, updatedAt: 105
    })

    await recordChunk(db, ID, 0, 1)
    const before = await transfer(ID)
    expect(await storeIncomingFile(db, incoming(ID, alice, offer(99, 4), 999))).toBe('duplicate')
    expect(await transfer(ID)).toEqual(before)
    expect(await db.messages.count()).toBe(1)
  })

  it('sizes the bitmap as ceil(chunkCount / 8) bytes, and has no chunks for an empty file', async () => {
    await storeIncomingFile(db, incoming('01JD00000000000000000000F2', alice, offer(17 * 4, 4)))
    expect(await transfer('01JD00000000000000000000F2' as MessageId)).toMatchObject({ chunkCount: 17, have: new Uint8Array(3), requests: new Uint8Array(17) })
    await storeIncomingFile(db, incoming('01JD00000000000000000000F3', alice, offer(0, 4)))
    expect(await transfer('01JD00000000000000000000F3' as MessageId)).toMatchObject({ chunkCount: 0, have: new Uint8Array(0), requests: new Uint8Array(0) })
  })

  it('refuses an offer from an unknown contact, writing nothing', async () => {
    await expect(storeIncomingFile(db, incoming(ID, 999, offer(10, 4)))).rejects.toMatchObject({ name: 'ContactNotFoundError' })
    expect(await db.messages.count()).toBe(0)
    expect(await db.transfers.count()).toBe(0)
  })

  it('records each chunk once, with the length of the last chunk, and saturates request counts', async () => {
    await storeIncomingFile(db, incoming(ID, alice, offer(10, 4)))

    expect(await recordChunk(db, ID, 2, 1, 200)).toMatchObject({ chunksDone: 1, bytesDone: 2, updatedAt: 200 })
    const again = await recordChunk(db, ID, 2, 2, 210)
    expect(again).toMatchObject({ chunksDone: 1, bytesDone: 2, updatedAt: 210 })
    expect(again?.requests).toEqual(Uint8Array.from([0, 0, 2]))
    const first = await recordChunk(db, ID, 0, 1_000)
    expect(first).toMatchObject({ chunksDone: 2, bytesDone: 6 })
    expect(first?.requests).toEqual(Uint8Array.from([255, 0, 2]))
    expect(first?.have).toEqual(Uint8Array.from([0b101]))
    expect(missingChunks(await transfer(ID))).toEqual([1])

    await recordChunk(db, ID, 1, 1)
    expect(await transfer(ID)).toMatchObject({ chunksDone: 3, bytesDone: 10, have: Uint8Array.from([0b111]) })
    await expect(recordChunk(db, ID, 3, 1)).rejects.toThrow(RangeError)
  })

  it('records several chunks in one write (a group commit), each once', async () => {
    await storeIncomingFile(db, incoming(ID, alice, offer(10, 4)))
    const row = await recordChunks(db, ID, [{ index: 0, requests: 1 }, { index: 2, requests: 2 }, { index: 0, requests: 1 }], 300)
    expect(row).toMatchObject({ chunksDone: 2, bytesDone: 6, updatedAt: 300, have: Uint8Array.from([0b101]) })
    expect(row?.requests).toEqual(Uint8Array.from([1, 0, 2]))
    // one bad index refuses the whole batch: nothing of it is recorded
    await expect(recordChunks(db, ID, [{ index: 1, requests: 1 }, { index: 9, requests: 1 }])).rejects.toThrow(RangeError)
    expect(await transfer(ID)).toMatchObject({ chunksDone: 2, have: Uint8Array.from([0b101]) })
  })

  it('tells the caller to stop once the transfer is cancelled or gone', async () => {
    await storeIncomingFile(db, incoming(ID, alice, offer(10, 4)))
    await setTransferState(db, ID, 'cancelled', { cancelledBy: 'peer' })
    expect(await recordChunk(db, ID, 0, 1)).toBeUndefined()
    expect((await transfer(ID)).chunksDone).toBe(0)
    expect(await recordChunk(db, 'gone' as MessageId, 0, 1)).toBeUndefined()
  })

  it('refuses to record a received chunk on an outgoing transfer', async () => {
    const message = await sendFile(alice, 10)
    await expect(recordChunk(db, message.id, 0, 1)).rejects.toThrow(RangeError)
  })

  it('remembers what it had at each resume and forgets the chunks after a failed check, keeping the requests', async () => {
    await storeIncomingFile(db, incoming(ID, alice, offer(10, 4)))
    await recordChunk(db, ID, 0, 1)
    const resumed = await markResumed(db, ID, 300)
    expect(resumed).toMatchObject({ resumes: 1, resumedHave: Uint8Array.from([0b1]), updatedAt: 300 })
    await recordChunk(db, ID, 1, 2)
    await recordChunk(db, ID, 2, 1)
    // The copy is a snapshot, not the live bitmap.
    expect(await transfer(ID)).toMatchObject({ have: Uint8Array.from([0b111]), resumedHave: Uint8Array.from([0b1]) })

    const reset = await resetChunks(db, ID, 400)
    expect(reset).toMatchObject({ have: new Uint8Array(1), chunksDone: 0, bytesDone: 0, requests: Uint8Array.from([1, 2, 1]), resumes: 1 })
    expect(missingChunks(await transfer(ID))).toEqual([0, 1, 2])
    expect(await markResumed(db, 'gone' as MessageId)).toBeUndefined()
    expect(await resetChunks(db, 'gone' as MessageId)).toBeUndefined()
  })

  it('keeps exactly one hash per chunk', async () => {
    await storeIncomingFile(db, incoming(ID, alice, offer(10, 4)))
    expect(await getHashes(db, ID)).toBeUndefined()
    await expect(saveHashes(db, ID, new Uint8Array(64))).rejects.toThrow(RangeError)
    expect(await saveHashes(db, ID, new Uint8Array(96).fill(3))).toBe(true)
    expect(await getHashes(db, ID)).toEqual(new Uint8Array(96).fill(3))
    expect(await saveHashes(db, 'gone' as MessageId, new Uint8Array(0))).toBe(false)
  })
})

describe('setTransferState', () => {
  const ID = '01JD00000000000000000000F1' as MessageId
  beforeEach(async () => { await storeIncomingFile(db, incoming(ID, alice, offer(10, 4))) })

  it('moves along the lifecycle with the patch, and ignores a move it does not allow', async () => {
    expect(await setTransferState(db, ID, 'active', { path: 'relayed' }, 500)).toBe(true)
    expect(await transfer(ID)).toMatchObject({ state: 'active', path: 'relayed', updatedAt: 500 })
    expect(await setTransferState(db, ID, 'complete', {}, 510)).toBe(false)
    expect(await setTransferState(db, ID, 'verifying', {}, 520)).toBe(true)
    expect(await setTransferState(db, ID, 'complete', {}, 530)).toBe(true)
    expect(await transfer(ID)).toMatchObject({ state: 'complete', completedAt: 530, updatedAt: 530 })
    expect(await setTransferState(db, ID, 'cancelled', { cancelledBy: 'me' })).toBe(false)
    expect(await setTransferState(db, ID, 'complete', { completedAt: 1 })).toBe(false)
    expect(await transfer(ID)).toMatchObject({ state: 'complete', completedAt: 530 })
    expect(await setTransferState(db, 'gone' as MessageId, 'active')).toBe(false)
  })

  it('applies only the patch when the state does not change, and reports whether anything did', async () => {
    await setTransferState(db, ID, 'active', { path: 'relayed' }, 500)
    expect(await setTransferState(db, ID, 'active', { path: 'relayed' }, 600)).toBe(false)
    expect(await setTransferState(db, ID, 'active', { path: 'direct' }, 610)).toBe(true)
    expect(await transfer(ID)).toMatchObject({ state: 'active', path: 'direct', updatedAt: 610 })
  })

  it('keeps the first cancel: later cancels change only cancelPending', async () => {
    expect(await setTransferState(db, ID, 'cancelled', { cancelledBy: 'me', cancelPending: true, problem: { code: 'fileCancelled', params: {} } })).toBe(true)
    expect(await setTransferState(db, ID, 'cancelled', { cancelledBy: 'peer', problem: { code: 'fileBusy', params: {} } })).toBe(false)
    expect(await setTransferState(db, ID, 'cancelled', { cancelPending: false })).toBe(true)
    expect(await transfer(ID)).toMatchObject({ state: 'cancelled', cancelledBy: 'me', cancelPending: false, problem: { code: 'fileCancelled', params: {} } })
    expect(await setTransferState(db, ID, 'waiting')).toBe(false)
  })

  it('clears the old problem on a retry', async () => {
    expect(await setTransferState(db, ID, 'failed', { problem: { code: 'fileProtocol', params: {} } })).toBe(true)
    expect((await transfer(ID)).problem).toEqual({ code: 'fileProtocol', params: {} })
    expect(await setTransferState(db, ID, 'waiting')).toBe(true)
    const row = await transfer(ID)
    expect(row.state).toBe('waiting')
    expect(row.problem).toBeUndefined()
  })
})

describe('queries', () => {
  it('lists unfinished transfers oldest first, and the transfers of one chat in message order', async () => {
    await storeIncomingFile(db, incoming('01JD00000000000000000000F3', alice, offer(10, 4), 300))
    await storeIncomingFile(db, incoming('01JD00000000000000000000F1', bob, offer(10, 4), 100))
    await storeIncomingFile(db, incoming('01JD00000000000000000000F2', alice, offer(10, 4), 200))
    const sent = await sendFile(alice, 10, 150)
    await storeIncomingFile(db, incoming('01JD00000000000000000000F4', alice, offer(10, 4), 50))
    await setTransferState(db, '01JD00000000000000000000F4' as MessageId, 'cancelled', { cancelledBy: 'me' })

    expect((await unfinishedTransfers(db)).map((t) => t.id)).toEqual(['01JD00000000000000000000F1', sent.id, '01JD00000000000000000000F2', '01JD00000000000000000000F3'])
    expect((await transfersOfChat(db, alice)).map((t) => t.id)).toEqual(
      ['01JD00000000000000000000F2', '01JD00000000000000000000F3', '01JD00000000000000000000F4', sent.id].sort())
    expect((await transfersOfChat(db, bob)).map((t) => t.id)).toEqual(['01JD00000000000000000000F1'])
  })

  it('deletes a transfer with its hashes, chunks and source, and nothing of another transfer', async () => {
    const [one, two] = ['01JD00000000000000000000F1', '01JD00000000000000000000F2'] as MessageId[]
    for (const id of [one, two] as MessageId[]) {
      await storeIncomingFile(db, incoming(id, alice, offer(10, 4)))
      await saveHashes(db, id, new Uint8Array(96))
      await db.fileChunks.bulkPut([0, 1].map((index) => ({ transferId: id, index, data: new Blob([`${id}:${index}`]) })))
      await db.fileSources.put({ id, blob: new Blob([id]) })
    }

    await deleteTransfer(db, one as MessageId)
    expect(await getTransfer(db, one as MessageId)).toBeUndefined()
    expect(await getHashes(db, one as MessageId)).toBeUndefined()
    expect((await db.fileChunks.toArray()).map((c) => [c.transferId, c.index])).toEqual([[two, 0], [two, 1]])
    expect((await db.fileSources.toArray()).map((s) => s.id)).toEqual([two])
    expect(await getTransfer(db, two as MessageId)).toBeDefined()
    // The chat message stays.
    expect(await db.messages.get(one as MessageId)).toBeDefined()
  })
})
