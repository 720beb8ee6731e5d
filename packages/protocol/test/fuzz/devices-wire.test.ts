/**
 * Fuzzing of `/parley/devices/1.0.0`'s frames (src/devices/wire.ts): the
 * request (a session box), the payload inside it and the reply, which every
 * contact decodes from its peers. Contract checked, for 10,000 generated
 * cases per property:
 * - arbitrary bytes, and JSON near the payload's and the reply's shapes,
 *   decode or throw InvalidMessageError only; what decodes encodes to the
 *   same bytes (one wire form);
 * - every list (valid lists of 1 to MAX_DEVICES devices, and any strings)
 *   round-trips through the payload, and mutations of its bytes are refused
 *   or decode to a payload of that shape;
 * - every reply round-trips; a payload past MAX_DEVICES_PAYLOAD_BYTES is
 *   refused by its size;
 * - a request is a well-formed box (mutated ones decode as boxes or are
 *   refused) no longer than MAX_DEVICES_FRAME_BYTES;
 * - the `notify` payload (src/devices/notify.ts): every 32-byte key
 *   round-trips; arbitrary bytes, JSON near its shape and mutations of
 *   valid ones decode to a key in its one form or throw InvalidMessageError
 *   only, through the box's payload reader (decodeDevicesBoxPayload) too;
 * - the DHT record (src/devices/dht.ts): arbitrary keys and values, and
 *   mutated valid ones, open or throw DeviceListError only; a valid list
 *   opens under its account's key alone, and the selector picks the highest
 *   version of those that open.
 */
/* eslint vitest/expect-expect: ["error", { "assertFunctionNames": ["expect", "expect*", "fc.assert"] }] -- fc.assert fails the test on any failing case */
import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import { InvalidMessageError } from '@libp2p/interface'
import { MAX_DEVICES } from '../../src/devices/constants.ts'
import { deviceListKey, deviceListValue, openDeviceListRecord, selectDeviceListRecord } from '../../src/devices/dht.ts'
import { DeviceListError, signDeviceList } from '../../src/devices/list.ts'
import { peerIdFromString } from '@libp2p/peer-id'
import {
  decodeDevicesPayload, decodeDevicesReply, decodeDevicesRequest, encodeDevicesPayload, encodeDevicesReply,
  MAX_DEVICES_FRAME_BYTES, MAX_DEVICES_PAYLOAD_BYTES
} from '../../src/devices/wire.ts'
import { decodeDevicesBoxPayload, decodeNotifyPayload, encodeNotifyPayload, isNotifyKey, NOTIFY_PAYLOAD_BYTES } from '../../src/devices/notify.ts'
import { fromBase64Url, toBase64Url } from '../../src/base64.ts'
import { encodeBox } from '../../src/session/box.ts'
import { fieldsOf, makeAccounts, NOW } from '../devices/helpers.ts'
import { expectEqual, expectSame, FUZZ_PARAMS } from '../../../../tests/unit/fuzz/runs.ts'
import { boxArb } from './session-arbs.ts'
import { mutate, mutationArb, typed } from './wire-helpers.ts'
import type { DevicesReply } from '../../src/devices/wire.ts'

// Ed25519 on OpenSSL for the keys made here, as device-list.test.ts does (native-ed25519.ts)
vi.mock('@noble/curves/ed25519.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('@noble/curves/ed25519.js')>()
  const { nativeEd25519 } = await import('./native-ed25519.ts')
  return { ...real, ed25519: nativeEd25519(real.ed25519) }
})

