/** The typing signals worth sending (src/lib/p2p/actions/typing.ts TypingThrottle), for contacts and groups alike. */
import { describe, expect, it } from 'vitest'
import { TYPING_REPEAT_MS } from '../../../../src/lib/contract/methods/actions.ts'
import { TypingThrottle } from '../../../../src/lib/p2p/kernel/typing-throttle.ts'

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
