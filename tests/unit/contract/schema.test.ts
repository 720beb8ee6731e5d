import { describe, expect, it } from 'vitest'
import { contactId, messageId } from '../../../src/lib/contract/ids.ts'
import { nodeContract } from '../../../src/lib/contract/index.ts'
import { SchemaError, v } from '../../../src/lib/contract/schema.ts'

const refuses = (parse: () => unknown, message: string): void => {
  expect(parse).toThrow(new SchemaError(message))
}

describe('contract schemas', () => {
  it('strings: bounded, optionally patterned; the message names the path, never the content', () => {
    const s = v.string({ min: 1, max: 3 })
    expect(s.parse('abc')).toBe('abc')
    refuses(() => s.parse(''), 'params must be text of 1 to 3 characters, not text of 0 characters')
    refuses(() => s.parse('secret', 'params.name'), 'params.name must be text of 1 to 3 characters, not text of 6 characters')
    refuses(() => s.parse(3), 'params must be text of 1 to 3 characters, not the number 3')
    refuses(() => v.string({ max: 9, pattern: /^a+$/, patternName: 'a run of a' }).parse('ab'), 'params must be a run of a, not text of 2 characters')
  })

  it('numbers: finite, whole when asked, within bounds', () => {
    const n = v.number({ integer: true, min: 1, max: 10 })
    expect(n.parse(10)).toBe(10)
    for (const bad of [0, 11, 1.5, NaN, Infinity, '5', null]) expect(() => n.parse(bad)).toThrow(SchemaError)
    expect(v.number().parse(-1.25)).toBe(-1.25)
    expect(() => v.number({ integer: true }).parse(2 ** 53)).toThrow(SchemaError)
  })

  it('booleans, literals, nullables', () => {
    expect(v.boolean().parse(false)).toBe(false)
    expect(() => v.boolean().parse(0)).toThrow(SchemaError)
    expect(v.literal('a', 'b').parse('b')).toBe('b')
    refuses(() => v.literal('a', 'b').parse('c'), "params must be one of 'a', 'b', not text of 1 characters")
    expect(v.nullable(v.boolean()).parse(null)).toBeNull()
    expect(() => v.nullable(v.boolean()).parse(undefined)).toThrow(SchemaError)
  })

  it('objects are exact: no unknown key, no missing one; optional keys may be absent', () => {
    const o = v.object({ a: v.boolean(), b: v.optional(v.number()) })
    expect(o.parse({ a: true })).toEqual({ a: true })
    expect(o.parse({ a: true, b: 2 })).toEqual({ a: true, b: 2 })
    refuses(() => o.parse({ a: true, c: 1 }), 'params must be exactly { a, b }: unexpected key "c"')
    refuses(() => o.parse({ b: 1 }), 'params must be exactly { a, b }: "a" is missing')
    refuses(() => o.parse({ a: 'yes' }), 'params.a must be true or false, not text of 3 characters')
    refuses(() => o.parse([true]), 'params must be exactly { a, b }, not a list of 1')
    // an inherited or prototype key is not a key of the object
    expect(() => o.parse(Object.create({ a: true }))).toThrow(SchemaError)
    expect(() => o.parse(JSON.parse('{"a":true,"__proto__":{"b":1}}'))).toThrow(SchemaError)
  })

  it('a key of any length is cut in the message', () => {
    const problem = ((): string => { try { v.object({}).parse({ ['k'.repeat(10_000)]: 1 }); return '' } catch (err) { return (err as Error).message } })()
    expect(problem.length).toBeLessThan(120)
  })

  it('blobs, bytes and lists', () => {
    const blob = new Blob(['x'])
    expect(v.blob().parse(blob)).toBe(blob)
    expect(() => v.blob().parse(new Uint8Array(1))).toThrow(SchemaError)
    expect(v.bytes({ max: 2 }).parse(new Uint8Array(2))).toEqual(new Uint8Array(2))
    expect(() => v.bytes({ max: 2 }).parse(new Uint8Array(3))).toThrow(SchemaError)
    expect(() => v.bytes({ max: 2 }).parse([1, 2])).toThrow(SchemaError)
    expect(v.array(v.boolean(), { max: 2 }).parse([true, false])).toEqual([true, false])
    refuses(() => v.array(v.boolean(), { max: 2 }).parse([true, 1]), 'params[1] must be true or false, not the number 1')
    expect(() => v.array(v.boolean(), { max: 2 }).parse([true, true, true])).toThrow(SchemaError)
  })

  it('none: a method without params takes undefined only', () => {
    expect(v.none().parse(undefined)).toBeUndefined()
    for (const bad of [null, {}, 0, '']) expect(() => v.none().parse(bad)).toThrow(SchemaError)
  })

  it('ids: contact ids are positive whole numbers (they were never checked before), message ids ULIDs', () => {
    expect(contactId().parse(1)).toBe(1)
    for (const bad of [0, -1, 1.5, '1', null, Number.MAX_SAFE_INTEGER + 1]) expect(() => contactId().parse(bad)).toThrow(SchemaError)
    expect(messageId().parse('01ARZ3NDEKTSV4RRFFQ69G5FAV')).toBe('01ARZ3NDEKTSV4RRFFQ69G5FAV')
    for (const bad of ['01arz3ndektsv4rrffq69g5fav', '01ARZ3NDEKTSV4RRFFQ69G5FA', 'I'.repeat(26), 7]) expect(() => messageId().parse(bad)).toThrow(SchemaError)
  })

  it('every method that takes a contact names it with the checked contact id', () => {
    const withContact = Object.entries(nodeContract.methods).filter(([, m]) => m.params.expected.includes('contactId'))
    expect(withContact.map(([name]) => name).sort()).toEqual([
      'acceptContact', 'addGroupMember', 'checkSafetyCode', 'createGroup', 'declineContact', 'deleteContact', 'getSafetyNumber', 'markRead', 'sendFile', 'sendMessage',
      'setBlocked', 'setChatTimer', 'setTyping', 'setVerified', 'speedTest', 'startCall', 'updateContact'
    ])
    for (const [, m] of withContact) {
      expect(() => m.params.parse({ contactId: 0 })).toThrow(SchemaError)
    }
    // a list of contacts is checked one by one
    expect(() => nodeContract.methods.createGroup.params.parse({ name: 'Family', contactIds: [1, 0] })).toThrow(SchemaError)
    expect(nodeContract.methods.createGroup.params.parse({ name: 'Family', contactIds: [1, 2] })).toEqual({ name: 'Family', contactIds: [1, 2] })
  })

  it('every method declares a positive timeout', () => {
    for (const m of Object.values(nodeContract.methods)) expect(m.timeoutMs).toBeGreaterThan(0)
  })
})
