/** Group messages that came before their group (src/lib/p2p/groups/waiting.ts): kept per group in order, bounded in all, the oldest dropped first. */
import { describe, expect, it } from 'vitest'
import { WaitingMessages } from '../../../../src/lib/p2p/groups/waiting.ts'

const message = (body: string): { from: string, signed: { body: string, sig: string } } => ({ from: 'peer', signed: { body, sig: '' } })

describe('WaitingMessages', () => {
  it('hands each group its messages in the order they came, once', () => {
    const waiting = new WaitingMessages(10)
    waiting.add('g1', message('a'))
    waiting.add('g2', message('x'))
    waiting.add('g1', message('b'))
    expect(waiting.take('g1').map((m) => m.signed.body)).toEqual(['a', 'b'])
    expect(waiting.take('g1')).toEqual([])
    expect(waiting.size).toBe(1)
  })

  it('keeps at most `max` in all, dropping the oldest of the group that waits longest', () => {
    const waiting = new WaitingMessages(3)
    waiting.add('g1', message('a'))
    waiting.add('g2', message('x'))
    waiting.add('g1', message('b'))
    waiting.add('g2', message('y'))
    expect(waiting.size).toBe(3)
    expect(waiting.take('g1').map((m) => m.signed.body)).toEqual(['b'])
    expect(waiting.take('g2').map((m) => m.signed.body)).toEqual(['x', 'y'])
    expect(waiting.size).toBe(0)
  })
})
