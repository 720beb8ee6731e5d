/**
 * The table of message-event kinds (db/event-kinds.ts): one conversion
 * between a kind's chat frame and its event row, the same for a chat and a
 * group, that the codec accepts both ways; what a delete for everyone wipes,
 * which the backup's row fields and checks share; which kinds a group
 * carries.
 */
import { describe, expect, it } from 'vitest'
import { decodeChatFrame, encodeChatFrame, type ChatEventFrame, type ChatEventType } from '@parley/protocol/chat/codec'
import { EVENT_CONTACT_FIELDS, EVENT_MESSAGE_FIELDS } from '../../../src/lib/db/backup-actions.ts'
import { EVENT_KINDS, eventFrame, eventFromFrame, wipedByDelete } from '../../../src/lib/db/event-kinds.ts'
import { GROUP_CONTACT_ID } from '../../../src/lib/db/groups.ts'
import { MESSAGE_FIELDS } from '../../../src/lib/db/backup-rows.ts'
import type { EventKind } from '../../../src/lib/db/types.ts'

const ID = '01JD0000000000000000000E01'
const TARGET = '01JD00000000000000000000A1'
const SENT = 1_700_000_000_000

/** One frame of every kind the wire carries and a receiver stores (a kind without one here does not compile). */
const FRAMES: { [K in ChatEventType]: Extract<ChatEventFrame, { type: K }> } = {
  reaction: { type: 'reaction', id: ID, sentAt: SENT, target: TARGET, emoji: '🦊' },
  edit: { type: 'edit', id: ID, sentAt: SENT, target: TARGET, text: 'spring crocuses' },
  delete: { type: 'delete', id: ID, sentAt: SENT, target: TARGET },
  read: { type: 'read', id: ID, sentAt: SENT, targets: [TARGET, '01JD00000000000000000000A2'] },
  timer: { type: 'timer', id: ID, sentAt: SENT, ttl: 3600 }
}

describe('event kinds', () => {
  it.each(Object.values(FRAMES))('a $type frame becomes an event row and the same frame again, which the codec takes', (frame) => {
    const row = eventFromFrame(frame, { contactId: 3, fromPeerId: '12D3KooWAlice', receivedAt: SENT + 5 })
    expect(row).toMatchObject({ id: ID, contactId: 3, fromPeerId: '12D3KooWAlice', direction: 'in', kind: frame.type, sentAt: SENT, receivedAt: SENT + 5, state: 'delivered' })
    expect(row.groupId).toBeUndefined()
    expect(eventFrame(row)).toEqual(frame)
    expect(decodeChatFrame(encodeChatFrame(eventFrame(row)), 'dialer')).toEqual(frame)
    // a group member's is the same row, with its group
    const inGroup = eventFromFrame(frame, { contactId: GROUP_CONTACT_ID, groupId: 'g1', fromPeerId: '12D3KooWCarol', receivedAt: SENT })
    expect(inGroup).toEqual({ ...row, contactId: GROUP_CONTACT_ID, groupId: 'g1', fromPeerId: '12D3KooWCarol', receivedAt: SENT })
  })

  it('keeps the targets as the frame names them: one, several, or none for the chat', () => {
    const from = { contactId: 3, fromPeerId: '12D3KooWAlice' }
    expect(eventFromFrame(FRAMES.reaction, from).targets).toEqual([TARGET])
    expect(eventFromFrame(FRAMES.read, from).targets).toEqual(FRAMES.read.targets)
    expect(eventFromFrame(FRAMES.timer, from).targets).toEqual([])
  })

  it('sends no "hide" (delete for me is local), and a stored event without its own field sends its empty value', () => {
    expect(EVENT_KINDS.hide.wire).toBeUndefined()
    expect(() => eventFrame({ id: ID, kind: 'hide', targets: [], sentAt: SENT })).toThrow(/local and never sent/)
    expect(eventFrame({ id: ID, kind: 'reaction', targets: [], sentAt: SENT })).toEqual({ type: 'reaction', id: ID, sentAt: SENT, target: '', emoji: '' })
    expect(eventFrame({ id: ID, kind: 'timer', targets: [], sentAt: SENT })).toEqual({ type: 'timer', id: ID, sentAt: SENT, ttl: 0 })
  })

  it('a group carries reactions, edits and deletes as events and read receipts to their authors; no timer (an operation) and no hide', () => {
    const carried = (kinds: EventKind[]): string[] => kinds.map(kind => EVENT_KINDS[kind].group)
    expect(carried(['reaction', 'edit', 'delete', 'read', 'timer', 'hide'])).toEqual(['event', 'event', 'event', 'receipt', 'none', 'none'])
  })

  it('one list says what a delete for everyone wipes, and the backup knows every field the kinds leave', () => {
    expect(wipedByDelete()).toEqual(['file', 'replyTo', 'reactions', 'edit'])
    expect(Object.keys(EVENT_MESSAGE_FIELDS)).toEqual(['reactions', 'edit', 'deleted'])
    expect(Object.keys(EVENT_CONTACT_FIELDS)).toEqual(['timer'])
    for (const field of [...wipedByDelete(), ...Object.keys(EVENT_MESSAGE_FIELDS)]) expect(MESSAGE_FIELDS).toHaveProperty(field, true)
  })
})
