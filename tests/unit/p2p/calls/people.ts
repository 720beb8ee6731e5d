/**
 * Callers and callees for the calls desk's unit tests: each a Calls of its
 * own, wired in memory to the others (a frame one sends is the other's
 * `receive`), with what it heard, sent and kept in its chat.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { TypedEventEmitter } from 'main-event'
import { afterEach, expect, vi } from 'vitest'
import { callOutcome } from '../../../../src/lib/p2p/calls/call-log.ts'
import { Calls } from '../../../../src/lib/p2p/calls/calls.ts'
import { fakeConnection, testLogger } from '../../../support/fake-components.ts'
import type { CallEvent, CallSignalEvent } from '../../../../src/lib/contract/call-types.ts'
import type { CallOutcome, ContactId, ContactRow } from '../../../../src/lib/db/types.ts'
import type { ParleyEvents } from '../../../../src/lib/p2p/kernel/events.ts'
import type { CallCandidate, CallReply, CallRequest } from '@parley/protocol/call/wire'
import type { Connection, PeerId } from '@libp2p/interface'

export const OFFER = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=offer\r\n'
export const ANSWER = 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\ns=answer\r\n'
export const candidate = (n: number): CallCandidate => ({ candidate: `candidate:${n} 1 udp 1 127.0.0.1 ${9000 + n} typ host`, sdpMid: '0', sdpMLineIndex: 0 })

export interface Person {
  name: string
  id: PeerId
  calls: Calls
  events: CallEvent[]
  signals: CallSignalEvent[]
  frames: CallRequest[]
  /** how each ended call reads in their chat (call-log.ts callOutcome), in order */
  records: CallOutcome[]
  /** their contacts, by PeerID */
  contacts: Map<string, ContactRow>
  reachable: boolean
  /** dials to them so far; while `dialing` is set, a dial to them waits for it (then reachable or not) */
  dials: number
  dialing?: Promise<void>
  /** how many of their next frames fail: the connection closes under them ('closed'), or only the exchange fails ('open') */
  failing: { count: number, connection: 'closed' | 'open' }
  /** the open connections libp2p lists to anyone (getConnections), and those whose frames never get a reply */
  paths: Connection[]
  hangs: Set<Connection>
  /** what the served config set (a test's ring time): the desk reads it when a call starts ringing */
  served: { testRingTimeoutMs?: number }
}

const everyone = new Map<string, Person>()
afterEach(() => {
  // a call still under way ends, and its peer (gone with the test) is not told
  for (const p of everyone.values()) p.reachable = false
  for (const p of everyone.values()) p.calls.stop()
  everyone.clear()
  vi.useRealTimers()
})

export async function person (name: string, ringTimeoutMs?: number): Promise<Person> {
  const id = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  const events = new TypedEventEmitter<ParleyEvents>()
  const contacts = new Map<string, ContactRow>()
  const self: Person = { name, id, events: [], signals: [], frames: [], records: [], contacts, reachable: true, dials: 0, failing: { count: 0, connection: 'open' }, paths: [], hangs: new Set(), served: {}, calls: undefined as unknown as Calls }
  events.addEventListener('call', (e) => { self.events.push(e.detail) })
  events.addEventListener('callSignal', (e) => { self.signals.push(e.detail) })
  self.calls = new Calls({
    logger: testLogger(),
    events,
    contactBook: {
      byId: async (contactId: ContactId) => [...contacts.values()].find(c => c.id === contactId),
      byPeerId: async (peer: string) => contacts.get(peer)
    },
    dialer: {
      connect: async ({ peerId }) => {
        const dialled = everyone.get(peerId)
        if (dialled !== undefined) {
          dialled.dials++
          await dialled.dialing
        }
        const to = everyone.get(peerId)
        if (to === undefined || !to.reachable) throw new Error(`${peerId} is unreachable`)
        return fakeConnection({ remotePeer: to.id })
      }
    },
    callLog: { record: async (call) => { self.records.push(callOutcome(call)) } },
    served: self.served,
    libp2p: {
      getConnections: () => self.paths,
      services: {
        call: {
          send: async (connection, request): Promise<CallReply> => {
            self.frames.push(request)
            if (self.hangs.has(connection)) return new Promise<CallReply>(() => {})
            if (self.failing.count > 0) {
              self.failing.count--
              if (self.failing.connection === 'closed') await connection.close()
              throw new Error('the stream was reset')
            }
            const to = everyone.get(connection.remotePeer.toString())
            if (to === undefined) throw new Error('nobody there')
            return to.calls.receive(id, request, {})
          }
        }
      }
    }
  }, ringTimeoutMs === undefined ? {} : { ringTimeoutMs })
  everyone.set(id.toString(), self)
  return self
}

/** Makes `a` and `b` accepted contacts of each other; returns a's contact id for b. */
export function friends (a: Person, b: Person): ContactId {
  const row = (p: Person, contactId: number): ContactRow => ({ id: contactId as ContactId, peerId: p.id.toString(), username: p.name, addresses: [], notes: '', blocked: false, status: 'offline', state: 'accepted', verified: false, addedAt: 1, updatedAt: 1 })
  a.contacts.set(b.id.toString(), row(b, a.contacts.size + 1))
  b.contacts.set(a.id.toString(), row(a, b.contacts.size + 1))
  return a.contacts.size as ContactId
}

/** Alice calls Bob (`toBob`) and he answers: resolves the call's id once both hold it active. */
export async function answered (alice: Person, bob: Person, toBob: ContactId, video = false): Promise<string> {
  const callId = await alice.calls.place(toBob, video, OFFER)
  await vi.waitFor(() => { expect(bob.calls.current()?.phase).toBe('ringing') })
  bob.calls.answer(callId, ANSWER)
  await vi.waitFor(() => { expect(alice.calls.current()?.phase).toBe('active') })
  return callId
}

export const phases = (p: Person): string[] => p.events.map(e => e.phase === 'ended' ? `ended:${e.reason ?? ''}:${e.endedBy ?? ''}` : e.phase)

