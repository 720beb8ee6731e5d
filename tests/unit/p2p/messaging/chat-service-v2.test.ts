/**
 * ChatService with sessions (chat 2.0.0): boxes from ChatBoxes on the
 * dialer side, handed to ChatBoxes on the listener side, their answers
 * settled; and the fall-back to plain 1.1.0 frames.
 */
import { InvalidMessageError } from '@libp2p/interface'
import { lpStream, streamPair } from '@libp2p/utils'
import { describe, expect, it, vi } from 'vitest'
import { decodeChatFrame, encodeChatFrame } from '@parley/protocol/chat/codec'
import { CHAT_PROTOCOL, CHAT_PROTOCOL_V1_0, CHAT_PROTOCOL_V1_1, CHAT_PROTOCOL_V2_0, CHAT_PROTOCOLS_WITH_SESSIONS } from '@parley/protocol/chat/constants'
import { connect, createNode, msg, stubConnection } from './chat-pair.ts'
import type { ChatBoxes } from '../../../../src/lib/p2p/kernel/ports/messaging.ts'
import type { SessionPinsPort } from '../../../../src/lib/p2p/kernel/ports/sessions.ts'
import type { ChatDialerFrame } from '@parley/protocol/chat/codec'

const MARK = 0x02

/** Boxes that are the 1.1.0 frame behind one byte; a frame whose text is "lost" does not open. */
function fakeBoxes (): ChatBoxes & { seal: ReturnType<typeof vi.fn<ChatBoxes['seal']>>, settled: ReturnType<typeof vi.fn<ChatBoxes['settled']>>, receive: ReturnType<typeof vi.fn<ChatBoxes['receive']>> } {
  return {
    seal: vi.fn<ChatBoxes['seal']>(async (_to, frame) => Uint8Array.of(MARK, ...encodeChatFrame(frame))),
    settled: vi.fn<ChatBoxes['settled']>(async () => {}),
    receive: vi.fn<ChatBoxes['receive']>(async (_from, box) => {
      if (box[0] !== MARK) throw new InvalidMessageError('Invalid chat box: not a box')
      const frame = decodeChatFrame(box.subarray(1), 'dialer') as ChatDialerFrame
      if (frame.type === 'message' && frame.text === 'lost') return { type: 'reject', id: frame.id, reason: 'session' }
      return { type: 'ack', id: frame.id, status: 'stored' }
    })
  }
}

