/**
 * Fuzzing (issue 10): the WebRTC bridge wire validation
 * (src/lib/webrtc-bridge/guards.ts, the messages of protocol.ts) and the
 * dedicated-Worker fallback's envelopes (src/lib/rpc/fallback/envelope.ts).
 *
 * Fuzzed: isWorkerToHost, isHostToWorker, isPumpClosed, isPumpAdopt and the
 * key guards on arbitrary values and on protocol-shaped records whose fields
 * are drawn from a pool of valid and invalid values; valid messages and their
 * mutations; isToOwnerEnvelope, isFromOwnerEnvelope, estimateSize and
 * describeEnvelope on arbitrary values, on valid envelopes and their
 * mutations, and on huge or deeply nested payloads.
 * Contract: the guards return a boolean and never throw (a dropped message is
 * the only rejection these validators have); valid messages are accepted,
 * also after a structured clone; a mutation that adds an unknown key, drops a
 * key or retypes a field is rejected; estimateSize stops counting past its
 * limit (huge inputs cost no more than small ones); descriptions stay short.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  isCertKey, isChannelKey, isHostToWorker, isPcKey, isPumpAdopt, isPumpClosed, isWorkerToHost
} from '../../../src/lib/webrtc-bridge/guards.ts'
import {
  CHANNEL_STATES, CONNECTION_STATES, ICE_CONNECTION_STATES, ICE_GATHERING_STATES, PC_STATE_EVENTS, SDP_TYPES, SIGNALING_STATES
} from '../../../src/lib/webrtc-bridge/protocol.ts'
import {
  describeEnvelope, estimateSize, isEndpointId, isFromOwnerEnvelope, isToOwnerEnvelope, MAX_ENVELOPE_BYTES
} from '../../../src/lib/rpc/fallback/envelope.ts'
import { expectSame, LOCAL_FUZZ_PARAMS, LOCAL_FUZZ_RUNS } from './runs.ts'
import { budgetMs } from '../../support/speed.ts'

/** How the inputs of a property ended: accepted, or refused with a typed error (every run ends in one). */
const tally = { ok: 0, refused: 0 }

const anything = fc.anything({ maxDepth: 2, withNullPrototype: true, withObjectString: true, withBigInt: true, withMap: true, withSet: true, withTypedArray: true, withDate: true, withSparseArray: true, withBoxedValues: true })

const key = (prefix: string): fc.Arbitrary<string> => fc.nat().map(n => `${prefix}${n}`)
const uint = (max: number): fc.Arbitrary<number> => fc.nat(max)
const short = fc.string({ maxLength: 20 })
const description = fc.record({ type: fc.constantFrom(...SDP_TYPES), sdp: fc.string({ maxLength: 100 }) })
const state = fc.record({
  connectionState: fc.constantFrom(...CONNECTION_STATES),
  iceConnectionState: fc.constantFrom(...ICE_CONNECTION_STATES),
  signalingState: fc.constantFrom(...SIGNALING_STATES),
  iceGatheringState: fc.constantFrom(...ICE_GATHERING_STATES),
  localDescription: fc.option(description, { nil: null }),
  remoteDescription: fc.option(description, { nil: null })
})
const candidate = fc.record({
  candidate: short, sdpMid: fc.option(short, { nil: null }), sdpMLineIndex: fc.option(uint(65_535), { nil: null }), usernameFragment: fc.option(short, { nil: null })
})
const errorWire = fc.record({ name: fc.string({ minLength: 1, maxLength: 64 }), message: fc.string({ maxLength: 100 }) })
const data = fc.oneof(short, fc.uint8Array({ maxLength: 32 }).map(b => b.slice().buffer))