const ERRORS = [InvalidMessageError]
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)
const accounts = makeAccounts(MAX_DEVICES + 1)
const [alice] = accounts as [typeof accounts[number], ...typeof accounts]
const lists = Array.from({ length: MAX_DEVICES }, (_, n) => signDeviceList(alice.secret, fieldsOf(alice, accounts.slice(1, 1 + n), NOW + n)).signed)
const replyArb: fc.Arbitrary<DevicesReply> = fc.oneof(
  fc.constantFrom('stored', 'same', 'older').map(status => ({ type: 'ack', status }) as const),
  fc.constantFrom('not-a-contact', 'session', 'invalid', 'rate-limited').map(reason => ({ type: 'reject', reason }) as const)
)
/** JSON near the payload's shape: the right keys or not, strings or not. */
const nearPayload = fc.record({
  type: fc.oneof(fc.constant('devices'), fc.string({ maxLength: 10 }), fc.integer()),
  list: fc.oneof(fc.record({ body: fc.oneof(fc.string({ maxLength: 200 }), fc.integer()), sig: fc.string({ maxLength: 90 }) }), fc.constant(null), fc.string()),
  extra: fc.option(fc.string({ maxLength: 5 }), { nil: undefined })
}, { requiredKeys: [] }).map(o => utf8(JSON.stringify(o)))
const nearReply = fc.record({
  type: fc.constantFrom('ack', 'reject', 'devices', ''),
  status: fc.constantFrom('stored', 'same', 'older', 'newer', ''),
  reason: fc.constantFrom('not-a-contact', 'session', 'invalid', 'rate-limited', 'x')
}, { requiredKeys: ['type'] }).map(o => utf8(JSON.stringify(o)))

function payloadChecked (bytes: Uint8Array): void {
  const result = typed(() => decodeDevicesPayload(bytes), ERRORS)
  if (result.ok) {
    expectSame(result.value.type, 'devices')
    expectSame(Buffer.from(encodeDevicesPayload(result.value.list)).equals(Buffer.from(utf8(JSON.stringify({ type: 'devices', list: result.value.list })))), true)
  }
}

/** JSON near the notify payload's shape: keys of every length and alphabet, extra or missing fields. */
const nearNotify = fc.record({
  type: fc.oneof(fc.constant('notify'), fc.constant('devices'), fc.string({ maxLength: 8 })),
  key: fc.oneof(fc.uint8Array({ minLength: 31, maxLength: 33 }).map(toBase64Url), fc.string({ minLength: 42, maxLength: 44 }), fc.integer()),
  extra: fc.option(fc.string({ maxLength: 5 }), { nil: undefined })
}, { requiredKeys: [] }).map(o => utf8(JSON.stringify(o)))

function notifyChecked (bytes: Uint8Array): void {
  const result = typed(() => decodeNotifyPayload(bytes), ERRORS)
  if (result.ok) {
    expectSame(isNotifyKey(result.value.key), true)
    expectSame(fromBase64Url(result.value.key).byteLength, 32)
    expectSame(Buffer.from(encodeNotifyPayload(result.value.key)).equals(Buffer.from(bytes)), true)
  }
  const either = typed(() => decodeDevicesBoxPayload(bytes), ERRORS)
  if (either.ok && either.value.type === 'notify') expectEqual(either.value, result.ok ? result.value : undefined)
}

function replyChecked (bytes: Uint8Array): void {
  const result = typed(() => decodeDevicesReply(bytes), ERRORS)
  if (result.ok) expectEqual(decodeDevicesReply(encodeDevicesReply(result.value)), result.value)
}

