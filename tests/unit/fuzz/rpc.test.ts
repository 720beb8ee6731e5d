/**
 * Fuzzing (issue 10): the RPC wire validation between tabs and the node
 * worker, src/lib/rpc/guards.ts, errors.ts, and the message handlers of
 * server.ts and client.ts.
 *
 * Fuzzed: the guards (isTabToWorker, isWorkerToTab, isErrorShape,
 * describeMessage) and every method's params schema in the node contract on
 * arbitrary values and on mutations of valid messages (a key dropped, added
 * or retyped); the RpcServer and RpcClient 'message' listeners fed arbitrary
 * data. Contract: a guard returns a boolean and never throws, accepts every
 * valid message (also after a structured clone) and rejects every mutation
 * that breaks the shape; a params schema returns exactly the checked fields or
 * throws SchemaError; describeMessage stays short; the listeners
 * never throw, drop what is invalid (logged), and the server only ever posts
 * messages its peer's guard accepts.
 */
import { timeoutsOf } from '../../../src/lib/contract/define.ts'
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { nodeContract } from '../../../src/lib/contract/index.ts'
import { MAX_RELAY_PARAM_CHARS } from '../../../src/lib/contract/ids.ts'
import { SchemaError } from '../../../src/lib/contract/schema.ts'
import {
  describeMessage,
  isErrorShape,
  isTabToWorker,
  isWorkerToTab,
  MAX_EVENT_NAME_LENGTH,
  MAX_METHOD_NAME_LENGTH
} from '../../../src/lib/rpc/guards.ts'
import type { RpcPort } from '../../../src/lib/rpc/guards.ts'
import { errorFromShape, MAX_ERROR_MESSAGE_LENGTH, MAX_ERROR_NAME_LENGTH, toErrorShape } from '../../../src/lib/rpc/errors.ts'
import { RpcServer } from '../../../src/lib/rpc/server.ts'
import { RpcClient } from '../../../src/lib/rpc/client.ts'
import { LOCALES } from '../../../src/lib/i18n/index.ts'
import { testContract, testHandlers } from '../../support/rpc-fixtures.ts'
import { expectEqual, expectSame, LOCAL_FUZZ_PARAMS } from './runs.ts'

const anything = fc.anything({ maxDepth: 2, withNullPrototype: true, withObjectString: true, withBigInt: true, withMap: true, withSet: true, withTypedArray: true, withDate: true, withSparseArray: true, withBoxedValues: true, withUnicodeString: true })

const id = fc.oneof(fc.nat(), fc.constant(Number.MAX_SAFE_INTEGER))
const name = (max: number): fc.Arbitrary<string> => fc.string({ minLength: 1, maxLength: max })
const errorShape = fc.record({
  name: name(MAX_ERROR_NAME_LENGTH),
  code: name(64),
  params: fc.dictionary(fc.string({ maxLength: 32 }), fc.oneof(fc.string({ maxLength: 200 }), fc.integer()), { maxKeys: 4 }),
  message: fc.string({ maxLength: 200 })
})

const tabToWorker = fc.oneof(
  fc.record({ type: fc.constant('call'), id, method: name(MAX_METHOD_NAME_LENGTH), params: fc.jsonValue({ maxDepth: 2 }) }),
  fc.record({ type: fc.constant('cancel'), id }),
  fc.constant({ type: 'arrive' }),
  fc.constant({ type: 'leave' })
)
const workerToTab = fc.oneof(
  fc.record({ type: fc.constant('result'), id, ok: fc.constant(true), result: fc.jsonValue({ maxDepth: 2 }) }),
  fc.record({ type: fc.constant('result'), id, ok: fc.constant(false), error: errorShape }),
  fc.record({ type: fc.constant('event'), event: name(MAX_EVENT_NAME_LENGTH), payload: fc.jsonValue({ maxDepth: 2 }) }),
  fc.constant({ type: 'welcome' })
)

/** A field that is never valid where an id, name, boolean or error is wanted. */
const badField = fc.oneof(
  fc.constant(undefined), fc.constant(null), fc.constant(-1), fc.constant(1.5), fc.constant(NaN), fc.constant(2 ** 53),
  fc.constant(''), fc.constant('x'.repeat(5000)), fc.constant([]), fc.constant({})
)

