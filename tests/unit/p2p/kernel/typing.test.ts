/** The typing signals worth sending (src/lib/p2p/kernel/typing.ts), for contacts and groups alike. */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { afterEach, describe, expect, it } from 'vitest'
import { TYPING_REPEAT_MS } from '../../../../src/lib/contract/methods/actions.ts'
import { ParleyDb } from '../../../../src/lib/db/db.ts'
import { setMessagingSettings } from '../../../../src/lib/db/settings.ts'
import { TypingSignals, TypingThrottle } from '../../../../src/lib/p2p/kernel/typing.ts'
import type { TypingRoute } from '../../../../src/lib/p2p/kernel/typing.ts'

let db: ParleyDb | undefined
afterEach(() => { db?.close() })

describe('TypingThrottle', () => {
  it('lets a "typing" through once per TYPING_REPEAT_MS, and a "stopped" only after a "typing"', () => {
    const throttle = new TypingThrottle<string>(10)
    expect(throttle.due('a', false, 0)).toBe(false)
    expect(throttle.due('a', true, 0)).toBe(true)
    throttle.sent('a', true, 0)
    expect(throttle.due('a', true, TYPING_REPEAT_MS - 1)).toBe(false)
    expect(throttle.due('a', true, TYPING_REPEAT_MS)).toBe(true)
    expect(throttle.due('a', false, 1)).toBe(true)
    throttle.sent('a', false, 1)
    expect(throttle.due('a', false, 2)).toBe(false)
    // after a "stopped", typing again is told at once
    expect(throttle.due('a', true, 2)).toBe(true)
  })

  it('a message sent ends the typing: no "stopped" after it, and the next "typing" goes at once', () => {
    const throttle = new TypingThrottle<string>(10)
    throttle.messageSent('a', 0)
    expect(throttle.due('a', true, 1)).toBe(true)
    throttle.sent('a', true, 1)
    throttle.messageSent('a', 2)
    expect(throttle.due('a', false, 3)).toBe(false)
    expect(throttle.due('a', true, 3)).toBe(true)
  })

  it('remembers at most `max` chats, forgetting the oldest', () => {
    const throttle = new TypingThrottle<number>(2)
    for (const key of [1, 2, 3]) throttle.sent(key, true, 0)
    expect(throttle.due(1, true, 1)).toBe(true)
    expect(throttle.due(2, true, 1)).toBe(false)
    expect(throttle.due(3, true, 1)).toBe(false)
  })
})

describe('TypingSignals', () => {
  /** Signals around a route that goes where `open` says, recording what was sent and with which signal. */
  function signals (open: Set<string>): { typing: TypingSignals<string>, sent: Array<{ key: string, typing: boolean, signal: AbortSignal }>, db: ParleyDb } {
    const made = new ParleyDb('parley', { indexedDB: new IDBFactory(), IDBKeyRange })
    db = made
    const sent: Array<{ key: string, typing: boolean, signal: AbortSignal }> = []
    const route: TypingRoute<string> = async (key, typing) => open.has(key) ? async (signal) => { sent.push({ key, typing, signal }) } : undefined
    return { typing: new TypingSignals({ db: made }, 8, route), sent, db: made }
  }

  it('sends through the route with a timeout signal, and a signal with nowhere to go does not count for the throttle', async () => {
    const open = new Set(['a'])
    const { typing, sent } = signals(open)
    await typing.set('b', true)
    expect(sent).toEqual([])
    // "b" had nowhere to go: no "stopped" is due, and once it is reachable its "typing" goes at once
    await typing.set('b', false)
    open.add('b')
    await typing.set('b', true)
    await typing.set('a', true)
    await typing.set('a', true)
    expect(sent.map(({ key, typing }) => ({ key, typing }))).toEqual([{ key: 'b', typing: true }, { key: 'a', typing: true }])
    expect(sent.every(({ signal }) => signal instanceof AbortSignal && !signal.aborted)).toBe(true)
  })

  it('sends nothing while the user has typing indicators off', async () => {
    const { typing, sent, db } = signals(new Set(['a']))
    await setMessagingSettings(db, { readReceipts: true, typing: false })
    await typing.set('a', true)
    expect(sent).toEqual([])
    await setMessagingSettings(db, { readReceipts: true, typing: true })
    await typing.set('a', true)
    expect(sent).toHaveLength(1)
  })
})
