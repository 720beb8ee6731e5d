/**
 * Fuzzing (issue 22 item 6): what a relay says on `/parley/instance/1.0.0`,
 * as the worker's InstanceWatch (src/lib/p2p/instances/instance-watch.ts,
 * through @parley/protocol/instance/client and the frame codec) takes it.
 * Contract checked, for 10,000 generated inputs per property: arbitrary
 * bytes, and length-prefixed valid frames (lists, error frames, lists naming
 * this instance itself) with mutations, delivered in arbitrary pieces, never
 * throw out of the service; the status's `elsewhere` is exactly what the last
 * valid list said (undefined for none) while the stream is good, and
 * undefined once a frame was malformed, an error, or named this instance
 * (the stream is then reset), and once the connection is gone.
 *
 * The stream is a minimal in-memory stand-in with what lpStream uses, so
 * 10,000 runs take seconds; the same service runs over real stream pairs in
 * tests/unit/p2p/instances/.
 */
/* eslint vitest/expect-expect: ["error", { "assertFunctionNames": ["expect", "expect*", "fc.assert"] }] -- fc.assert fails the test on any failing case */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import fc from 'fast-check'
import { TypedEventEmitter } from 'main-event'
import { Uint8ArrayList } from 'uint8arraylist'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  INSTANCE_ID_BYTES, InstanceErrorCode, MAX_INSTANCE_RELAY_FRAME_BYTES, MAX_OTHER_INSTANCES, decodeInstanceFrame, encodeInstanceError,
  encodeInstanceOthers, instanceHex
} from '@parley/protocol/instance/codec'
import { InstanceWatch } from '../../../src/lib/p2p/instances/instance-watch.ts'
import { FakeLibp2p, fakeConnection, testLogger, testStatus } from '../../support/fake-components.ts'
import { openTestDb } from '../db/helpers.ts'
import { mutate, mutationArb, varint } from '../../../packages/protocol/test/fuzz/wire-helpers.ts'
import { expectSame, FUZZ_PARAMS } from './runs.ts'
import type { ParleyDb } from '../../../src/lib/db/db.ts'
import type { InstanceErrorName } from '@parley/protocol/instance/codec'
import type { ParleyEvents } from '../../../src/lib/p2p/kernel/events.ts'
import type { PeerId, Stream } from '@libp2p/interface'

/** Turns of the event loop a condition may take to hold (each a setImmediate, far cheaper than a timer). */
const MAX_TURNS = 10_000

/** Waits until `check` stops throwing, one event-loop turn at a time; throws its last error after MAX_TURNS. */
async function until (check: () => void): Promise<void> {
  for (let turn = 0; ; turn++) {
    try {
      check()
      return
    } catch (err) {
      if (turn >= MAX_TURNS) throw err
    }
    await new Promise(resolve => setImmediate(resolve))
  }
}
/** Bytes fed at most: below what the client buffers unread (two of the largest frames), so only the bytes decide the outcome, not how they are cut. */
const MAX_FED_BYTES = 400

/** The part of a Stream that lpStream and the client use: bytes arrive as 'message' events. */
class FakeStream extends EventTarget {
  status: 'open' | 'closed' | 'aborted' = 'open'
  remoteWriteStatus: 'writable' | 'closed' = 'writable'
  readonly readBufferLength = 0
  writeStatus = 'writable'
  readonly log = Object.assign(() => {}, { error: () => {}, trace: () => {}, newScope: () => this.log })
  send (): boolean {
    if (this.status !== 'open') throw new Error('the stream is closed')
    return true
  }
  push (): void {}
  unshift (): void {}
  closeRead (): void {}
  async close (): Promise<void> { this.status = 'closed' }
  abort (): void {
    this.status = 'aborted'
    this.remoteWriteStatus = 'closed'
    this.dispatchEvent(Object.assign(new Event('close'), { error: new Error('aborted') }))
  }

  deliver (data: Uint8Array): void { this.dispatchEvent(Object.assign(new Event('message'), { data: new Uint8ArrayList(data) })) }
}

let db: ParleyDb
let own: Uint8Array
let relay: PeerId
let libp2p: FakeLibp2p
let status: ReturnType<typeof testStatus>
let watch: InstanceWatch

beforeAll(async () => {
  db = await openTestDb()
  relay = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  libp2p = new FakeLibp2p(peerIdFromPrivateKey(await generateKeyPair('Ed25519')), {})
  status = testStatus(new TypedEventEmitter<ParleyEvents>())
  watch = new InstanceWatch({ db, logger: testLogger(), libp2p, keeper: { keepsPeer: () => true }, status })
  await watch.start()
  own = Uint8Array.from((watch.instance ?? '').match(/../g) ?? [], b => parseInt(b, 16))
})