describe('fuzz: /parley/devices/1.0.0 frames', () => {
  it('arbitrary bytes, and JSON near each shape, decode or throw InvalidMessageError', () => {
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), nearPayload, nearReply), (bytes) => {
      payloadChecked(bytes)
      replyChecked(bytes)
      const request = typed(() => decodeDevicesRequest(bytes), ERRORS)
      expectSame(request.ok ? request.value : bytes, bytes)
    }), FUZZ_PARAMS)
  })

  it('every list round-trips through the payload, and mutated payloads decode to its shape or are refused', () => {
    const listArb = fc.oneof(fc.constantFrom(...lists), fc.record({ body: fc.string({ maxLength: 300 }), sig: fc.string({ maxLength: 90 }) }))
    fc.assert(fc.property(listArb, mutationArb, (list, mutations) => {
      const bytes = encodeDevicesPayload(list)
      expectEqual(decodeDevicesPayload(bytes), { type: 'devices', list })
      payloadChecked(mutate(bytes, mutations))
    }), FUZZ_PARAMS)
  })

  it('every reply round-trips, mutated ones decode or are refused; a payload past its limit is refused by its size', () => {
    fc.assert(fc.property(replyArb, mutationArb, fc.integer({ min: 1, max: 4096 }), (reply, mutations, extra) => {
      expectEqual(decodeDevicesReply(encodeDevicesReply(reply)), reply)
      replyChecked(mutate(encodeDevicesReply(reply), mutations))
      const big = utf8(JSON.stringify({ type: 'devices', list: { body: 'x'.repeat(MAX_DEVICES_PAYLOAD_BYTES + extra), sig: '' } }))
      expect(() => decodeDevicesPayload(big)).toThrow(/at most/)
    }), FUZZ_PARAMS)
  })

  it('a request is a well-formed box of at most MAX_DEVICES_FRAME_BYTES; mutated boxes decode as boxes or are refused', () => {
    fc.assert(fc.property(boxArb, mutationArb, (box, mutations) => {
      const bytes = encodeBox(box)
      expectSame(decodeDevicesRequest(bytes), bytes)
      const mutated = mutate(bytes, mutations)
      const result = typed(() => decodeDevicesRequest(mutated), ERRORS)
      expect(result.ok ? result.value.byteLength : 0).toBeLessThanOrEqual(MAX_DEVICES_FRAME_BYTES)
    }), FUZZ_PARAMS)
  })

  it('the notify payload: every key round-trips, its length is fixed; arbitrary, near and mutated ones decode to a key in its one form or are refused', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), mutationArb, fc.oneof(fc.uint8Array({ maxLength: 100 }), nearNotify, nearPayload), (key, mutations, other) => {
      const bytes = encodeNotifyPayload(key)
      expectSame(bytes.byteLength, NOTIFY_PAYLOAD_BYTES)
      expectEqual(decodeNotifyPayload(bytes), { type: 'notify', key: toBase64Url(key) })
      expectEqual(decodeDevicesBoxPayload(bytes), { type: 'notify', key: toBase64Url(key) })
      notifyChecked(mutate(bytes, mutations))
      notifyChecked(other)
    }), FUZZ_PARAMS)
  })

  it('the DHT record: arbitrary and mutated keys and values open or throw DeviceListError; a list opens under its account\'s key alone; the highest version is selected', () => {
    const aliceKey = deviceListKey(peerIdFromString(alice.peer))
    const otherKey = deviceListKey(peerIdFromString((accounts[1] as typeof alice).peer))
    fc.assert(fc.property(fc.constantFrom(...lists), mutationArb, fc.uint8Array({ maxLength: 80 }), fc.uint8Array({ maxLength: 300 }), (list, mutations, key, value) => {
      const bytes = deviceListValue(list)
      expectEqual(openDeviceListRecord(aliceKey, bytes).signed, list)
      expect(() => openDeviceListRecord(otherKey, bytes)).toThrow(DeviceListError)
      for (const [k, v] of [[key, value], [mutate(aliceKey, mutations), bytes], [aliceKey, mutate(bytes, mutations)]] as const) {
        const result = typed(() => openDeviceListRecord(k, v), [DeviceListError])
        expectSame(result.ok ? result.value.account : alice.peer, alice.peer)
      }
      // the newest (the last made) wins whatever its place and whatever else is offered
      const newest = lists[lists.length - 1] as typeof list
      expectSame(selectDeviceListRecord(aliceKey, [value, deviceListValue(newest), bytes]), 1)
      expectSame(selectDeviceListRecord(aliceKey, [bytes, value, deviceListValue(newest)]), list === newest ? 0 : 2)
    }), FUZZ_PARAMS)
  })
})