describe('ChatService with sessions (chat 2.0.0)', () => {
  it('speaks 2.0.0 first: registers it and proposes it before 1.1.0 and 1.0.0', async () => {
    const alice = await createNode({ boxes: fakeBoxes() })
    for (const protocol of CHAT_PROTOCOLS_WITH_SESSIONS) expect(alice.registrar.handle).toHaveBeenCalledWith(protocol, expect.any(Function), expect.anything())
    const link = connect(alice, null, CHAT_PROTOCOL_V2_0)
    link.newStream.mockRejectedValueOnce(new Error('no listener'))
    await expect(alice.service.deliver(link.connection, [msg('hi')])).rejects.toThrow('no listener')
    expect(link.newStream).toHaveBeenCalledWith([...CHAT_PROTOCOLS_WITH_SESSIONS], expect.anything())
  })

  it('sends each frame in a box, the listener\'s boxes open and store it; each answer is settled, a "session" refusal too', async () => {
    const aliceBoxes = fakeBoxes()
    const bobBoxes = fakeBoxes()
    const alice = await createNode({ boxes: aliceBoxes })
    const bob = await createNode({ boxes: bobBoxes })
    const link = connect(alice, bob, CHAT_PROTOCOL_V2_0)
    const frames = [msg('one'), msg('lost'), msg('two')]
    const results = await alice.service.deliver(link.connection, frames)
    expect(results.map(r => `${r.outcome}:${r.status ?? r.reason ?? ''}`)).toEqual(['delivered:stored', 'rejected:session', 'delivered:stored'])
    expect(aliceBoxes.seal.mock.calls.map(c => c[1].id)).toEqual(frames.map(f => f.id))
    expect(bobBoxes.receive).toHaveBeenCalledTimes(3)
    // the inbox is the boxes' business in 2.0.0: the service never hands it a frame
    expect(bob.receive).not.toHaveBeenCalled()
    expect(aliceBoxes.settled.mock.calls.map(c => [c[1], c[2].type])).toEqual(frames.map((f, i) => [f.id, i === 1 ? 'reject' : 'ack']))
  })

  it('a malformed box resets that stream only; the next one is taken', async () => {
    const bobBoxes = fakeBoxes()
    const bob = await createNode({ boxes: bobBoxes })
    const alice = await createNode()
    const [dialer, inbound] = await streamPair({ protocol: CHAT_PROTOCOL_V2_0 })
    inbound.protocol = CHAT_PROTOCOL_V2_0
    const abort = vi.spyOn(inbound, 'abort')
    const done = Promise.resolve(bob.handler(inbound, stubConnection(alice.peerId)))
    await lpStream(dialer).write(Uint8Array.of(9, 9, 9))
    await done
    expect(abort).toHaveBeenCalled()
    expect(bob.errors.length).toBeGreaterThan(0)
    const boxed = await createNode({ boxes: fakeBoxes() })
    const results = await boxed.service.deliver(connect(boxed, bob, CHAT_PROTOCOL_V2_0).connection, [msg('after')])
    expect(results.map(r => r.outcome)).toEqual(['delivered'])
  })

  it('with a listener that has no sessions (1.1.0 negotiated), sends plain frames and seals nothing', async () => {
    const aliceBoxes = fakeBoxes()
    const alice = await createNode({ boxes: aliceBoxes })
    const bob = await createNode()
    const results = await alice.service.deliver(connect(alice, bob, CHAT_PROTOCOL).connection, [msg('plain')])
    expect(results.map(r => r.outcome)).toEqual(['delivered'])
    expect(aliceBoxes.seal).not.toHaveBeenCalled()
    expect(aliceBoxes.settled).not.toHaveBeenCalled()
    expect((bob.receive.mock.calls[0]?.[1] as { text?: string }).text).toBe('plain')
  })
})

describe('ChatService with a peer that speaks sessions (issue 57, item 1: no 1.x frames)', () => {
  /** Pins that hold `peers` to 2.0.0, counting what they refuse. */
  function pinsOf (peers: ReadonlySet<string>): { pinned: (peer: string) => Promise<boolean>, refused: ReturnType<typeof vi.fn<SessionPinsPort['refused']>> } {
    return { pinned: async (peer) => peers.has(peer), refused: vi.fn<SessionPinsPort['refused']>() }
  }

  it('the listener refuses a 1.1.0 or 1.0.0 stream from it (counted, nothing stored); another peer\'s is taken as before', async () => {
    for (const protocol of [CHAT_PROTOCOL_V1_1, CHAT_PROTOCOL_V1_0]) {
      const alice = await createNode()
      const carol = await createNode()
      const pins = pinsOf(new Set([alice.peerId.toString()]))
      const bob = await createNode({ boxes: fakeBoxes(), pins })
      await expect(alice.service.deliver(connect(alice, bob, protocol).connection, [msg('downgraded')])).rejects.toThrow()
      expect(bob.receive).not.toHaveBeenCalled()
      expect(pins.refused).toHaveBeenCalledWith('chat', alice.peerId.toString(), expect.stringContaining('stream from it'))
      expect((await carol.service.deliver(connect(carol, bob, protocol).connection, [msg('older app')])).map(r => r.outcome)).toEqual(['delivered'])
      expect(bob.receive).toHaveBeenCalledTimes(1)
    }
  })

  it('the dialer sends it nothing when 1.1.0 was negotiated: the delivery fails, no frame goes', async () => {
    const bob = await createNode()
    const aliceBoxes = fakeBoxes()
    const pins = pinsOf(new Set([bob.peerId.toString()]))
    const alice = await createNode({ boxes: aliceBoxes, pins })
    await expect(alice.service.deliver(connect(alice, bob, CHAT_PROTOCOL).connection, [msg('never plain')])).rejects.toThrow(/speaks sessions/)
    expect(bob.receive).not.toHaveBeenCalled()
    expect(aliceBoxes.seal).not.toHaveBeenCalled()
    expect(pins.refused).toHaveBeenCalledWith('chat', bob.peerId.toString(), expect.stringContaining('stream to it'))
  })
})