type Mutation = { kind: 'drop', key: number } | { kind: 'add', key: string, value: unknown } | { kind: 'retype', key: number, value: unknown }
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('drop' as const), key: fc.nat() }),
  fc.record({ kind: fc.constant('add' as const), key: fc.string({ minLength: 1, maxLength: 8 }), value: fc.jsonValue({ maxDepth: 1 }) }),
  fc.record({ kind: fc.constant('retype' as const), key: fc.nat(), value: badField })
)

/** Applies `m`; returns the mutated object and whether it certainly breaks the shape. */
function mutate (message: Record<string, unknown>, m: Mutation): { mutated: Record<string, unknown>, broken: boolean } {
  const mutated = { ...message }
  const keys = Object.keys(message)
  if (m.kind === 'drop') {
    delete mutated[keys[m.key % keys.length] as string]
    return { mutated, broken: true }
  }
  if (m.kind === 'add') {
    mutated[m.key] = m.value
    return { mutated, broken: !keys.includes(m.key) }
  }
  const key = keys[m.key % keys.length] as string
  mutated[key] = m.value
  // params, result and payload carry anything
  return { mutated, broken: !['params', 'result', 'payload'].includes(key) && !(key === 'message' && typeof m.value === 'string' && m.value.length <= MAX_ERROR_MESSAGE_LENGTH) }
}

function noThrowBoolean (guard: (x: unknown) => boolean, x: unknown): boolean {
  const result = guard(x)
  expectSame(typeof result, 'boolean')
  return result
}

describe('fuzz: RPC guards', () => {
  it('arbitrary values: every guard returns a boolean, describeMessage a short string', () => {
    fc.assert(fc.property(anything, x => {
      for (const guard of [isTabToWorker, isWorkerToTab, isErrorShape]) noThrowBoolean(guard, x)
      const description = describeMessage(x)
      expectSame(typeof description, 'string')
      expect(description.length).toBeLessThanOrEqual(400)
    }), LOCAL_FUZZ_PARAMS)
  })

  it('describeMessage stays short for huge keys and types', () => {
    const huge = 'k'.repeat(1_000_000)
    const x = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`${i}${huge}`, i]))
    expect(describeMessage({ ...x, type: huge }).length).toBeLessThanOrEqual(400)
  })

  it('valid messages are accepted (also after a structured clone), by their own guard only', () => {
    fc.assert(fc.property(tabToWorker, workerToTab, (toWorker, toTab) => {
      expectSame(isTabToWorker(toWorker), true)
      expectSame(isTabToWorker(structuredClone(toWorker)), true)
      expectEqual(structuredClone(toWorker), toWorker)
      expectSame(isWorkerToTab(toTab), true)
      expectSame(isWorkerToTab(structuredClone(toTab)), true)
      expectSame(isWorkerToTab(toWorker), false)
      expectSame(isTabToWorker(toTab), false)
    }), LOCAL_FUZZ_PARAMS)
  })

  it('mutated valid messages: never a throw, and a broken shape is rejected', () => {
    fc.assert(fc.property(fc.oneof(tabToWorker, workerToTab), mutation, (message, m) => {
      const { mutated, broken } = mutate(message, m)
      const accepted = noThrowBoolean(isTabToWorker, mutated) || noThrowBoolean(isWorkerToTab, mutated)
      expectSame(broken && accepted, false)
      describeMessage(mutated)
    }), LOCAL_FUZZ_PARAMS)
  })

  it('params schemas of every contract method: exactly the checked fields, or a SchemaError', () => {
    const params = fc.oneof(
      anything,
      fc.record({ multiaddr: fc.oneof(fc.string({ maxLength: 40 }), fc.constant('/'.repeat(MAX_RELAY_PARAM_CHARS + 1)), badField), active: fc.oneof(fc.boolean(), badField) }, { requiredKeys: [] }),
      fc.record({ locale: fc.oneof(fc.constantFrom(...LOCALES), fc.string({ maxLength: 5 }), badField) }, { requiredKeys: [] }),
      fc.record({ contactId: fc.oneof(fc.integer({ min: 1 }), badField), text: fc.oneof(fc.string({ maxLength: 40 }), badField), withHistory: fc.oneof(fc.boolean(), badField) }, { requiredKeys: [] }),
      fc.record({ id: fc.oneof(fc.constant('01ARZ3NDEKTSV4RRFFQ69G5FAV'), fc.string({ maxLength: 30 }), fc.integer(), badField) }, { requiredKeys: [] })
    )
    const schemas = Object.values(nodeContract.methods).map(m => m.params)
    fc.assert(fc.property(params, x => {
      for (const schema of schemas) {
        let parsed: unknown
        try {
          parsed = schema.parse(x)
        } catch (err) {
          if (!(err instanceof SchemaError)) throw err
          continue
        }
        expectEqual(parsed, x)
      }
    }), LOCAL_FUZZ_PARAMS)
  })

  it('toErrorShape of anything thrown gives a shape the guard accepts; errorFromShape keeps it', () => {
    fc.assert(fc.property(fc.oneof(anything, fc.record({ name: anything, message: anything }), fc.string({ maxLength: 10_000 }).map(s => new Error(s))), thrown => {
      const shape = toErrorShape(thrown)
      expectSame(isErrorShape(shape), true)
      const err = errorFromShape(shape)
      expectEqual(toErrorShape(err), shape.name === '' ? { ...shape, name: 'Error' } : shape)
    }), LOCAL_FUZZ_PARAMS)
  })
})