const workerToHost = fc.oneof(
  fc.record({ type: fc.constant('pc.close'), pcId: key('p') }),
  fc.record({ type: fc.constant('dc.send'), channelId: key('w'), data, bytes: fc.nat() }),
  fc.record({ type: fc.constant('dc.close'), channelId: key('h') }),
  fc.record({ type: fc.constant('dc.threshold'), channelId: key('w'), threshold: fc.nat() }),
  fc.record({ type: fc.constant('request'), id: fc.nat(), op: fc.constant('pc.createOffer'), pcId: key('p'), iceRestart: fc.boolean() }),
  fc.record({ type: fc.constant('request'), id: fc.nat(), op: fc.constant('pc.setRemoteDescription'), pcId: key('p'), description }),
  fc.record({ type: fc.constant('request'), id: fc.nat(), op: fc.constant('pc.addIceCandidate'), pcId: key('p'), candidate: fc.option(candidate, { nil: null }) }),
  fc.record({ type: fc.constant('request'), id: fc.nat(), op: fc.constant('pc.create'), pcId: key('p'), config: fc.record({ iceServers: fc.array(fc.record({ urls: fc.oneof(short, fc.array(short, { maxLength: 3 })) }), { maxLength: 3 }), iceTransportPolicy: fc.constantFrom('all', 'relay') }, { requiredKeys: [] }) }),
  fc.record({ type: fc.constant('request'), id: fc.nat(), op: fc.constant('dc.create'), pcId: key('p'), channelId: key('w'), label: short, init: fc.record({ ordered: fc.boolean(), maxRetransmits: uint(65_535) }, { requiredKeys: [] }) }),
  fc.record({ type: fc.constant('request'), id: fc.nat(), op: fc.constant('cert.generate'), algorithm: fc.record({ name: fc.string({ maxLength: 64 }) }) })
)
const hostToWorker = fc.oneof(
  fc.record({ type: fc.constant('reply'), id: fc.nat(), ok: fc.constant(true), result: fc.record({ state, description }, { requiredKeys: [] }) }),
  fc.record({ type: fc.constant('reply'), id: fc.nat(), ok: fc.constant(false), error: errorWire }),
  fc.record({ type: fc.constant('pc.icecandidate'), pcId: key('p'), candidate: fc.option(candidate, { nil: null }), state }),
  fc.record({ type: fc.constant('pc.event'), pcId: key('p'), event: fc.constantFrom(...PC_STATE_EVENTS), state }),
  fc.record({ type: fc.constant('dc.open'), channelId: key('h'), id: fc.option(uint(65_535), { nil: null }) }),
  fc.record({ type: fc.constant('dc.message'), channelId: key('w'), data }),
  fc.record({ type: fc.constant('dc.sent'), channelId: key('w'), bytes: fc.nat(), bufferedAmount: fc.nat(), error: fc.option(errorWire, { nil: null }) }),
  fc.record({ type: fc.constant('dc.error'), channelId: key('h'), error: errorWire }),
  fc.record({ type: fc.constant('host.visibility'), visible: fc.boolean() }),
  fc.record({ type: fc.constant('host.error'), command: fc.string({ maxLength: 64 }), error: errorWire }),
  fc.record({ type: fc.constant('pc.datachannel'), pcId: key('p'), state, channel: fc.record({ channelId: key('h'), id: fc.option(uint(65_535), { nil: null }), label: short, protocol: short, ordered: fc.boolean(), maxPacketLifeTime: fc.constant(null), maxRetransmits: fc.option(uint(65_535), { nil: null }), negotiated: fc.boolean(), readyState: fc.constantFrom(...CHANNEL_STATES), bufferedAmount: fc.nat() }) })
)

/** Values that are never valid for any field of these messages (every field is typed: none takes a symbol, function, bigint, odd number). */
const neverValid = fc.constantFrom<unknown>(Symbol.for('x'), () => 1, 10n, { toString: 'x' }, -1, 0.5, NaN, 2 ** 53)

/** A field value from a pool of plausible and implausible values. */
const field = fc.oneof(
  key('p'), key('w'), key('h'), key('c'), fc.nat(), fc.boolean(), fc.constant(null), fc.constant(undefined), short,
  description, state, candidate, errorWire, data, fc.constantFrom('request', 'reply', 'pc.close', 'dc.send', 'pc.create', 'dc.create'),
  neverValid, fc.jsonValue({ maxDepth: 1 })
)
const protocolish = fc.record({
  type: fc.constantFrom('request', 'pc.close', 'dc.send', 'dc.close', 'dc.threshold', 'reply', 'pc.icecandidate', 'pc.icecandidateerror', 'pc.event', 'pc.datachannel', 'dc.open', 'dc.closing', 'dc.message', 'dc.sent', 'dc.bufferedamountlow', 'host.visibility', 'host.leave', 'host.error', 'pump.closed', 'pump.adopt'),
  op: fc.constantFrom('pc.create', 'pc.createOffer', 'pc.createAnswer', 'pc.setLocalDescription', 'pc.setRemoteDescription', 'pc.addIceCandidate', 'dc.create', 'cert.generate'),
  id: field, ok: fc.oneof(fc.boolean(), field), pcId: field, channelId: field, data: field, bytes: field, threshold: field, iceRestart: field,
  description: field, candidate: field, config: field, label: field, init: field, algorithm: field, result: field, error: field,
  state: field, event: fc.oneof(fc.constantFrom(...PC_STATE_EVENTS), field), channel: field, bufferedAmount: field, visible: field, command: field
}, { requiredKeys: ['type'] })

