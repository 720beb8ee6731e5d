import { afterEach, describe, expect, it, vi } from 'vitest'
import { KeyedSingleFlight, SingleFlight, TooManyFlightsError } from '../../src/scheduling/single-flight.ts'

/** A task whose runs wait until released, one by one. */
function gated (): { run: (key: string) => Promise<void>, runs: string[], release: () => void, waiting: () => number } {
  const runs: string[] = []
  const gates: Array<() => void> = []
  return {
    runs,
    run: async (key) => {
      runs.push(key)
      await new Promise<void>((resolve) => { gates.push(resolve) })
    },
    release: () => { gates.shift()?.() },
    waiting: () => gates.length
  }
}

/** Lets queued promise callbacks run. */
async function settle (): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve()
}

describe('KeyedSingleFlight', () => {
  it('never runs a key twice at once, and runs once more for any number of requests made meanwhile', async () => {
    const task = gated()
    const errors: unknown[] = []
    const flights = new KeyedSingleFlight({ run: task.run, onError: (_k, err) => { errors.push(err) } })
    const first = flights.request('a')
    const second = flights.request('a')
    const third = flights.request('a')
    await settle()
    expect(task.runs).toEqual(['a'])
    expect(flights.running('a')).toBe(true)
    task.release()
    await first
    await settle()
    expect(task.runs).toEqual(['a', 'a'])
    task.release()
    await Promise.all([second, third])
    await settle()
    expect(task.runs).toEqual(['a', 'a'])
    expect(flights.running('a')).toBe(false)
    expect(flights.size).toBe(0)
    expect(errors).toEqual([])
  })

  it('runs different keys side by side', async () => {
    const task = gated()
    const flights = new KeyedSingleFlight({ run: task.run, onError: () => {} })
    void flights.request('a')
    void flights.request('b')
    await settle()
    expect(task.runs).toEqual(['a', 'b'])
    expect(flights.size).toBe(2)
    task.release()
    task.release()
    await settle()
    expect(flights.size).toBe(0)
  })

  it('takes a one-off task for a run that starts now, and the usual task for a queued one', async () => {
    const task = gated()
    const flights = new KeyedSingleFlight({ run: task.run, onError: () => {} })
    const special: string[] = []
    await flights.request('a', async () => { special.push('fresh') })
    expect(special).toEqual(['fresh'])
    expect(task.runs).toEqual([])
    void flights.request('a')
    void flights.request('a', async () => { special.push('ignored') })
    await settle()
    task.release()
    await settle()
    task.release()
    await settle()
    expect(special).toEqual(['fresh'])
    expect(task.runs).toEqual(['a', 'a'])
  })

  it('sends a failed run to onError, never to the requester, and runs the queued rerun', async () => {
    const errors: unknown[] = []
    let calls = 0
    const flights = new KeyedSingleFlight<string>({
      run: async () => { calls++; throw new Error(`boom ${calls}`) },
      onError: (key, err) => { errors.push([key, (err as Error).message]) }
    })
    await expect(Promise.all([flights.request('a'), flights.request('a')])).resolves.toEqual([undefined, undefined])
    expect(calls).toBe(2)
    expect(errors).toEqual([['a', 'boom 1'], ['a', 'boom 2']])
  })

  it('is bounded: a request past maxKeys is refused and reported', async () => {
    const task = gated()
    const errors: unknown[] = []
    const flights = new KeyedSingleFlight({ run: task.run, onError: (_k, err) => { errors.push(err) }, maxKeys: 1 })
    void flights.request('a')
    await flights.request('b')
    expect(task.runs).toEqual(['a'])
    expect(errors).toHaveLength(1)
    expect((errors[0] as Error).name).toBe(TooManyFlightsError.name)
    task.release()
  })

  it('after stop() starts nothing, and a queued rerun does not start', async () => {
    const task = gated()
    const flights = new KeyedSingleFlight({ run: task.run, onError: () => {} })
    void flights.request('a')
    const queued = flights.request('a')
    await settle()
    flights.stop()
    task.release()
    await queued
    await flights.request('b')
    expect(task.runs).toEqual(['a'])
  })
})

describe('KeyedSingleFlight with minGapMs', () => {
  afterEach(() => { vi.useRealTimers() })

  it('starts a key\'s runs at least minGapMs apart: a storm of requests makes one run per gap', async () => {
    vi.useFakeTimers()
    const starts: number[] = []
    const flights = new KeyedSingleFlight<string>({ run: async () => { starts.push(Date.now()) }, onError: () => {}, minGapMs: 2000 })
    const t0 = Date.now()
    await flights.request('a')
    // 15 requests a second for 5 s, as a relay connection opening and closing would make
    const waits: Array<Promise<void>> = []
    for (let i = 0; i < 75; i++) {
      waits.push(flights.request('a'))
      await vi.advanceTimersByTimeAsync(1000 / 15)
    }
    await vi.advanceTimersByTimeAsync(2000)
    await Promise.all(waits)
    expect(starts.length).toBeLessThanOrEqual(1 + Math.ceil(5000 / 2000))
    expect(starts.length).toBeGreaterThanOrEqual(3)
    for (let i = 1; i < starts.length; i++) expect((starts[i] ?? 0) - (starts[i - 1] ?? 0)).toBeGreaterThanOrEqual(2000)
    expect(starts[0]).toBe(t0)
    expect(flights.size).toBe(0)
  })

  it('serves a request made during the gap with a run that starts after it; other keys are not held back', async () => {
    vi.useFakeTimers()
    const runs: Array<[string, number]> = []
    const flights = new KeyedSingleFlight<string>({ run: async (key) => { runs.push([key, Date.now()]) }, onError: () => {}, minGapMs: 1000 })
    const t0 = Date.now()
    await flights.request('a')
    await vi.advanceTimersByTimeAsync(300)
    let served = false
    const late = flights.request('a').then(() => { served = true })
    await flights.request('b')
    expect(runs).toEqual([['a', t0], ['b', t0 + 300]])
    expect(flights.running('a')).toBe(true)
    await vi.advanceTimersByTimeAsync(699)
    expect(served).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    await late
    expect(runs).toEqual([['a', t0], ['b', t0 + 300], ['a', t0 + 1000]])
    // long after the gap, a request runs at once
    await vi.advanceTimersByTimeAsync(5000)
    await flights.request('a')
    expect(runs.at(-1)).toEqual(['a', t0 + 6000])
  })

  it('stop() ends a wait for the gap without running it', async () => {
    vi.useFakeTimers()
    let runs = 0
    const flights = new KeyedSingleFlight<string>({ run: async () => { runs++ }, onError: () => {}, minGapMs: 60_000 })
    await flights.request('a')
    const waiting = flights.request('a')
    flights.stop()
    await waiting
    expect(runs).toBe(1)
    expect(vi.getTimerCount()).toBe(0)
  })
})

describe('SingleFlight', () => {
  it('runs one at a time and once more when asked meanwhile', async () => {
    const task = gated()
    const flight = new SingleFlight(async () => task.run('x'), () => {})
    const first = flight.request()
    void flight.request()
    void flight.request()
    await settle()
    expect(flight.running).toBe(true)
    expect(task.waiting()).toBe(1)
    task.release()
    await first
    await settle()
    expect(task.runs).toHaveLength(2)
    task.release()
    await settle()
    expect(flight.running).toBe(false)
  })

  it('reports a failure to its handler', async () => {
    const errors: unknown[] = []
    const flight = new SingleFlight(async () => { throw new Error('no') }, (err) => { errors.push(err) })
    await flight.request()
    expect(errors.map(e => (e as Error).message)).toEqual(['no'])
  })
})