afterAll(() => {
  watch.stop()
  db.close()
})

/**
 * What the status should say once `bytes` are read: the count of the last
 * valid list, or undefined when there is none yet or the stream broke
 * (a malformed frame, an error frame, a list naming this instance).
 */
function expected (bytes: Uint8Array): number | undefined {
  let at = 0
  let count: number | undefined
  while (at < bytes.byteLength) {
    // the length prefix: at most 2 bytes
    let length = 0
    let prefix = 0
    let done = false
    while (!done) {
      if (at + prefix >= bytes.byteLength) return count
      if (prefix >= 2) return undefined
      const byte = bytes[at + prefix] ?? 0
      length += (byte & 0x7f) * 2 ** (7 * prefix)
      prefix++
      done = (byte & 0x80) === 0
    }
    if (length > MAX_INSTANCE_RELAY_FRAME_BYTES) return undefined
    if (at + prefix + length > bytes.byteLength) return count
    const frame = bytes.subarray(at + prefix, at + prefix + length)
    at += prefix + length
    try {
      const others = decodeInstanceFrame(frame)
      if (others.some(o => instanceHex(o.id) === instanceHex(own))) return undefined
      count = others.length
    } catch {
      return undefined
    }
  }
  return count
}

/** Opens a connection whose instance stream gets `bytes` in pieces cut at `cuts`; checks the status; closes it. */
async function feed (bytes: Uint8Array, cuts: number[]): Promise<void> {
  const stream = new FakeStream()
  let opened = false
  const connection = fakeConnection({ remotePeer: relay, newStream: async () => { opened = true; return stream as unknown as Stream } })
  libp2p.open(connection)
  await until(() => { expectSame(opened, true) })
  const points = [...new Set(cuts.map(c => c % (bytes.byteLength + 1)))].sort((a, b) => a - b)
  let at = 0
  for (const point of [...points, bytes.byteLength]) {
    if (point > at) stream.deliver(bytes.subarray(at, point))
    at = Math.max(at, point)
    await Promise.resolve()
  }
  const count = expected(bytes)
  await until(() => { expectSame(status.current.elsewhere?.count, count === 0 ? undefined : count) })
  // the connection goes: whatever the relay said goes with it
  connection.status = 'closed'
  libp2p.close(connection)
  stream.abort()
  await until(() => { expect(watch.relayState(relay.toString())).toBeUndefined() })
  expect(status.current.elsewhere).toBeUndefined()
}

const id = fc.oneof(
  fc.uint8Array({ minLength: INSTANCE_ID_BYTES, maxLength: INSTANCE_ID_BYTES }),
  // now and then this instance itself, which no relay may list
  fc.constant('own' as const)
)
const list = fc.array(fc.record({ id, ageS: fc.integer({ min: 0, max: 0xffff_ffff }) }), { maxLength: 4 })
  .map(entries => entries.map(e => ({ id: e.id === 'own' ? own : e.id, ageS: e.ageS })))
  .filter(entries => new Set(entries.map(e => instanceHex(e.id))).size === entries.length && entries.length <= MAX_OTHER_INSTANCES)
const frame = fc.oneof(
  { weight: 4, arbitrary: list.map(entries => encodeInstanceOthers(entries)) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...Object.keys(InstanceErrorCode) as InstanceErrorName[]), fc.string({ maxLength: 20 })).map(([code, reason]) => encodeInstanceError(code, reason)) }
)
const framed = fc.array(frame, { minLength: 1, maxLength: 3 }).map(frames => Uint8Array.from(frames.flatMap(f => [...varint(f.byteLength), ...f])))
const cuts = fc.array(fc.nat(), { maxLength: 3 })

describe('fuzz: what relays say to InstanceWatch', () => {
  it('valid frames, mutated frames and arbitrary bytes set the status to exactly the last good list, and nothing once broken or gone', async () => {
    const input = fc.oneof(
      framed,
      fc.tuple(framed, mutationArb).map(([bytes, mutations]) => mutate(bytes, mutations)),
      fc.uint8Array({ maxLength: 120 })
    ).filter(bytes => bytes.byteLength <= MAX_FED_BYTES)
    await fc.assert(fc.asyncProperty(input, cuts, async (bytes, at) => { await feed(bytes, at) }), FUZZ_PARAMS)
  })
})
