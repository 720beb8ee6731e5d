/**
 * The pure parts of ui/scroll-keeper.ts. The keeper itself (a ResizeObserver
 * and the log's scroll events) needs a laid-out page: tests/e2e/chat-open.spec.ts.
 */
import { describe, expect, it } from 'vitest'
import { anchorCorrection, distanceFromBottom, firstItemBelow } from '../../../src/lib/ui/scroll-keeper.ts'

describe('distanceFromBottom', () => {
  it('is the content below the visible area, never negative', () => {
    expect(distanceFromBottom({ scrollTop: 0, scrollHeight: 1000, clientHeight: 400 })).toBe(600)
    expect(distanceFromBottom({ scrollTop: 600, scrollHeight: 1000, clientHeight: 400 })).toBe(0)
    // content shorter than the log
    expect(distanceFromBottom({ scrollTop: 0, scrollHeight: 300, clientHeight: 400 })).toBe(0)
    // fractional scroll positions (zoom) just short of the end
    expect(distanceFromBottom({ scrollTop: 599.5, scrollHeight: 1000, clientHeight: 400 })).toBe(0.5)
  })
})

describe('firstItemBelow', () => {
  // items 50 px tall, laid out from y = 100
  const bottoms = Array.from({ length: 200 }, (_, i) => 150 + i * 50)
  const bottomOf = (i: number): number => bottoms[i] ?? Infinity

  it('finds the first item whose bottom edge is below the top of the view', () => {
    expect(firstItemBelow(bottoms.length, bottomOf, 0)).toBe(0)
    expect(firstItemBelow(bottoms.length, bottomOf, 149)).toBe(0)
    // an item whose bottom edge is exactly at the top is out of view
    expect(firstItemBelow(bottoms.length, bottomOf, 150)).toBe(1)
    expect(firstItemBelow(bottoms.length, bottomOf, 5_020)).toBe(98)
    expect(firstItemBelow(bottoms.length, bottomOf, bottoms.at(-1) ?? 0)).toBe(-1)
    expect(firstItemBelow(0, bottomOf, 0)).toBe(-1)
  })

  it('reads only a logarithmic number of items', () => {
    let reads = 0
    firstItemBelow(bottoms.length, (i) => { reads++; return bottomOf(i) }, 7_000)
    expect(reads).toBeLessThanOrEqual(9)
  })
})

describe('anchorCorrection', () => {
  it('scrolls by how far the anchored message moved, and not for sub-pixel rounding', () => {
    expect(anchorCorrection(240, { id: 'a', offset: 12 })).toBe(228)
    expect(anchorCorrection(-30, { id: 'a', offset: 12 })).toBe(-42)
    expect(anchorCorrection(12.4, { id: 'a', offset: 12 })).toBe(0)
    expect(anchorCorrection(11.6, { id: 'a', offset: 12 })).toBe(0)
  })
})
