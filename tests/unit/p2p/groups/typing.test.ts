/**
 * Typing in groups, sent (src/lib/p2p/groups/typing.ts over kernel/typing.ts): one signed typing
 * frame to each member connected now, at most one "typing" per
 * TYPING_REPEAT_MS per group, nothing while typing indicators are off or when
 * we are not a member.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { GroupLog } from '@parley/protocol/group/log'
import { decodeGroupMessage } from '@parley/protocol/group/message'
import { signGroupOp } from '@parley/protocol/group/op'
import { TYPING_REPEAT_MS } from '../../../../src/lib/contract/methods/actions.ts'
import { ParleyDb } from '../../../../src/lib/db/db.ts'
import { setMessagingSettings } from '../../../../src/lib/db/settings.ts'
import { GroupAccounts } from '../../../../src/lib/p2p/groups/accounts.ts'
import { groupTyping } from '../../../../src/lib/p2p/groups/typing.ts'
import { fakeConnection, testLogger } from '../../../support/fake-components.ts'
import type { GroupRow } from '../../../../src/lib/db/types.ts'
import type { GroupTypingComponents } from '../../../../src/lib/p2p/groups/typing.ts'
import type { TypingSignals } from '../../../../src/lib/p2p/kernel/typing.ts'
import type { Connection, Ed25519PrivateKey, PeerId } from '@libp2p/interface'
import type { GroupRequest } from '@parley/protocol/group/wire'

let db: ParleyDb | undefined
afterEach(() => {
  db?.close()
  vi.useRealTimers()
})

async function person (): Promise<{ key: Ed25519PrivateKey, id: PeerId, peer: string }> {
  const key = await generateKeyPair('Ed25519')
  const id = peerIdFromPrivateKey(key)
  return { key, id, peer: id.toString() }
}

async function setup (state: GroupRow['state'] = 'member'): Promise<{ sender: TypingSignals<string>, sent: Array<{ to: string, request: GroupRequest }>, db: ParleyDb, groupId: string }> {
  const [me, bob, carol] = await Promise.all([person(), person(), person()])
  const create = signGroupOp({ kind: 'create', name: 'Three', members: [{ peer: me.peer, name: 'Me' }, { peer: bob.peer, name: 'Bob' }, { peer: carol.peer, name: 'Carol' }] }, { author: me.peer, lamport: 1, deps: [], at: Date.now() }, me.key.raw.subarray(0, 32))
  const log = new GroupLog(create)
  const groupId = log.state().id
  const made = new ParleyDb('parley', { indexedDB: new IDBFactory(), IDBKeyRange })
  db = made
  await made.groups.put({ id: groupId, name: 'Three', picture: '', state, members: [], lamport: 0, heads: log.heads(), createdAt: 1, updatedAt: 1 })
  const sent: Array<{ to: string, request: GroupRequest }> = []
  // Bob is connected, Carol is not
  const connections: Connection[] = [fakeConnection({ remotePeer: bob.id })]
  const components: GroupTypingComponents = {
    db: made,
    logger: testLogger(),
    identity: { privateKey: () => me.key },
    groupBook: { me: () => me.peer, log: async () => log, accounts: new GroupAccounts({ contactBook: { byPeerId: async () => undefined }, libp2p: { peerId: me.id }, devices: { account: me.peer, ownList: () => undefined } }) },
    libp2p: {
      getConnections: (peer?: PeerId) => connections.filter(c => peer === undefined || c.remotePeer.equals(peer)),
      services: { group: { send: async (connection: Connection, request: GroupRequest) => { sent.push({ to: connection.remotePeer.toString(), request }); return { type: 'reply', status: 'ok' } as const } } }
    } as unknown as GroupTypingComponents['libp2p']
  }
  return { sender: groupTyping(components), sent, db: made, groupId }
}

describe('groupTyping', () => {
  it('tells each connected member once per TYPING_REPEAT_MS, signed, and "stopped" once', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const { sender, sent, groupId } = await setup()
    await sender.set(groupId, true)
    await sender.set(groupId, true)
    expect(sent).toHaveLength(1)
    const message = sent[0]?.request.type === 'message' ? decodeGroupMessage(sent[0].request.message) : undefined
    expect(message?.frame).toMatchObject({ type: 'typing', typing: true })
    expect(message?.group).toBe(groupId)
    vi.advanceTimersByTime(TYPING_REPEAT_MS)
    await sender.set(groupId, true)
    expect(sent).toHaveLength(2)
    await sender.set(groupId, false)
    await sender.set(groupId, false)
    expect(sent.map(s => s.request.type === 'message' ? decodeGroupMessage(s.request.message).frame : undefined)).toMatchObject([{ typing: true }, { typing: true }, { typing: false }])
  })

  it('a message sent to the group ends the typing: no "stopped" after it, and typing again is told at once', async () => {
    const { sender, sent, groupId } = await setup()
    await sender.set(groupId, true)
    sender.messageSent(groupId)
    await sender.set(groupId, false)
    await sender.set(groupId, true)
    expect(sent.map(s => s.request.type === 'message' ? decodeGroupMessage(s.request.message).frame : undefined)).toMatchObject([{ typing: true }, { typing: true }])
  })

  it('sends nothing with typing indicators off, nor in a group we are not a member of', async () => {
    const off = await setup()
    await setMessagingSettings(off.db, { readReceipts: true, typing: false })
    await off.sender.set(off.groupId, true)
    expect(off.sent).toEqual([])
    off.db.close()
    const invited = await setup('invited')
    await invited.sender.set(invited.groupId, true)
    expect(invited.sent).toEqual([])
  })
})
