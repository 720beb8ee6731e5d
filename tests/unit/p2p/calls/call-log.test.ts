/**
 * Calls kept in the chat (src/lib/p2p/calls/call-log.ts): the row each
 * ended call becomes, in a real Dexie schema on fake-indexeddb. A missed
 * call is unread and counted; the rest are read; none is ever sent, and
 * only "delete for me" touches one.
 */
import '../../../support/russian.ts'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CallLog, callOutcome, callRecordRow } from '../../../../src/lib/p2p/calls/call-log.ts'
import { MessageActions } from '../../../../src/lib/p2p/actions/actions.ts'
import { contactsWithOutbox, outbox } from '../../../../src/lib/db/messages.ts'
import { firstUnreadAfter, NOTHING_SEEN, unreadAfter } from '../../../../src/lib/pwa/unread.ts'
import { callRecordText } from '../../../../src/lib/ui/call-record.ts'
import { setLocale } from '../../../../src/lib/i18n/index.ts'
import { addContact, openTestDb } from '../../db/helpers.ts'
import { testLogger } from '../../../support/fake-components.ts'
import type { CallEvent } from '../../../../src/lib/contract/call-types.ts'
import type { ParleyDb } from '../../../../src/lib/db/db.ts'
import type { ContactId, MessageRow } from '../../../../src/lib/db/types.ts'

const ME = '12D3KooWMe'
const T0 = 1_700_000_000_000

let db: ParleyDb
let alice: ContactId
let log: CallLog

beforeEach(async () => {
  db = await openTestDb()
  alice = await addContact(db, 'alice')
  log = new CallLog({ logger: testLogger(), db, identity: { require: () => ({ peerId: ME }) as never }, devices: { account: undefined } })
})
afterEach(() => { db.close() })

function ended (over: Partial<CallEvent>): CallEvent {
  return {
    callId: 'c'.repeat(32), contactId: alice, peerId: '12D3KooWalice', direction: 'in', video: false, phase: 'ended',
    startedAt: T0, endedAt: T0 + 45_000, reason: 'no-answer', endedBy: 'them', ...over
  }
}

async function rows (): Promise<MessageRow[]> {
  return db.messages.where('contactId').equals(alice).sortBy('sentAt')
}

describe('callOutcome', () => {
  it.each<[string, Partial<CallEvent>, string]>([
    ['answered, either side', { answeredAt: T0 + 1, reason: 'failed' }, 'answered'],
    ['theirs, rang out', { direction: 'in', reason: 'no-answer', endedBy: 'them' }, 'missed'],
    ['theirs, the caller gave up', { direction: 'in', reason: 'cancelled', endedBy: 'them' }, 'missed'],
    ['theirs, we declined', { direction: 'in', reason: 'declined', endedBy: 'us' }, 'declined'],
    ['ours, declined', { direction: 'out', reason: 'declined', endedBy: 'them' }, 'declined'],
    ['ours, busy', { direction: 'out', reason: 'busy', endedBy: 'them' }, 'busy'],
    ['ours, no answer', { direction: 'out', reason: 'no-answer', endedBy: 'us' }, 'unanswered'],
    ['ours, cancelled', { direction: 'out', reason: 'cancelled', endedBy: 'us' }, 'cancelled'],
    ['ours, unreachable', { direction: 'out', reason: 'unreachable', endedBy: 'us' }, 'failed'],
    ['ours, refused', { direction: 'out', reason: 'refused', endedBy: 'them' }, 'failed'],
    ['theirs, answered on another device of ours', { direction: 'in', reason: 'answered-elsewhere', endedBy: 'them' }, 'answered-elsewhere'],
    ['theirs, answered here too, a moment after another device', { direction: 'in', answeredAt: T0 + 1, reason: 'answered-elsewhere', endedBy: 'them' }, 'answered-elsewhere'],
    ['theirs, declined on another device of ours', { direction: 'in', reason: 'declined-elsewhere', endedBy: 'them' }, 'declined']
  ])('%s', (_what, call, outcome) => {
    expect(callOutcome(ended(call))).toBe(outcome)
  })
})

