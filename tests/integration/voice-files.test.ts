import { randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { befriend, startHarness, WAIT } from './harness.ts'
import { expectRefusal } from '../support/words.ts'
import type { ContactId, MessageRow } from '../../src/lib/db/types.ts'
import type { Harness, Peer } from './harness.ts'

/**
 * Voice messages through the worker (p2p/transfers): the note handed to
 * sendFile is checked, stored on the sender's row, carried in the offer
 * (chat 1.1.0) and kept on the receiver's row, whose file is fetched as any
 * file; a file sent while the chat's disappearing timer is on carries `ttl`.
 */

let harness: Harness
beforeEach(async () => { harness = await startHarness() })
afterEach(async () => { await harness.close() })

async function accepted (alice: Peer, bob: Peer): Promise<{ aToB: ContactId, bToA: ContactId }> {
  const ids = await befriend(alice, bob)
  await vi.waitFor(async () => {
    expect((await alice.db.contacts.get(ids.aToB))?.state).toBe('accepted')
    expect((await bob.db.contacts.get(ids.bToA))?.state).toBe('accepted')
  }, WAIT)
  return ids
}

const waveform = Uint8Array.from([0, 40, 200, 255, 120, 3])

describe('voice messages in the worker', () => {
  it('a voice note reaches the contact on the message row, and its file arrives whole', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    const { aToB } = await accepted(alice, bob)
    const bytes = randomBytes(20_000)
    const { messageId } = await alice.node.call('sendFile', {
      contactId: aToB, file: new Blob([bytes]), name: 'voice.webm', mime: 'audio/webm;codecs=opus', caption: '', thumb: null, voice: { durationMs: 2345, waveform }
    })
    const sent = await alice.db.messages.get(messageId)
    expect(sent?.file?.voice).toEqual({ durationMs: 2345, waveform })
    expect(sent?.file?.mime).toBe('audio/webm')
    expect(sent?.ttl).toBeUndefined()

    let received: MessageRow | undefined
    await vi.waitFor(async () => {
      received = await bob.db.messages.get(messageId)
      expect((await bob.db.transfers.get(messageId))?.state).toBe('complete')
    }, WAIT)
    expect(received?.file?.voice).toEqual({ durationMs: 2345, waveform })
    const file = (await bob.node.call('getFile', { id: messageId })).file
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(new Uint8Array(bytes))
  })

  it('a voice note out of bounds is refused in words and nothing is stored', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    const { aToB } = await accepted(alice, bob)
    const send = async (voice: { durationMs: number, waveform: Uint8Array }, mime = 'audio/ogg'): Promise<unknown> =>
      alice.node.call('sendFile', { contactId: aToB, file: new Blob([randomBytes(100)]), name: 'v.ogg', mime, caption: '', thumb: null, voice })
    await expectRefusal(send({ durationMs: 15 * 60_000 + 1, waveform }), 'InvalidVoiceError', 'A voice message must be longer than nothing and at most 15 minutes long.')
    await expectRefusal(send({ durationMs: 1000, waveform: new Uint8Array(101) }), 'InvalidVoiceError', 'A voice message\'s waveform must have from 1 to 100 samples.')
    await expectRefusal(send({ durationMs: 1000, waveform }, 'text/plain'), 'InvalidVoiceError', 'A voice message must be a sound recording, not “text/plain”.')
    expect(await alice.db.messages.where('contactId').equals(aToB).filter(m => m.kind === 'file').count()).toBe(0)
    expect(await alice.db.transfers.count()).toBe(0)
  })

  it('a file sent while the chat\'s disappearing timer is on carries the timer', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    const { aToB } = await accepted(alice, bob)
    await alice.node.call('setChatTimer', { contactId: aToB, ttl: 300 })
    await vi.waitFor(async () => { expect((await alice.db.contacts.get(aToB))?.timer?.ttl).toBe(300) }, WAIT)
    const before = Date.now()
    const { messageId } = await alice.node.call('sendFile', {
      contactId: aToB, file: new Blob([randomBytes(100)]), name: 'v.webm', mime: 'audio/webm', caption: '', thumb: null, voice: { durationMs: 900, waveform }
    })
    const row = await alice.db.messages.get(messageId)
    expect(row?.ttl).toBe(300)
    expect(row?.expiresAt).toBeGreaterThanOrEqual(before + 300_000)
    expect(row?.expiresAt).toBeLessThanOrEqual(Date.now() + 300_000)
    // and the contact's copy disappears too, counted from its arrival
    await vi.waitFor(async () => { expect((await bob.db.messages.get(messageId))?.ttl).toBe(300) }, WAIT)
    expect((await bob.db.messages.get(messageId))?.file?.voice?.durationMs).toBe(900)
  })
})
