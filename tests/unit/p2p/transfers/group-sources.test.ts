/**
 * Where a group's file is pulled from (src/lib/p2p/transfers/group-sources.ts):
 * the author when connected, else a connected member that has not just said it
 * lacks the file; with none connected, the author and a few members are
 * dialled in rounds that grow further apart.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { DECLINED_MS, GroupSources, REACH_FIRST_MS, REACH_MEMBERS } from '../../../../src/lib/p2p/transfers/group-sources.ts'
import { fakeConnection } from '../../../support/fake-components.ts'
import type { MessageId, TransferRow } from '../../../../src/lib/db/types.ts'
import type { Connection, PeerId } from '@libp2p/interface'

const FILE = '01HZX3J5Q8W2N6R4T7V9B1AAAA' as MessageId

async function peers (n: number): Promise<PeerId[]> {
  return Promise.all(Array.from({ length: n }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))))
}

function setup (members: PeerId[], maxFiles = 10): { sources: GroupSources, connections: Connection[], reached: string[], clock: { now: number } } {
  const connections: Connection[] = []
  const reached: string[] = []
  const clock = { now: 1_000_000 }
  const sources = new GroupSources({
    libp2p: () => ({ getConnections: (peer?: PeerId) => connections.filter(c => peer === undefined || c.remotePeer.equals(peer)) }),
    members: async () => members.map(String),
    reach: (peer) => { reached.push(peer) },
    maxFiles,
    now: () => clock.now,
    random: () => 0
  })
  return { sources, connections, reached, clock }
}

function row (author: PeerId, id = FILE): TransferRow & { groupId: string } {
  return { id, groupId: 'g', peer: author.toString() } as unknown as TransferRow & { groupId: string }
}

describe('GroupSources', () => {
  it('takes the author when connected, else a connected member', async () => {
    const [author, bob, carol] = await peers(3) as [PeerId, PeerId, PeerId]
    const { sources, connections } = setup([author, bob, carol])
    connections.push(fakeConnection({ remotePeer: carol }))
    expect((await sources.find(row(author)))?.peer).toBe(carol.toString())
    connections.push(fakeConnection({ remotePeer: author }))
    expect((await sources.find(row(author)))?.peer).toBe(author.toString())
  })

  it('does not ask a member that declined again until DECLINED_MS passed; never declines the author', async () => {
    const [author, bob, carol] = await peers(3) as [PeerId, PeerId, PeerId]
    const { sources, connections, clock } = setup([author, bob, carol])
    connections.push(fakeConnection({ remotePeer: bob }), fakeConnection({ remotePeer: carol }))
    expect((await sources.find(row(author)))?.peer).toBe(bob.toString())
    sources.declined(FILE, bob.toString())
    expect((await sources.find(row(author)))?.peer).toBe(carol.toString())
    sources.declined(FILE, carol.toString())
    expect(await sources.find(row(author))).toBeUndefined()
    clock.now += DECLINED_MS
    expect((await sources.find(row(author)))?.peer).toBe(bob.toString())
    // the author is asked whatever was said of it: its refusals end the pull (pulls.ts)
    sources.declined(FILE, author.toString())
    connections.push(fakeConnection({ remotePeer: author }))
    expect((await sources.find(row(author)))?.peer).toBe(author.toString())
  })

  it('with nobody connected dials the author and REACH_MEMBERS members, then waits longer after each round', async () => {
    const all = await peers(6)
    const author = all[0] as PeerId
    const { sources, reached, clock } = setup(all)
    expect(await sources.find(row(author))).toBeUndefined()
    expect(reached).toHaveLength(1 + REACH_MEMBERS)
    expect(reached[0]).toBe(author.toString())
    expect(new Set(reached).size).toBe(reached.length)
    // a connection change makes the pulls look again at once: no new dials before the round's pause
    expect(await sources.find(row(author))).toBeUndefined()
    expect(reached).toHaveLength(1 + REACH_MEMBERS)
    clock.now += REACH_FIRST_MS
    await sources.find(row(author))
    expect(reached).toHaveLength(2 * (1 + REACH_MEMBERS))
    // the next pause is twice as long
    clock.now += REACH_FIRST_MS
    await sources.find(row(author))
    expect(reached).toHaveLength(2 * (1 + REACH_MEMBERS))
    clock.now += REACH_FIRST_MS
    await sources.find(row(author))
    expect(reached).toHaveLength(3 * (1 + REACH_MEMBERS))
    // a file pulled is forgotten: the next one starts at the first pause
    sources.forget(FILE)
    await sources.find(row(author))
    expect(reached).toHaveLength(4 * (1 + REACH_MEMBERS))
  })

  it('keeps at most maxFiles files in mind (the oldest forgotten)', async () => {
    const [author, bob] = await peers(2) as [PeerId, PeerId]
    const { sources, connections } = setup([author, bob], 2)
    connections.push(fakeConnection({ remotePeer: bob }))
    const ids = ['01HZX3J5Q8W2N6R4T7V9B1AAA1', '01HZX3J5Q8W2N6R4T7V9B1AAA2', '01HZX3J5Q8W2N6R4T7V9B1AAA3'] as MessageId[]
    for (const id of ids) sources.declined(id, bob.toString())
    // the first file's decline was forgotten: bob is asked again; the later two still skip him
    expect((await sources.find(row(author, ids[0])))?.peer).toBe(bob.toString())
    expect(await sources.find(row(author, ids[2]))).toBeUndefined()
  })
})