describe('CallLog', () => {
  it('a missed call is unread and counted; an answered one is read with how long it lasted; ours are never sent', async () => {
    await log.record(ended({ video: true }))
    await log.record(ended({ callId: 'd'.repeat(32), startedAt: T0 + 60_000, answeredAt: T0 + 65_000, endedAt: T0 + 198_000, reason: 'hangup' }))
    await log.record(ended({ callId: 'e'.repeat(32), direction: 'out', startedAt: T0 + 300_000, endedAt: T0 + 345_000, reason: 'no-answer', endedBy: 'us' }))

    const [missed, answered, ours] = await rows()
    expect(missed).toMatchObject({ kind: 'call', body: '', direction: 'in', fromPeerId: '12D3KooWalice', state: 'delivered', sentAt: T0, receivedAt: T0, call: { video: true, outcome: 'missed' } })
    expect(missed?.readAt).toBeUndefined()
    expect(answered).toMatchObject({ direction: 'in', state: 'read', readAt: T0 + 198_000, call: { video: false, outcome: 'answered', durationMs: 133_000 } })
    expect(ours).toMatchObject({ direction: 'out', fromPeerId: ME, state: 'delivered', call: { outcome: 'unanswered' } })
    expect(ours?.call?.durationMs).toBeUndefined()

    // only the missed call counts, and the chat opens there
    expect(await unreadAfter(db, alice, NOTHING_SEEN)).toBe(1)
    expect((await firstUnreadAfter(db, alice, NOTHING_SEEN))?.id).toBe(missed?.id)
    // nothing waits to be sent
    expect(await outbox(db, alice)).toEqual([])
    expect(await contactsWithOutbox(db)).toEqual([])

    setLocale('en')
    expect([missed, answered, ours].map(r => r?.call === undefined ? '' : callRecordText(r.call, r.direction))).toEqual([
      'Missed video call', 'Incoming voice call, lasted 2:13', 'Voice call not answered'
    ])
    setLocale('ru')
    expect(callRecordText({ video: true, outcome: 'missed' }, 'in')).toBe('Пропущенный видеозвонок')
    setLocale('en')
  })

  it('on a linked device, rows name the accounts: ours, and the contact\'s whichever device of theirs called; a call another device of ours took is kept once, read, with no duration', async () => {
    const linked = new CallLog({ logger: testLogger(), db, identity: { require: () => ({ peerId: '12D3KooWMyPhone' }) as never }, devices: { account: ME } })
    await linked.record(ended({ peerId: '12D3KooWalicePhone', answeredAt: T0 + 2_000, reason: 'answered-elsewhere' }))
    await linked.record(ended({ callId: 'd'.repeat(32), direction: 'out', peerId: '12D3KooWalicePhone', startedAt: T0 + 60_000, answeredAt: T0 + 61_000, endedAt: T0 + 90_000, reason: 'hangup', endedBy: 'us' }))
    await linked.record(ended({ callId: 'e'.repeat(32), peerId: '12D3KooWalicePhone', startedAt: T0 + 120_000, reason: 'declined-elsewhere' }))
    const [elsewhere, ours, declined] = await rows()
    expect(elsewhere).toMatchObject({ direction: 'in', fromPeerId: '12D3KooWalice', state: 'read', call: { outcome: 'answered-elsewhere' } })
    expect(elsewhere?.call?.durationMs).toBeUndefined()
    expect(ours).toMatchObject({ direction: 'out', fromPeerId: ME, call: { outcome: 'answered', durationMs: 29_000 } })
    expect(declined).toMatchObject({ direction: 'in', fromPeerId: '12D3KooWalice', state: 'read', call: { outcome: 'declined' } })
    expect(await unreadAfter(db, alice, NOTHING_SEEN)).toBe(0)
    expect(await db.messages.count()).toBe(3)
    setLocale('en')
    expect(elsewhere?.call === undefined ? '' : callRecordText(elsewhere.call, 'in')).toBe('Voice call answered on another device')
    setLocale('ru')
    expect(callRecordText({ video: true, outcome: 'answered-elsewhere' }, 'in')).toBe('Видеозвонок принят на другом устройстве')
    setLocale('en')
  })

  it('with the chat\'s disappearing timer on, the call disappears like a message', async () => {
    await db.contacts.update(alice, { timer: { ttl: 300, by: ME, id: 't', sentAt: T0 - 1 } })
    await log.record(ended({}))
    expect((await rows())[0]).toMatchObject({ ttl: 300, expiresAt: T0 + 45_000 + 300_000 })
  })

  it('a call with a contact deleted meanwhile is not kept, and nothing throws', async () => {
    await db.contacts.delete(alice)
    await expect(log.record(ended({}))).resolves.toBeUndefined()
    expect(await db.messages.count()).toBe(0)
  })

  it('marked read when seen, with no receipt for it; reactions, edits and deletes for everyone are refused; delete for me works', async () => {
    await db.contacts.update(alice, { state: 'accepted' })
    const row = callRecordRow(ended({}), { me: ME, them: '12D3KooWalice' })
    await db.messages.add(row)
    const kicked: ContactId[] = []
    const actions = new MessageActions({
      db,
      identity: { require: () => ({ peerId: ME }) as never },
      devices: { account: ME },
      contactBook: { byId: async (id: ContactId) => db.contacts.get(id) },
      outbox: { kick: (id: ContactId) => { kicked.push(id) } },
      transfers: { forget: async () => {} },
      groups: { sendEvent: async () => {} }
    })
    await actions.markRead(alice, [row.id])
    expect((await db.messages.get(row.id))?.state).toBe('read')
    expect(await db.events.filter(e => e.kind === 'read').count()).toBe(0)
    expect(kicked).toEqual([])

    await expect(actions.react(row.id, '👍')).rejects.toMatchObject({ code: 'actionOnCall' })
    await expect(actions.delete(row.id, true)).rejects.toMatchObject({ code: 'actionOnCall' })
    expect(await db.events.filter(e => e.kind === 'reaction' || e.kind === 'delete').count()).toBe(0)
    await actions.delete(row.id, false)
    expect(await db.messages.get(row.id)).toBeUndefined()
  })
})
