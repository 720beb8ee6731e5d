/**
 * The new device's pull of the account's state (issue 58, link follow-ups;
 * src/lib/p2p/link/state-pull.ts), against a real relay-node: over a direct
 * WebRTC connection where one can be made, so a state bigger than the relay
 * carries moves all the same; where none can be made such a state ends the
 * link as `too-big` (the existing device hears `failed`) and nothing is
 * stored; a pull whose connections all went resumes on a new one, with only
 * the chunks it still lacked.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { relayedFileAllowance } from '@parley/protocol/file/relayed'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { startHarness, WAIT } from './harness.ts'
import { startAlice, startBlank, stopBlanks, stored } from './link-support.ts'
import type { TabCapabilities } from '../../src/lib/contract/index.ts'
import type { HostedFile } from '../../src/lib/p2p/kernel/ports/transfers.ts'
import type { Harness } from './harness.ts'

const NO_WEBRTC: TabCapabilities = { webrtc: false, transferableChannels: false, sharedWorker: true }
/** A relay that carries little more than its reserve for chat on a connection: the states below do not fit it. */
const SMALL_CIRCUIT = 1024 * 1024 + 32 * 1024

let harness: Harness | undefined
afterEach(async () => {
  await stopBlanks()
  await harness?.close()
})

describe('the new device pulls the account\'s state', () => {
  it('over a direct connection, so a state bigger than the relay carries moves all the same', async () => {
    harness = await startHarness({ relay: { circuitDataLimitBytes: SMALL_CIRCUIT } })
    const { alice } = await startAlice(harness, 2000)
    const n = await startBlank(harness)
    const { qr } = await n.node.call('linkAsNewDevice', undefined)
    await alice.node.call('linkDevice', { qr: qr ?? '' })
    await alice.node.call('confirmLink', { same: true })
    await vi.waitFor(async () => { expect(await n.node.call('getLink', undefined)).toMatchObject({ phase: 'done' }) }, { ...WAIT, timeout: 60_000 })
    const transfer = n.views.filter(v => v.phase === 'transfer')
    const total = transfer.at(-1)?.progress?.total ?? 0
    expect(total).toBeGreaterThan(relayedFileAllowance({ bytes: BigInt(SMALL_CIRCUIT) }))
    expect(transfer.at(-1)?.progress?.done).toBe(total)
    // every byte came direct: the view said so from the first chunk on
    expect(new Set(transfer.filter(v => (v.progress?.done ?? 0) > 0).map(v => v.path))).toEqual(new Set(['direct']))
    await vi.waitFor(() => { expect(n.node.status.phase).toBe('online') }, WAIT)
    expect(await n.db.messages.count()).toBe(await alice.db.messages.count())
  }, 90_000)

  it('without a direct connection a state bigger than the relay carries ends as too-big; nothing is stored on the new device', async () => {
    harness = await startHarness({ relay: { circuitDataLimitBytes: SMALL_CIRCUIT } })
    const { alice } = await startAlice(harness, 2000)
    const n = await startBlank(harness)
    n.node.onTabCapabilities(NO_WEBRTC)
    const { qr } = await n.node.call('linkAsNewDevice', undefined)
    await alice.node.call('linkDevice', { qr: qr ?? '' })
    await alice.node.call('confirmLink', { same: true })
    await vi.waitFor(async () => { expect(await n.node.call('getLink', undefined)).toMatchObject({ phase: 'ended', reason: 'too-big' }) }, WAIT)
    expect((await n.node.call('getLink', undefined))?.byPeer).toBeUndefined()
    // the wire has no such reason: the existing device hears 'failed', said by the other device
    await vi.waitFor(async () => { expect(await alice.node.call('getLink', undefined)).toMatchObject({ phase: 'ended', reason: 'failed', byPeer: true }) }, WAIT)
    expect(await stored(n.db)).toEqual({ contacts: 0, messages: 0, groups: 0 })
    expect(n.node.status.phase).toBe('needs-profile')
  })

  it('resumes on a new connection when every connection to the existing device went mid-pull, with only the chunks it lacked', async () => {
    harness = await startHarness()
    const { alice } = await startAlice(harness, 3000)
    const n = await startBlank(harness)
    n.node.onTabCapabilities(NO_WEBRTC)
    // the existing device serves each chunk as asked; asked for the fourth the first time, it waits
    // until the new device holds the first three, then drops every connection to it
    const served: number[] = []
    const transfers = alice.node.components.transfers
    const host = transfers.host.bind(transfers)
    let dropped = false
    const held = (): number => n.views.filter(v => v.phase === 'transfer').at(-1)?.progress?.done ?? 0
    vi.spyOn(transfers, 'host').mockImplementation((file: HostedFile) => host({
      ...file,
      chunk: async (index) => {
        served.push(index)
        if (index === 3 && !dropped) {
          dropped = true
          await vi.waitFor(() => { expect(held()).toBe(3 * file.chunkSize) }, WAIT)
          for (const c of alice.node.libp2p?.getConnections(peerIdFromString(file.peer)) ?? []) c.abort(new Error('the test drops the connection'))
        }
        return file.chunk(index)
      }
    }))
    const { qr } = await n.node.call('linkAsNewDevice', undefined)
    await alice.node.call('linkDevice', { qr: qr ?? '' })
    await alice.node.call('confirmLink', { same: true })
    await vi.waitFor(async () => { expect(await n.node.call('getLink', undefined)).toMatchObject({ phase: 'done' }) }, { ...WAIT, timeout: 60_000 })
    expect(dropped).toBe(true)
    const chunks = Math.max(...served) + 1
    expect(chunks).toBeGreaterThan(4)
    // the first three came once: the next connection asked only for what the first had not brought
    for (const index of [0, 1, 2]) expect(served.filter(i => i === index)).toHaveLength(1)
    expect(served.filter(i => i === 3).length).toBeGreaterThan(1)
    expect(new Set(served)).toEqual(new Set(Array.from({ length: chunks }, (_, i) => i)))
    // progress never went back
    const done = n.views.filter(v => v.phase === 'transfer').map(v => v.progress?.done ?? 0)
    expect(done).toEqual([...done].sort((a, b) => a - b))
    await vi.waitFor(() => { expect(n.node.status.phase).toBe('online') }, WAIT)
    expect(await n.db.messages.count()).toBe(await alice.db.messages.count())
  }, 90_000)
})