function isBoolean (guard: (x: unknown) => boolean, x: unknown): boolean {
  const result = guard(x)
  expectSame(typeof result, 'boolean')
  if (result) tally.ok++
  else tally.refused++
  return result
}

const bridgeGuards = [isWorkerToHost, isHostToWorker, isPumpAdopt, isPumpClosed, isPcKey, isChannelKey, isCertKey]

describe('fuzz: WebRTC bridge guards', () => {
  it('arbitrary values: a boolean, never a throw', () => {
    tally.ok = tally.refused = 0
    fc.assert(fc.property(anything, x => {
      for (const guard of bridgeGuards) isBoolean(guard, x)
    }), LOCAL_FUZZ_PARAMS)
    expect(tally.ok + tally.refused).toBeGreaterThanOrEqual(LOCAL_FUZZ_RUNS)
  })

  it('protocol-shaped records with arbitrary fields: a boolean, never a throw', () => {
    tally.ok = tally.refused = 0
    fc.assert(fc.property(protocolish, x => {
      for (const guard of bridgeGuards) isBoolean(guard, x)
    }), LOCAL_FUZZ_PARAMS)
    expect(tally.ok + tally.refused).toBeGreaterThanOrEqual(LOCAL_FUZZ_RUNS)
  })

  it('valid messages are accepted by their guard, also after a structured clone', () => {
    fc.assert(fc.property(workerToHost, hostToWorker, (toHost, toWorker) => {
      expectSame(isWorkerToHost(toHost), true)
      expectSame(isWorkerToHost(structuredClone(toHost)), true)
      expectSame(isHostToWorker(toWorker), true)
      expectSame(isHostToWorker(structuredClone(toWorker)), true)
    }), LOCAL_FUZZ_PARAMS)
  })

  it('valid messages with an unknown key, a dropped key or a never-valid field are rejected', () => {
    fc.assert(fc.property(fc.oneof(workerToHost, hostToWorker), fc.nat(), fc.string({ minLength: 1, maxLength: 6 }), neverValid, fc.nat(2), (message, at, extra, bad, kind) => {
      const mutated: Record<string, unknown> = { ...message }
      const keys = Object.keys(message).filter(k => k !== 'type' || kind !== 2)
      const k = keys[at % keys.length] as string
      if (kind === 0) {
        if (Object.hasOwn(message, extra)) return
        mutated[extra] = 1
      } else if (kind === 1) {
        delete mutated[k]
      } else {
        mutated[k] = bad
      }
      // 'host.visibility' with type dropped etc. must not become another valid message
      expectSame(isBoolean(isWorkerToHost, mutated) || isBoolean(isHostToWorker, mutated), false)
    }), LOCAL_FUZZ_PARAMS)
  })

  it('oversized strings are refused quickly', () => {
    const huge = 'x'.repeat(2 ** 24)
    const started = performance.now()
    expectSame(isWorkerToHost({ type: 'request', id: 1, op: 'pc.setRemoteDescription', pcId: 'p1', description: { type: 'offer', sdp: huge } }), false)
    expectSame(isWorkerToHost({ type: 'pc.close', pcId: `p${'1'.repeat(2 ** 24)}` }), false)
    expectSame(isHostToWorker({ type: 'host.error', command: huge, error: { name: 'E', message: '' } }), false)
    expect(performance.now() - started).toBeLessThan(budgetMs(1000))
  })
})

