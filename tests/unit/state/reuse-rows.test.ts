/** reuseRows / sameValue (state/reuse-rows.ts): unchanged rows keep their objects. */
import { describe, expect, it } from 'vitest'
import { reuseRows, sameValue } from '../../../src/lib/state/reuse-rows.ts'

interface Row { id: string, body: string, state: string, file?: { name: string, thumb?: Uint8Array }, tags?: string[] }

const row = (id: string, extra: Partial<Row> = {}): Row => ({ id, body: `b${id}`, state: 'queued', ...extra })

describe('sameValue', () => {
  it('compares what IndexedDB gives back by value', () => {
    expect(sameValue(1, 1)).toBe(true)
    expect(sameValue(Number.NaN, Number.NaN)).toBe(true)
    expect(sameValue('a', 'b')).toBe(false)
    expect(sameValue(undefined, null)).toBe(false)
    expect(sameValue({ a: 1, b: { c: 'x' } }, { b: { c: 'x' }, a: 1 })).toBe(true)
    expect(sameValue({ a: 1 }, { a: 1, b: undefined })).toBe(false)
    expect(sameValue({ a: 1, c: undefined }, { a: 1, b: undefined })).toBe(false)
    expect(sameValue([1, [2]], [1, [2]])).toBe(true)
    expect(sameValue([1, 2], [1, 2, 3])).toBe(false)
    expect(sameValue([1], { 0: 1 })).toBe(false)
    expect(sameValue(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true)
    expect(sameValue(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false)
    expect(sameValue(new Uint8Array([1]), [1])).toBe(false)
  })

  it('never calls two objects of other classes the same (it cannot look inside them)', () => {
    expect(sameValue(new Date(5), new Date(5))).toBe(false)
    const date = new Date(5)
    expect(sameValue(date, date)).toBe(true)
  })
})

describe('reuseRows', () => {
  it('keeps the earlier object of each unchanged row and takes the changed and new ones', () => {
    const a = row('a', { file: { name: 'f', thumb: new Uint8Array([9]) } })
    const b = row('b')
    const previous = [a, b]
    const next = [structuredClone(a), { ...b, state: 'delivered' }, row('c')]
    const out = reuseRows(previous, next)
    expect(out).toHaveLength(3)
    expect(out[0]).toBe(a)
    expect(out[1]).toBe(next[1])
    expect(out[2]).toBe(next[2])
  })

  it('returns the earlier list itself when nothing changed, and the new one when only the order did', () => {
    const previous = [row('a'), row('b')]
    expect(reuseRows(previous, previous.map(r => ({ ...r })))).toBe(previous)
    const swapped = reuseRows(previous, [{ ...row('b') }, { ...row('a') }])
    expect(swapped).not.toBe(previous)
    expect(swapped[0]).toBe(previous[1])
    expect(swapped[1]).toBe(previous[0])
    expect(reuseRows(previous, [{ ...row('a') }])).toEqual([previous[0]])
  })

  it('takes the new list as it is when there was none before', () => {
    const next = [row('a')]
    expect(reuseRows([], next)).toBe(next)
  })
})
