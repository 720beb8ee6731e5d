import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { TYPING_REPEAT_MS, TYPING_SHOWN_MS } from '../../../src/lib/contract/methods/actions.ts'
import type { GroupTypingEvent, IncomingMessageEvent, TypingEvent } from '../../../src/lib/contract/index.ts'
import type { ContactId, MessageId, MessageRow } from '../../../src/lib/db/types.ts'
import { ChatTyping, Typers, type TypingNode } from '../../../src/lib/state/typing.svelte.ts'
import { fakeCall } from '../../support/fake-node.ts'

/** Typing indicators in the tab (state/typing.svelte.ts), in a contact's chat and a group's: the throttle out, the expiry in. */

const ALICE: ContactId = 1
const BOB: ContactId = 2

class FakeNode implements TypingNode {
  readonly fake = fakeCall({ setTyping: () => null, setGroupTyping: () => null })
  readonly call = this.fake.call as TypingNode['call']
  typingListeners = new Set<(event: TypingEvent) => void>()
  groupTypingListeners = new Set<(event: GroupTypingEvent) => void>()
  messageListeners = new Set<(event: IncomingMessageEvent) => void>()
  onTyping (listener: (event: TypingEvent) => void): () => void {
    this.typingListeners.add(listener)
    return () => { this.typingListeners.delete(listener) }
  }

  onGroupTyping (listener: (event: GroupTypingEvent) => void): () => void {
    this.groupTypingListeners.add(listener)
    return () => { this.groupTypingListeners.delete(listener) }
  }

  onMessage (listener: (event: IncomingMessageEvent) => void): () => void {
    this.messageListeners.add(listener)
    return () => { this.messageListeners.delete(listener) }
  }

  typing (event: TypingEvent): void { for (const l of this.typingListeners) l(event) }
  groupTyping (event: GroupTypingEvent): void { for (const l of this.groupTypingListeners) l(event) }
  message (event: IncomingMessageEvent): void { for (const l of this.messageListeners) l(event) }
  /** the setTyping and setGroupTyping calls so far, as [contactId or groupId, typing] */
  get sent (): Array<[number | string, boolean]> {
    return this.fake.calls.map(c => {
      const p = c.params as { contactId: number, typing: boolean } | { groupId: string, typing: boolean }
      return 'groupId' in p ? [p.groupId, p.typing] : [p.contactId, p.typing]
    })
  }

