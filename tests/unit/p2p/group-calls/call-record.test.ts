/**
 * A group call kept in the group's history (p2p/group-calls/call-record.ts),
 * in a real Dexie schema on fake-indexeddb: how it reads from each side, its
 * length, one entry however often it is written (its id comes from the
 * call's), after the newest message of the group, with the group's timer.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { callEntryId, GroupCallLog, groupCallOutcome } from '../../../../src/lib/p2p/group-calls/call-record.ts'
import { groupMessages } from '../../../../src/lib/db/groups.ts'
import { openTestDb } from '../../db/helpers.ts'
import { testLogger } from '../../../support/fake-components.ts'
import type { ParleyDb } from '../../../../src/lib/db/db.ts'
import type { GroupRow } from '../../../../src/lib/db/group-types.ts'
import type { EndedGroupCall } from '../../../../src/lib/p2p/group-calls/call-record.ts'

const GROUP = 'a'.repeat(32)
const [ALICE, BOB, CAROL] = ['12D3KooWAlice', '12D3KooWBob', '12D3KooWCarol']
const T0 = 1_700_000_000_000

let db: ParleyDb
let log: GroupCallLog

beforeEach(async () => {
  db = await openTestDb()
  log = new GroupCallLog({ db, logger: testLogger() })
  const group: GroupRow = {
    id: GROUP, name: 'Call', picture: '', state: 'member', owner: ALICE, lamport: 7, heads: [], createdAt: T0, updatedAt: T0,
    members: [ALICE, BOB, CAROL].map((peer) => ({ peer, role: peer === ALICE ? 'owner' as const : 'member' as const, name: peer, mailboxes: [] }))
  }
  await db.groups.put(group)
})
afterEach(() => { db.close() })

function ended (over: Partial<EndedGroupCall> = {}): EndedGroupCall {
  return { groupId: GROUP, callId: 'c'.repeat(32), video: true, startedBy: ALICE, startedAt: T0, endedAt: T0 + 125_000, participants: [ALICE, BOB], declinedHere: false, ...over }
}

describe('group calls kept in the history', () => {
  it('reads as answered for who took part, unanswered for a starter no one joined, declined or missed for the rest', () => {
    expect(groupCallOutcome(ended(), ALICE)).toBe('answered')
    expect(groupCallOutcome(ended(), BOB)).toBe('answered')
    expect(groupCallOutcome(ended(), CAROL)).toBe('missed')
    expect(groupCallOutcome(ended({ declinedHere: true }), CAROL)).toBe('declined')
    expect(groupCallOutcome(ended({ participants: [ALICE] }), ALICE)).toBe('unanswered')
  })

  it('is written once per call, after the group\'s newest message, unread only when missed, with its length and who took part', async () => {
    await log.record(ended(), CAROL)
    await log.record(ended({ endedAt: T0 + 999_000 }), CAROL)
    const rows = await groupMessages(db, GROUP)
    expect(rows).toEqual([{
      id: callEntryId(ended()), contactId: 0, groupId: GROUP, lamport: 8, direction: 'in', fromPeerId: ALICE, kind: 'call', body: '',
      sentAt: T0, receivedAt: T0, state: 'delivered', call: { video: true, outcome: 'missed', callId: 'c'.repeat(32), participants: [ALICE, BOB] }
    }])
    expect((await db.groups.get(GROUP))?.lamport).toBe(8)

    await log.record(ended({ callId: 'd'.repeat(32) }), BOB)
    const answered = (await groupMessages(db, GROUP)).at(-1)
    expect(answered).toMatchObject({ lamport: 9, state: 'read', readAt: T0 + 125_000, call: { outcome: 'answered', durationMs: 125_000 } })
  })

  it('disappears with the group\'s timer; the same call has the same id on every device, another call another', async () => {
    await db.groups.update(GROUP, { timer: { ttl: 3_600, by: ALICE, at: T0 } })
    await log.record(ended(), ALICE)
    expect((await groupMessages(db, GROUP))[0]).toMatchObject({ direction: 'out', ttl: 3_600, expiresAt: T0 + 125_000 + 3_600_000 })
    expect(callEntryId(ended())).toBe(callEntryId(ended({ endedAt: 1 })))
    expect(callEntryId(ended())).not.toBe(callEntryId(ended({ callId: 'e'.repeat(32) })))
    expect(callEntryId(ended())).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/)
  })
})
