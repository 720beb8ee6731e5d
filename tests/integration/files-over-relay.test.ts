import { createHash, randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { RELAYED_RESERVE_BYTES, relayedFileAllowance } from '@parley/protocol/file/relayed'
import { errorText } from '../../src/lib/i18n/error-text.ts'
import { befriend, startHarness, WAIT } from './harness.ts'
import type { TabCapabilities } from '../../src/lib/contract/index.ts'
import type { ParleyDb } from '../../src/lib/db/db.ts'
import type { TransferRow } from '../../src/lib/db/types.ts'
import type { Harness, Peer } from './harness.ts'

/**
 * Files when no direct connection can happen (issue 20: "files over a relay,
 * within its limits"): a file the relay's per-connection data limit allows
 * moves over the relayed connection at once, with no wait for a direct one;
 * a bigger one waits, and its row says why and what helps, on both sides. The relay's limit
 * itself stays in force (relay-node's circuitDataLimitBytes).
 */

const MIB = 1024 * 1024
const NO_WEBRTC: TabCapabilities = { webrtc: false, transferableChannels: false, sharedWorker: true }

let harness: Harness | undefined
afterEach(async () => { await harness?.close() })

function sha256 (bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

async function rowNamed (db: ParleyDb, name: string, state: TransferRow['state']): Promise<TransferRow> {
  let row: TransferRow | undefined
  await vi.waitFor(async () => {
    row = (await db.transfers.toArray()).find(t => t.name === name)
    expect(row?.state).toBe(state)
  }, WAIT)
  if (row == null) throw new Error(`no transfer named ${name}`)
  return row
}

/** Alice, whose browser has no WebRTC, and Bob, accepted contacts of each other. */
async function aliceWithoutWebRtc (h: Harness): Promise<{ alice: Peer, bob: Peer, aToB: number, bToA: number }> {
  const alice = await h.startPeer(undefined, 'Alice')
  alice.node.onTabCapabilities(NO_WEBRTC)
  const bob = await h.startPeer(undefined, 'Bob')
  const { aToB, bToA } = await befriend(alice, bob)
  await vi.waitFor(async () => {
    expect((await alice.db.contacts.get(aToB))?.state).toBe('accepted')
    expect((await bob.db.contacts.get(bToA))?.state).toBe('accepted')
  }, WAIT)
  return { alice, bob, aToB, bToA }
}

async function receivedBytes (peer: Peer, row: TransferRow): Promise<string> {
  const blob = (await peer.node.call('getFile', { id: row.id })).file
  return sha256(new Uint8Array(await blob.arrayBuffer()))
}

describe('files over a relay, within its limits', () => {
  it('one browser without WebRTC: a 1 MiB file goes over the relay at once, each way, and both say why it is relayed', async () => {
    harness = await startHarness()
    const { alice, bob, aToB, bToA } = await aliceWithoutWebRtc(harness)
    const toBob = randomBytes(MIB)
    const toAlice = randomBytes(MIB)
    await alice.node.call('sendFile', { contactId: aToB, file: new Blob([toBob]), name: 'to-bob.bin', mime: 'application/octet-stream', caption: '', thumb: null })
    await bob.node.call('sendFile', { contactId: bToA, file: new Blob([toAlice]), name: 'to-alice.bin', mime: 'application/octet-stream', caption: '', thumb: null })

    const atBob = await rowNamed(bob.db, 'to-bob.bin', 'complete')
    const atAlice = await rowNamed(alice.db, 'to-alice.bin', 'complete')
    expect([atBob.path, atAlice.path]).toEqual(['relayed', 'relayed'])
    expect(await receivedBytes(bob, atBob)).toBe(sha256(toBob))
    expect(await receivedBytes(alice, atAlice)).toBe(sha256(toAlice))

    // Alice knows she cannot; Bob learnt it from her identify (she stopped serving the signalling protocol)
    expect(alice.node.status.capabilities.webrtc).toBe(false)
    expect(alice.node.status.direct[bob.node.status.peerId ?? '']).toEqual({ state: 'unsupportedHere', attempts: 0 })
    expect(bob.node.status.direct[alice.node.status.peerId ?? '']?.state).toBe('unsupportedThere')
  })

  it('a file bigger than the relay carries waits for a direct connection and says why; one that fits goes', async () => {
    const circuitDataLimitBytes = 3 * MIB
    harness = await startHarness({ relay: { circuitDataLimitBytes } })
    const { alice, bob, aToB } = await aliceWithoutWebRtc(harness)
    const big = randomBytes(2 * MIB)
    const fits = randomBytes(MIB)
    await alice.node.call('sendFile', { contactId: aToB, file: new Blob([big]), name: 'big.bin', mime: 'application/octet-stream', caption: '', thumb: null })
    await alice.node.call('sendFile', { contactId: aToB, file: new Blob([fits]), name: 'fits.bin', mime: 'application/octet-stream', caption: '', thumb: null })

    const fitted = await rowNamed(bob.db, 'fits.bin', 'complete')
    expect(fitted.path).toBe('relayed')
    expect(await receivedBytes(bob, fitted)).toBe(sha256(fits))

    const waiting = await rowNamed(bob.db, 'big.bin', 'waiting-direct')
    expect(waiting.chunksDone).toBe(0)
    expect(waiting.problem?.code).toBe('fileTooBigForRelay')
    const max = Number(waiting.problem?.params['max'])
    // what a fresh circuit of this relay allows (less what chat used of this one), never more
    expect(max).toBeLessThanOrEqual(relayedFileAllowance({ bytes: BigInt(circuitDataLimitBytes) }))
    expect(max).toBeGreaterThan(circuitDataLimitBytes - RELAYED_RESERVE_BYTES - 2 * MIB)
    expect(max).toBeLessThan(big.length)
    expect(errorText('fileTooBigForRelay', waiting.problem?.params ?? {})).toMatch(/bigger than the relay carries.*TURN server/)

    // its sender is told the same, with the allowance read off its own side of the connection
    // (when the offer was ready: before the other file and the chat used some of it)
    const sent = await rowNamed(alice.db, 'big.bin', 'waiting-direct')
    expect(sent.problem?.code).toBe('fileTooBigForRelay')
    expect(sent.problem?.params['size']).toBe(big.length)
    expect(Number(sent.problem?.params['max'])).toBeGreaterThanOrEqual(max)
    expect(Number(sent.problem?.params['max'])).toBeLessThan(big.length)
  })
})