  /** how many listeners are subscribed, of every kind */
  get listening (): number {
    return this.typingListeners.size + this.groupTypingListeners.size + this.messageListeners.size
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

  it('tells the node "typing" at most once per TYPING_REPEAT_MS while the draft changes, and "stopped" once it is cleared', () => {
    typing.draftChanged('h')
    typing.draftChanged('he')
    vi.advanceTimersByTime(TYPING_REPEAT_MS - 1)
    typing.draftChanged('hel')
    expect(node.sent).toEqual([[ALICE, true]])
    vi.advanceTimersByTime(1)
    typing.draftChanged('hell')
    expect(node.sent).toEqual([[ALICE, true], [ALICE, true]])
    // cleared by hand: one "stopped"
    typing.draftChanged('')
    typing.draftChanged('')
    expect(node.sent).toEqual([[ALICE, true], [ALICE, true], [ALICE, false]])
    // typing again right after is told at once
    typing.draftChanged('a')
    expect(node.sent.at(-1)).toEqual([ALICE, true])
  })

  it('a sent draft says no "stopped" (the message tells them), and typing the next one is told at once', () => {
    typing.draftChanged('hello')
    typing.draftChanged('', true)
    typing.draftChanged('', true)
    expect(node.sent).toEqual([[ALICE, true]])
    typing.draftChanged('a')
    expect(node.sent).toEqual([[ALICE, true], [ALICE, true]])
    // and a draft cleared after that still says "stopped"
    typing.draftChanged('')
    expect(node.sent).toEqual([[ALICE, true], [ALICE, true], [ALICE, false]])
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

const TRIP = 'group-trip'
const BOOK_CLUB = 'group-books'
const [BOB_PEER, CAROL_PEER, DAVE_PEER] = ['12D3KooBob', '12D3KooCarol', '12D3KooDave']

function fromMember (groupId: string, fromPeerId: string, direction: 'in' | 'out' = 'in'): MessageRow {
  return { id: 'g1' as MessageId, contactId: 0, groupId, direction, fromPeerId, kind: 'text', body: 'hi', sentAt: 1, receivedAt: 1, state: 'delivered' }
}

describe('ChatTyping in a group', () => {
  let node: FakeNode
  let typing: ChatTyping
  let enabled: boolean

  beforeEach(() => {
    vi.useFakeTimers()
    node = new FakeNode()
    enabled = true
    typing = new ChatTyping(node, () => enabled)
    typing.open(TRIP)
  })

  afterEach(() => {
    typing.reset()
    vi.useRealTimers()
  })

  it('tells the group "typing" (setGroupTyping) at most once per TYPING_REPEAT_MS, "stopped" once the draft is cleared, and nothing when it is sent', () => {
    typing.draftChanged('w')
    typing.draftChanged('we')
    vi.advanceTimersByTime(TYPING_REPEAT_MS - 1)
    typing.draftChanged('wel')
    expect(node.sent).toEqual([[TRIP, true]])
    expect(node.fake.calls.map(c => c.method)).toEqual(['setGroupTyping'])
    vi.advanceTimersByTime(1)
    typing.draftChanged('well')
    expect(node.sent).toEqual([[TRIP, true], [TRIP, true]])
    // cleared: the composer empties
    typing.draftChanged('')
    typing.draftChanged('')
    expect(node.sent).toEqual([[TRIP, true], [TRIP, true], [TRIP, false]])
    // sent: the message tells them
    typing.draftChanged('next')
    typing.draftChanged('', true)
    expect(node.sent).toEqual([[TRIP, true], [TRIP, true], [TRIP, false], [TRIP, true]])
  })

  it('stops on closing or on moving to another chat (a group or a contact), and says nothing while typing indicators are off', () => {
    typing.draftChanged('see you')
    typing.open(BOOK_CLUB)
    typing.draftChanged('chapter 3')
    typing.open(ALICE)
    typing.draftChanged('hi Alice')
    typing.open(TRIP)
    typing.draftChanged('again')
    typing.reset()
    expect(node.sent).toEqual([[TRIP, true], [TRIP, false], [BOOK_CLUB, true], [BOOK_CLUB, false], [ALICE, true], [ALICE, false], [TRIP, true], [TRIP, false]])
    expect(node.listening).toBe(0)

    typing.open(TRIP)
    enabled = false
    typing.draftChanged('quiet')
    typing.reset()
    expect(node.sent).toHaveLength(8)
  })

  it('shows each member typing until TYPING_SHOWN_MS pass without a new signal from that member, in the order they began', () => {
    node.groupTyping({ groupId: TRIP, peer: BOB_PEER, typing: true })
    vi.advanceTimersByTime(TYPING_SHOWN_MS / 2)
    node.groupTyping({ groupId: TRIP, peer: CAROL_PEER, typing: true })
    node.groupTyping({ groupId: TRIP, peer: DAVE_PEER, typing: true })
    expect(typing.typers).toEqual([BOB_PEER, CAROL_PEER, DAVE_PEER])
    expect(typing.theyType).toBe(true)
    // Dave's new signal keeps him; Bob's time is up
    vi.advanceTimersByTime(TYPING_SHOWN_MS / 2 - 1)
    node.groupTyping({ groupId: TRIP, peer: DAVE_PEER, typing: true })
    expect(typing.typers).toEqual([BOB_PEER, CAROL_PEER, DAVE_PEER])
    vi.advanceTimersByTime(1)
    expect(typing.typers).toEqual([CAROL_PEER, DAVE_PEER])
    vi.advanceTimersByTime(TYPING_SHOWN_MS / 2)
    expect(typing.typers).toEqual([DAVE_PEER])
    // Dave's last signal was at TYPING_SHOWN_MS - 1
    vi.advanceTimersByTime(TYPING_SHOWN_MS / 2 - 2)
    expect(typing.typers).toEqual([DAVE_PEER])
    vi.advanceTimersByTime(1)
    expect(typing.typers).toEqual([])
    expect(typing.theyType).toBe(false)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('hides a member who stops, or whose message in this group arrives (announced or stored); others stay; other chats are ignored', () => {
    // another group, a contact's typing, a contact's message: not this chat
    node.groupTyping({ groupId: BOOK_CLUB, peer: BOB_PEER, typing: true })
    node.typing({ contactId: ALICE, typing: true })
    expect(typing.typers).toEqual([])
    expect(typing.theyType).toBe(false)

    for (const peer of [BOB_PEER, CAROL_PEER, DAVE_PEER]) node.groupTyping({ groupId: TRIP, peer, typing: true })
    node.groupTyping({ groupId: TRIP, peer: CAROL_PEER, typing: false })
    expect(typing.typers).toEqual([BOB_PEER, DAVE_PEER])

    // Bob's message in another group, our own message, a 1:1 message: Bob stays
    node.message({ kind: 'received', message: fromMember(BOOK_CLUB, BOB_PEER) })
    node.message({ kind: 'received', message: fromMember(TRIP, BOB_PEER, 'out') })
    node.message({ kind: 'received', message: incoming(ALICE) })
    expect(typing.typers).toEqual([BOB_PEER, DAVE_PEER])
    node.message({ kind: 'received', message: fromMember(TRIP, BOB_PEER) })
    expect(typing.typers).toEqual([DAVE_PEER])
    node.message({ kind: 'stored', messages: [fromMember(TRIP, CAROL_PEER), fromMember(TRIP, DAVE_PEER)] })
    expect(typing.typers).toEqual([])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('moving to another chat forgets who was typing in this one', () => {
    node.groupTyping({ groupId: TRIP, peer: BOB_PEER, typing: true })
    typing.open(BOOK_CLUB)
    expect(typing.typers).toEqual([])
    node.groupTyping({ groupId: BOOK_CLUB, peer: CAROL_PEER, typing: true })
    expect(typing.typers).toEqual([CAROL_PEER])
    // a contact's chat lists no members, but says they type
    typing.open(ALICE)
    node.typing({ contactId: ALICE, typing: true })
    expect(typing.typers).toEqual([])
    expect(typing.theyType).toBe(true)
  })
})

describe('Typers', () => {
  afterEach(() => { vi.useRealTimers() })

  it('holds at most its bound at once, and takes someone new once one is gone', () => {
    vi.useFakeTimers()
    const typers = new Typers(undefined, 2)
    typers.show('a')
    typers.show('b')
    typers.show('c')
    expect(typers.list).toEqual(['a', 'b'])
    typers.hide('a')
    typers.show('c')
    expect(typers.list).toEqual(['b', 'c'])
    typers.clear()
    expect(typers.list).toEqual([])
    expect(vi.getTimerCount()).toBe(0)
  })
})
