/**
 * ui/scroll-keeper.ts: its pure parts, and the keeper on a model of a laid-out
 * log for orders of events a real page produces only now and then. The keeper
 * in a real page: tests/e2e/chat-open.spec.ts and history.spec.ts.
 */
import { describe, expect, it, vi } from 'vitest'
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

/**
 * The keeper on a model of a laid-out log: items of given heights stacked in
 * a scrolling element 500 px tall. The resize observer is called by the test
 * (`resized()`), the way the browser calls it after layout.
 */
describe('ScrollKeeper on a model log', () => {
  const VIEW = 500
  let observed: (() => void) | undefined

  class ModelObserver {
    constructor (callback: () => void) { observed = callback }
    observe (): void {}
    disconnect (): void {}
  }

  function model (heights: Array<[string, number]>) {
    let items = heights.map(([id, height]) => ({ id, height }))
    const total = (): number => items.reduce((sum, item) => sum + item.height, 0)
    const element = (id: string, top: () => number, height: () => number): HTMLElement => ({
      getAttribute: (name: string) => name === 'data-message-id' ? id : null,
      getBoundingClientRect: () => ({ top: top(), bottom: top() + height(), height: height() })
    }) as unknown as HTMLElement
    const topOf = (index: number): number => items.slice(0, index).reduce((sum, item) => sum + item.height, 0) - log.scrollTop
    const elements = (): HTMLElement[] => items.map((item, index) => element(item.id, () => topOf(index), () => item.height))
    let scrollTop = 0
    const log = {
      get scrollTop () { return scrollTop },
      set scrollTop (value: number) { scrollTop = Math.max(0, Math.min(value, total() - VIEW)) },
      get scrollHeight () { return total() },
      clientHeight: VIEW,
      dataset: {} as Record<string, string>,
      getBoundingClientRect: () => ({ top: 0, bottom: VIEW, height: VIEW })
    }
    const list = {
      getBoundingClientRect: () => ({ top: -scrollTop, bottom: total() - scrollTop, height: total() }),
      querySelectorAll: () => elements(),
      querySelector: (selector: string) => elements().find((e) => selector.includes(`"${e.getAttribute('data-message-id') ?? ''}"`)) ?? null
    }
    return {
      log: log as unknown as HTMLElement,
      list: list as unknown as HTMLElement,
      setItems (next: Array<[string, number]>) { items = next.map(([id, height]) => ({ id, height })) },
      resize (id: string, height: number) { const item = items.find((i) => i.id === id); if (item !== undefined) item.height = height },
      topOf (id: string) { return topOf(items.findIndex((i) => i.id === id)) },
      scrollTo (top: number) { log.scrollTop = top }
    }
  }

  const page = (prefix: string, count: number, height = 100): Array<[string, number]> =>
    Array.from({ length: count }, (_, i) => [`${prefix}${String(i).padStart(3, '0')}`, height])

  it('holds the message the reader scrolled up to when that scroll came with a resize and the next settle is an older page put in above', async () => {
    vi.stubGlobal('ResizeObserver', ModelObserver)
    vi.stubGlobal('CSS', { escape: (s: string) => s })
    const { ScrollKeeper } = await import('../../../src/lib/ui/scroll-keeper.ts')
    const newest = page('m', 50)
    const m = model(newest)
    const state = { stickToBottom: true }
    const keeper = new ScrollKeeper(m.log, m.list, state, () => true)
    keeper.toBottom()
    expect(m.log.scrollTop).toBe(50 * 100 - VIEW)

    // a message far above grows (laid out for real) and, before the observer runs, the reader jumps to the top
    m.resize('m000', 140)
    m.scrollTo(0)
    keeper.onScroll()
    expect(m.topOf('m000')).toBe(0)
    // the older page comes in above before the keeper settles
    m.setItems([...page('o', 40, 95), ...newest.map(([id]) => [id, id === 'm000' ? 140 : 100] as [string, number])])
    observed?.()
    expect(state.stickToBottom).toBe(false)
    expect(m.topOf('m000')).toBe(0)
    keeper.disconnect()
    vi.unstubAllGlobals()
  })

  it('keeps following the newest message when a resize only clamped the view', async () => {
    vi.stubGlobal('ResizeObserver', ModelObserver)
    vi.stubGlobal('CSS', { escape: (s: string) => s })
    const { ScrollKeeper } = await import('../../../src/lib/ui/scroll-keeper.ts')
    const m = model(page('m', 20))
    const state = { stickToBottom: true }
    const keeper = new ScrollKeeper(m.log, m.list, state, () => true)
    keeper.toBottom()
    // the last message shrinks: the browser clamps the scroll, which reads as a scroll up
    m.resize('m019', 40)
    m.scrollTo(m.log.scrollTop)
    keeper.onScroll()
    observed?.()
    expect(state.stickToBottom).toBe(true)
    expect(m.log.scrollTop).toBe(m.log.scrollHeight - VIEW)
    keeper.disconnect()
    vi.unstubAllGlobals()
  })
})
