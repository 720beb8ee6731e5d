import { describe, expect, it } from 'vitest'
import { KeyedLock, TooManyWaitingError } from '../../src/scheduling/keyed-lock.ts'

const tick = async (): Promise<void> => { await new Promise<void>(resolve => { setTimeout(resolve, 0) }) }

describe('KeyedLock', () => {
  it('runs one task at a time per key, in the order asked; other keys run meanwhile', async () => {
    const lock = new KeyedLock<string>()
    const log: string[] = []
    const releases: Array<() => void> = []
    const task = (name: string) => async (): Promise<string> => {
      log.push(`start ${name}`)
      await new Promise<void>(resolve => { releases.push(resolve) })
      log.push(`end ${name}`)
      return name
    }
    const a1 = lock.run('a', task('a1'))
    const a2 = lock.run('a', task('a2'))
    const b1 = lock.run('b', task('b1'))
    await tick()
    expect(log).toEqual(['start a1', 'start b1'])
    expect(lock.size).toBe(2)
    releases.shift()?.()
    await tick()
    expect(log).toEqual(['start a1', 'start b1', 'end a1', 'start a2'])
    releases.forEach(release => { release() })
    await tick()
    releases.forEach(release => { release() })
    expect(await Promise.all([a1, a2, b1])).toEqual(['a1', 'a2', 'b1'])
    expect(lock.size).toBe(0)
  })

  it('a task that throws rejects its own caller only; the next one still runs', async () => {
    const lock = new KeyedLock<string>()
    const failing = lock.run('a', async () => { throw new Error('no') })
    const next = lock.run('a', async () => 'ran')
    await expect(failing).rejects.toThrow('no')
    expect(await next).toBe('ran')
    expect(lock.size).toBe(0)
  })

  it('refuses past maxWaiting tasks, and takes new ones once they settle', async () => {
    const lock = new KeyedLock<number>(2)
    let release = (): void => {}
    const held = new Promise<void>(resolve => { release = resolve })
    const first = lock.run(1, async () => held)
    const second = lock.run(2, async () => held)
    await expect(lock.run(3, async () => 'late')).rejects.toThrow(TooManyWaitingError)
    release()
    await Promise.all([first, second])
    expect(await lock.run(3, async () => 'now')).toBe('now')
  })
})
