import { describe, expect, it } from 'vitest'
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