const endpoint = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF_-'.split('')), minLength: 1, maxLength: 64 }).filter(s => s !== 'owner')
const rpcToWorker = fc.oneof(
  fc.record({ type: fc.constant('call'), id: fc.nat(), method: fc.string({ minLength: 1, maxLength: 64 }), params: fc.jsonValue({ maxDepth: 2 }) }),
  fc.record({ type: fc.constant('cancel'), id: fc.nat() }),
  fc.constantFrom({ type: 'arrive' }, { type: 'leave' })
)
const rpcToTab = fc.oneof(
  fc.record({ type: fc.constant('result'), id: fc.nat(), ok: fc.constant(true), result: fc.jsonValue({ maxDepth: 2 }) }),
  fc.record({ type: fc.constant('event'), event: fc.string({ minLength: 1, maxLength: 64 }), payload: fc.jsonValue({ maxDepth: 2 }) }),
  fc.constant({ type: 'welcome' })
)
const toOwner = fc.oneof(
  fc.record({ from: endpoint, to: fc.constant('owner'), kind: fc.constant('data'), data: rpcToWorker }),
  fc.record({ from: endpoint, to: fc.constant('owner'), kind: fc.constantFrom('open', 'close'), data: fc.constant(null) })
)
const fromOwner = fc.oneof(
  fc.record({ from: endpoint, to: endpoint, kind: fc.constant('data'), data: rpcToTab }),
  fc.record({ from: endpoint, to: fc.oneof(endpoint, fc.constant('*')), kind: fc.constantFrom('open', 'close'), data: fc.constant(null) })
)

describe('fuzz: fallback envelopes', () => {
  it('arbitrary values: a boolean, a bounded size and a short description, never a throw', () => {
    fc.assert(fc.property(fc.oneof(anything, fc.record({ from: fc.oneof(endpoint, anything), to: fc.oneof(endpoint, fc.constantFrom('owner', '*'), anything), kind: fc.oneof(fc.constantFrom('open', 'data', 'close'), anything), data: anything }, { requiredKeys: [] })), x => {
      isBoolean(isToOwnerEnvelope, x)
      isBoolean(isFromOwnerEnvelope, x)
      isBoolean(isEndpointId, x)
      const size = estimateSize(x, 4096)
      expectSame(Number.isFinite(size), true)
      expect(size).toBeGreaterThanOrEqual(0)
      expect(describeEnvelope(x).length).toBeLessThanOrEqual(400)
    }), LOCAL_FUZZ_PARAMS)
  })

  it('valid envelopes are accepted (after a structured clone too); mutations are rejected', () => {
    fc.assert(fc.property(toOwner, fromOwner, fc.nat(), fc.nat(2), neverValid, (to, from, at, kind, bad) => {
      expectSame(isToOwnerEnvelope(to), true)
      expectSame(isToOwnerEnvelope(structuredClone(to)), true)
      expectSame(isFromOwnerEnvelope(from), true)
      expectSame(isFromOwnerEnvelope(structuredClone(from)), true)
      for (const envelope of [to, from] as Array<Record<string, unknown>>) {
        const mutated = { ...envelope }
        const k = ['from', 'to', 'kind', 'data'][at % 4] as string
        if (kind === 0) mutated.extra = 1
        else if (kind === 1) delete mutated[k]
        else mutated[k] = bad
        expectSame(isToOwnerEnvelope(mutated) || isFromOwnerEnvelope(mutated), false)
      }
    }), LOCAL_FUZZ_PARAMS)
  })

  it('huge, wide or deep payloads: refused quickly, estimateSize stops past its limit', () => {
    const started = performance.now()
    const big = { type: 'call', id: 1, method: 'sendMessage', params: { text: 'x'.repeat(MAX_ENVELOPE_BYTES) } }
    expectSame(isToOwnerEnvelope({ from: 'a', to: 'owner', kind: 'data', data: big }), false)
    const wide = { type: 'call', id: 1, method: 'm', params: new Array<number>(2 ** 24).fill(0) }
    expectSame(isToOwnerEnvelope({ from: 'a', to: 'owner', kind: 'data', data: wide }), false)
    let deep: unknown = null
    for (let i = 0; i < 10_000; i++) deep = [deep]
    expect(estimateSize(deep)).toBeGreaterThan(MAX_ENVELOPE_BYTES)
    const cyclic: unknown[] = []
    cyclic.push(cyclic, cyclic)
    expect(estimateSize(cyclic)).toBeGreaterThan(MAX_ENVELOPE_BYTES)
    const sparse: unknown[] = []
    sparse.length = 2 ** 32 - 1
    expect(estimateSize(sparse)).toBeGreaterThan(MAX_ENVELOPE_BYTES)
    expect(describeEnvelope({ [`k${'x'.repeat(1_000_000)}`]: 1, from: 'y'.repeat(1_000_000) }).length).toBeLessThanOrEqual(400)
    expect(performance.now() - started).toBeLessThan(budgetMs(3000))
  })
})
