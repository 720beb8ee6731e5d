import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { TYPING_REPEAT_MS, TYPING_SHOWN_MS } from '../../../src/lib/contract/methods/actions.ts'
import type { IncomingMessageEvent, TypingEvent } from '../../../src/lib/contract/index.ts'
import type { ContactId, MessageId, MessageRow } from '../../../src/lib/db/types.ts'
import { ChatTyping, type TypingNode } from '../../../src/lib/state/typing.svelte.ts'
import { fakeCall } from '../../support/fake-node.ts'

/** Typing indicators in the tab (state/typing.svelte.ts): the throttle out, the expiry in. */

const ALICE: ContactId = 1
const BOB: ContactId = 2

class FakeNode implements TypingNode {
  readonly fake = fakeCall({ setTyping: () => null })
  readonly call = this.fake.call as TypingNode['call']
  typingListeners = new Set<(event: TypingEvent) => void>()
  messageListeners = new Set<(event: IncomingMessageEvent) => void>()
  onTyping (listener: (event: TypingEvent) => void): () => void {
    this.typingListeners.add(listener)
    return () => { this.typingListeners.delete(listener) }
  }

  onMessage (listener: (event: IncomingMessageEvent) => void): () => void {
    this.messageListeners.add(listener)
    return () => { this.messageListeners.delete(listener) }
  }

  typing (event: TypingEvent): void { for (const l of this.typingListeners) l(event) }
  message (event: IncomingMessageEvent): void { for (const l of this.messageListeners) l(event) }
  /** the setTyping calls so far, as [contactId, typing] */
  get sent (): Array<[number, boolean]> {
    return this.fake.calls.map(c => { const p = c.params as { contactId: number, typing: boolean }; return [p.contactId, p.typing] })
  }
}

function incoming (contactId: ContactId): MessageRow {
  return { id: 'm1' as MessageId, contactId, direction: 'in', fromPeerId: 'p', kind: 'text', body: 'hi', sentAt: 1, receivedAt: 1, state: 'delivered' }
}

describe('ChatTyping', () => {
  let node: FakeNode
  let typing: ChatTyping
  let enabled: boolean

  beforeEach(() => {
    vi.useFakeTimers()
    node = new FakeNode()
    enabled = true
    typing = new ChatTyping(node, () => enabled)
    typing.open(ALICE)
  })

  afterEach(() => {
    typing.reset()
    vi.useRealTimers()
  })

  it('tells the node "typing" at most once per TYPING_REPEAT_MS while the draft changes, and "stopped" once it is empty', () => {
    typing.draftChanged('h')
    typing.draftChanged('he')
    vi.advanceTimersByTime(TYPING_REPEAT_MS - 1)
    typing.draftChanged('hel')
    expect(node.sent).toEqual([[ALICE, true]])
    vi.advanceTimersByTime(1)
    typing.draftChanged('hell')
    expect(node.sent).toEqual([[ALICE, true], [ALICE, true]])
    // sent (the draft cleared) or cleared by hand: one "stopped"
    typing.draftChanged('')
    typing.draftChanged('')
    expect(node.sent).toEqual([[ALICE, true], [ALICE, true], [ALICE, false]])
    // typing again right after is told at once
    typing.draftChanged('a')
    expect(node.sent.at(-1)).toEqual([ALICE, true])
  })

  it('closing or changing the chat stops our typing to the contact; nothing at all while typing indicators are off', () => {
    typing.draftChanged('hello')
    typing.open(BOB)
    expect(node.sent).toEqual([[ALICE, true], [ALICE, false]])
    typing.draftChanged('hi Bob')
    typing.reset()
    expect(node.sent).toEqual([[ALICE, true], [ALICE, false], [BOB, true], [BOB, false]])

    typing.open(ALICE)
    enabled = false
    typing.draftChanged('quiet')
    typing.draftChanged('')
    typing.reset()
    expect(node.sent).toHaveLength(4)
  })

  it('shows their typing until TYPING_SHOWN_MS pass without a new signal; each signal starts the time again', () => {
    node.typing({ contactId: ALICE, typing: true })
    expect(typing.theyType).toBe(true)
    vi.advanceTimersByTime(TYPING_SHOWN_MS - 1)
    node.typing({ contactId: ALICE, typing: true })
    vi.advanceTimersByTime(TYPING_SHOWN_MS - 1)
    expect(typing.theyType).toBe(true)
    vi.advanceTimersByTime(1)
    expect(typing.theyType).toBe(false)
  })

  it('hides it when they stop, when their message arrives (announced or stored), and ignores other chats', () => {
    node.typing({ contactId: BOB, typing: true })
    expect(typing.theyType).toBe(false)
    node.typing({ contactId: ALICE, typing: true })
    node.typing({ contactId: ALICE, typing: false })
    expect(typing.theyType).toBe(false)

    node.typing({ contactId: ALICE, typing: true })
    node.message({ kind: 'received', message: incoming(BOB) })
    expect(typing.theyType).toBe(true)
    node.message({ kind: 'received', message: incoming(ALICE) })
    expect(typing.theyType).toBe(false)

    node.typing({ contactId: ALICE, typing: true })
    node.message({ kind: 'stored', messages: [incoming(ALICE)] })
    expect(typing.theyType).toBe(false)
    // no timer left behind
    expect(vi.getTimerCount()).toBe(0)
  })
})