/** A port whose 'message' listeners the test calls directly. */
function fakePort (): { port: RpcPort, deliver: (data: unknown) => void, posted: unknown[] } {
  const listeners: Array<(event: MessageEvent) => void> = []
  const posted: unknown[] = []
  const port: RpcPort = {
    postMessage (m) { posted.push(m) },
    addEventListener (type, listener) { if (type === 'message') listeners.push(listener) },
    removeEventListener (type, listener) {
      const at = listeners.indexOf(listener)
      if (type === 'message' && at >= 0) listeners.splice(at, 1)
    },
    start () {},
    close () {}
  }
  const deliver = (data: unknown): void => {
    for (const listener of listeners) listener(new MessageEvent('message', { data }))
  }
  return { port, deliver, posted }
}

const nextTurn = async (): Promise<void> => { await new Promise(resolve => setImmediate(resolve)) }

describe('fuzz: RPC message listeners', () => {
  it('the server never throws and only posts valid worker → tab messages', async () => {
    let dropped = 0
    const server = new RpcServer(testContract, testHandlers(), { log: (message) => { if (message.startsWith('dropped invalid')) dropped++ } })
    const { port, deliver, posted } = fakePort()
    server.addPort(port)
    const input = fc.oneof(anything, tabToWorker, fc.tuple(tabToWorker, mutation).map(([m, mu]) => mutate(m, mu).mutated),
      fc.record({ type: fc.constant('call'), id, method: fc.constantFrom('getStatus', 'createProfile', 'toString', '__proto__', 'constructor', 'hasOwnProperty'), params: fc.jsonValue({ maxDepth: 1 }) }))
    await fc.assert(fc.asyncProperty(input, async data => {
      const before = dropped
      expect(() => { deliver(data) }).not.toThrow()
      await nextTurn()
      expectSame(dropped, isTabToWorker(data) ? before : before + 1)
      for (const m of posted.splice(0)) expectSame(isWorkerToTab(m), true)
      if (server.portCount === 0) server.addPort(port) // after a 'leave'
    }), LOCAL_FUZZ_PARAMS)
    server.close()
  })

  it('the client never throws, drops invalid messages and settles calls only with valid results', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.oneof(anything, workerToTab, fc.tuple(workerToTab, mutation).map(([m, mu]) => mutate(m, mu).mutated)), { maxLength: 3 }), async messages => {
      let dropped = 0
      const { port, deliver } = fakePort()
      const client = new RpcClient(timeoutsOf(testContract), port, { timeoutMs: 60_000, log: (message) => { if (message.startsWith('dropped invalid')) dropped++ } })
      const payloads: unknown[] = []
      client.on('status', payload => { payloads.push(payload) })
      const call = client.call('getStatus').then(value => ({ value }), (err: unknown) => ({ err }))
      deliver({ type: 'welcome' })
      let invalid = 0
      for (const data of messages) {
        if (!isWorkerToTab(data)) invalid++
        expect(() => { deliver(data) }).not.toThrow()
      }
      expectSame(dropped, invalid)
      client.close()
      const outcome = await call
      expectSame('value' in outcome || outcome.err instanceof Error, true)
    }), LOCAL_FUZZ_PARAMS)
  })
})
