import { lpStream } from '@libp2p/utils'
import { describe, expect, it, vi } from 'vitest'
import { decodeChatFrame, encodeChatFrame } from '@parley/protocol/chat/codec'
import { CHAT_PROTOCOL_V1_0, CHAT_PROTOCOLS, MAX_MESSAGES_PER_STREAM, MAX_READ_BUFFER_BYTES, MAX_TEXT_BYTES } from '@parley/protocol/chat/constants'
import { HANDLE_OPTIONS, connect, createNode, msg, rawStream } from './chat-pair.ts'
import type { DeliveryResult } from '../../../../src/lib/p2p/kernel/ports/messaging.ts'
import type { ChatMessageFrame } from '@parley/protocol/chat/codec'
import type { Stream } from '@libp2p/interface'

describe('ChatService with a listener that speaks only /parley/chat/1.0.0', () => {
  it('sends what 1.0.0 has of a message, and reports an action unsupported without sending it', async () => {
    const alice = await createNode()
    const bob = await createNode()
    const link = connect(alice, bob, CHAT_PROTOCOL_V1_0)
    const results = await alice.service.deliver(link.connection, [
      { ...msg('an answer'), replyTo: '01HZX3J5Q8W2N6R4T7V9B1C3D5', ttl: 300 },
      { type: 'reaction', id: '01HZX3J5Q8W2N6R4T7V9B1C3E9', sentAt: 1717000000000, target: '01HZX3J5Q8W2N6R4T7V9B1C3D5', emoji: '👍' }
    ])
    expect(results.map(r => r.outcome)).toEqual(['delivered', 'unsupported'])
    expect(bob.receive).toHaveBeenCalledTimes(1)
    const received = bob.receive.mock.calls[0]?.[1] as ChatMessageFrame
    expect(received.text).toBe('an answer')
    expect(received.replyTo).toBeUndefined()
    expect(received.ttl).toBeUndefined()
  })
})

describe('ChatService', () => {
  it('registers and unregisters the chat protocol for limited connections', async () => {
    const bob = await createNode()
    for (const protocol of CHAT_PROTOCOLS) expect(bob.registrar.handle).toHaveBeenCalledWith(protocol, expect.any(Function), HANDLE_OPTIONS)
    await bob.service.stop()
    for (const protocol of CHAT_PROTOCOLS) expect(bob.registrar.unhandle).toHaveBeenCalledWith(protocol)
  })

  it('delivers messages in order over one stream and reports each ack', async () => {
    const [alice, bob] = await Promise.all([createNode(), createNode()])
    const link = connect(alice, bob)
    const messages = [msg('one'), msg('two'), msg('три 🎉')]
    const seen: DeliveryResult[] = []
    const results = await alice.service.deliver(link.connection, messages, { onResult: r => { seen.push(r) } })

    const expected = messages.map(m => ({ id: m.id, outcome: 'delivered', status: 'stored' }))
    expect(results).toEqual(expected)
    expect(seen).toEqual(expected)
    expect(link.newStream).toHaveBeenCalledTimes(1)
    expect(link.newStream).toHaveBeenCalledWith([...CHAT_PROTOCOLS], expect.objectContaining({ runOnLimitedConnection: true, signal: expect.any(AbortSignal) }))
    expect(bob.receive.mock.calls.map(([from, message]) => [from.toString(), message])).toEqual(messages.map(m => [alice.peerId.toString(), m]))
    await Promise.all(link.handled)
    await expect.poll(() => [link.outbound[0]?.status, link.inbound[0]?.status]).toEqual(['closed', 'closed'])
    expect(bob.errors).toEqual([])
  })

  describe('keeping the outbound stream open between batches (keepStreamsOpenMs)', () => {
    it('reuses one stream for later batches on the same connection, then closes it when idle', async () => {
      const [alice, bob] = await Promise.all([createNode({ keepStreamsOpenMs: 50 }), createNode()])
      const link = connect(alice, bob)
      // connection ids key the kept streams
      Object.assign(link.connection, { id: 'conn-1' })
      await alice.service.deliver(link.connection, [msg('first')])
      await alice.service.deliver(link.connection, [msg('second'), msg('third')])
      expect(link.newStream).toHaveBeenCalledTimes(1)
      expect(bob.receive.mock.calls.map(([, m]) => (m as ChatMessageFrame).text)).toEqual(['first', 'second', 'third'])
      // idle for longer than keepStreamsOpenMs: the dialer closes it, the listener ends cleanly
      await Promise.all(link.handled)
      await expect.poll(() => [link.outbound[0]?.status, link.inbound[0]?.status]).toEqual(['closed', 'closed'])
      expect(bob.errors).toEqual([])
    })

    it('opens a new stream when the kept one was reset, and delivers', async () => {
      const [alice, bob] = await Promise.all([createNode({ keepStreamsOpenMs: 10_000 }), createNode()])
      const link = connect(alice, bob)
      Object.assign(link.connection, { id: 'conn-2' })
      await alice.service.deliver(link.connection, [msg('before')])
      link.inbound[0]?.abort(new Error('the remote went away'))
      await expect.poll(() => link.outbound[0]?.status).not.toBe('open')
      const results = await alice.service.deliver(link.connection, [msg('after')])
      expect(results.map(r => r.outcome)).toEqual(['delivered'])
      expect(link.newStream).toHaveBeenCalledTimes(2)
      await alice.service.stop()
      await expect.poll(() => link.outbound[1]?.status).toBe('closed')
    })

    it('never shares a kept stream between two deliveries at once', async () => {
      const [alice, bob] = await Promise.all([createNode({ keepStreamsOpenMs: 10_000 }), createNode()])
      const link = connect(alice, bob)
      Object.assign(link.connection, { id: 'conn-3' })
      const [a, b] = await Promise.all([
        alice.service.deliver(link.connection, [msg('a1'), msg('a2')]),
        alice.service.deliver(link.connection, [msg('b1'), msg('b2')])
      ])
      expect([...a, ...b].every(r => r.outcome === 'delivered')).toBe(true)
      expect(link.newStream).toHaveBeenCalledTimes(2)
      await alice.service.stop()
    })
  })

  it('keeps signals (typing) on a stream of their own: a message never waits behind one, nor opens a stream for want of the kept one', async () => {
    const answered = Promise.withResolvers<void>()
    const [alice, bob] = await Promise.all([createNode({ keepStreamsOpenMs: 10_000 }), createNode({}, async (_from, frame) => {
      // Bob answers a typing signal only when the test says so
      if (frame.type === 'typing') await answered.promise
      return 'stored'
    })])
    const link = connect(alice, bob)
    Object.assign(link.connection, { id: 'conn-lanes' })
    await alice.service.deliver(link.connection, [msg('first')])
    const typing = alice.service.deliver(link.connection, [{ type: 'typing', id: msg('').id, typing: true }], { lane: 'signals' })
    await expect.poll(() => bob.receive.mock.calls.length).toBe(2)
    // the signal opened a stream of its own
    expect(link.newStream).toHaveBeenCalledTimes(2)
    // it is still unanswered: the message goes on the messages' kept stream all the same, opening none
    const results = await alice.service.deliver(link.connection, [msg('second')])
    expect(results.map(r => r.outcome)).toEqual(['delivered'])
    expect(link.newStream).toHaveBeenCalledTimes(2)
    answered.resolve()
    expect((await typing).map(r => r.outcome)).toEqual(['delivered'])
    // the next signal takes the signals' kept stream again
    await alice.service.deliver(link.connection, [{ type: 'typing', id: msg('').id, typing: false }], { lane: 'signals' })
    expect(link.newStream).toHaveBeenCalledTimes(2)
    expect(bob.receive.mock.calls.map(([, f]) => f.type === 'message' ? f.text : `typing ${String(f.type === 'typing' && f.typing)}`))
      .toEqual(['first', 'typing true', 'second', 'typing false'])
    expect(bob.errors).toEqual([])
  })

  describe('opening the stream ahead of the first message (prepare)', () => {
    it('opens one stream that the next deliveries use', async () => {
      const [alice, bob] = await Promise.all([createNode({ keepStreamsOpenMs: 10_000 }), createNode()])
      const link = connect(alice, bob)
      Object.assign(link.connection, { id: 'conn-4' })
      await alice.service.prepare(link.connection)
      await alice.service.prepare(link.connection)
      expect(link.newStream).toHaveBeenCalledTimes(1)
      await alice.service.deliver(link.connection, [msg('first')])
      await alice.service.deliver(link.connection, [msg('second')])
      expect(link.newStream).toHaveBeenCalledTimes(1)
      expect(bob.receive.mock.calls.map(([, m]) => (m as ChatMessageFrame).text)).toEqual(['first', 'second'])
      await alice.service.stop()
      await expect.poll(() => link.outbound[0]?.status).toBe('closed')
      expect(bob.errors).toEqual([])
    })

    it('makes a delivery that starts while the stream opens wait for it instead of opening another', async () => {
      const [alice, bob] = await Promise.all([createNode({ keepStreamsOpenMs: 10_000 }), createNode()])
      const link = connect(alice, bob)
      Object.assign(link.connection, { id: 'conn-5' })
      const [, results] = await Promise.all([alice.service.prepare(link.connection), alice.service.deliver(link.connection, [msg('at once')])])
      expect(results.map(r => r.outcome)).toEqual(['delivered'])
      expect(link.newStream).toHaveBeenCalledTimes(1)
      await alice.service.stop()
    })

    it('does nothing when streams are not kept, and never throws when the stream cannot be opened', async () => {
      const [alice, bob] = await Promise.all([createNode(), createNode()])
      const link = connect(alice, bob)
      Object.assign(link.connection, { id: 'conn-6' })
      await alice.service.prepare(link.connection)
      expect(link.newStream).not.toHaveBeenCalled()

      const carol = await createNode({ keepStreamsOpenMs: 10_000 })
      const broken = connect(carol, bob)
      Object.assign(broken.connection, { id: 'conn-7' })
      broken.newStream.mockRejectedValueOnce(new Error('no data channel'))
      await expect(carol.service.prepare(broken.connection)).resolves.toBeUndefined()
      // the next delivery opens its own
      const results = await carol.service.deliver(broken.connection, [msg('still')])
      expect(results.map(r => r.outcome)).toEqual(['delivered'])
      expect(broken.newStream).toHaveBeenCalledTimes(2)
      await carol.service.stop()
    })
  })

  it('acks a message received twice as duplicate', async () => {
    const [alice, bob] = await Promise.all([createNode(), createNode()])
    const link = connect(alice, bob)
    const m = msg('again')
    await alice.service.deliver(link.connection, [m])
    const results = await alice.service.deliver(link.connection, [m, m])
    expect(results.map(r => r.status)).toEqual(['duplicate', 'duplicate'])
    expect(bob.receive).toHaveBeenCalledTimes(3)
    expect(link.newStream).toHaveBeenCalledTimes(2)
  })

  it('reports a reject from a peer that does not know us', async () => {
    const alice = await createNode()
    const bob = await createNode({}, async () => 'not-a-contact')
    const m = msg('hi stranger')
    const results = await alice.service.deliver(connect(alice, bob).connection, [m])
    expect(results).toEqual([{ id: m.id, outcome: 'rejected', reason: 'not-a-contact' }])
    expect(bob.receive).toHaveBeenCalledTimes(1)
  })

  describe('malformed input: the stream is aborted, nothing is stored, the node keeps serving', () => {
    const varint = (n: number): number[] => n < 0x80 ? [n] : [(n & 0x7f) | 0x80, ...varint(Math.floor(n / 128))]
    const frame = (body: Uint8Array): Uint8Array => Uint8Array.from([...varint(body.byteLength), ...body])
    const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

    it.each<[string, () => Uint8Array]>([
      ['random bytes', () => crypto.getRandomValues(new Uint8Array(64))],
      ['a valid length prefix followed by invalid JSON', () => frame(utf8('{"type":"message",'))],
      ['a length prefix above MAX_FRAME_BYTES', () => Uint8Array.from([...varint(131_073), 1, 2, 3])],
      ['a 4-byte length prefix', () => Uint8Array.of(0x80, 0x80, 0x80, 0x01)],
      ['a frame cut short by the end of the stream', () => frame(utf8(JSON.stringify(msg('x')))).subarray(0, 20)],
      ['an ack sent by the dialer', () => frame(encodeChatFrame({ type: 'ack', id: msg('x').id, status: 'stored' }))],
      ['a 16385-byte text', () => frame(utf8(JSON.stringify({ ...msg('x'), text: 'a'.repeat(MAX_TEXT_BYTES + 1) })))],
      ['a valid message followed by garbage', () => Uint8Array.from([...frame(encodeChatFrame(msg('ok'))), ...frame(utf8('nope'))])]
    ])('%s', async (_name, bytes) => {
      const [alice, bob] = await Promise.all([createNode(), createNode()])
      const raw = await rawStream(bob, alice.peerId)
      const input = bytes()
      raw.dialer.send(input)
      await raw.dialer.close()
      await raw.done

      expect(raw.abort).toHaveBeenCalledTimes(1)
      expect(raw.abort.mock.calls[0]?.[0]).toMatchObject({ name: 'InvalidMessageError', message: expect.stringMatching(/^Invalid chat frame: /) })
      expect(raw.inbound.status).toBe('aborted')
      await expect.poll(() => raw.dialer.status).toBe('reset')
      expect(bob.errors).toHaveLength(1)
      // only the valid frame before the garbage may have been stored
      expect(bob.receive).toHaveBeenCalledTimes(_name.startsWith('a valid message') ? 1 : 0)

      const m = msg('still here')
      await expect(alice.service.deliver(connect(alice, bob).connection, [m])).resolves.toEqual([{ id: m.id, outcome: 'delivered', status: 'stored' }])
    })

    it(`aborts a stream carrying more than ${MAX_MESSAGES_PER_STREAM} messages`, async () => {
      const [alice, bob] = await Promise.all([createNode(), createNode()])
      const raw = await rawStream(bob, alice.peerId)
      const frames = Array.from({ length: MAX_MESSAGES_PER_STREAM + 1 }, () => encodeChatFrame(msg('m')))
      await lpStream(raw.dialer).writeV(frames)
      await raw.done
      expect(bob.receive).toHaveBeenCalledTimes(MAX_MESSAGES_PER_STREAM)
      expect(raw.abort.mock.calls[0]?.[0]).toMatchObject({ name: 'InvalidMessageError', message: expect.stringContaining('more than 1000 messages') })
    })

    it('answers frames written before their answers (pipelined) in order, until more than MAX_READ_BUFFER_BYTES wait unread', async () => {
      // docs/protocols.md, Stream lifecycle 7
      let release: () => void = () => {}
      const held = new Promise<void>(resolve => { release = resolve })
      let first = true
      const bob = await createNode({}, async () => {
        if (first) { first = false; await held }
        return 'stored'
      })
      const alice = await createNode()

      const pipelined = await rawStream(bob, alice.peerId)
      const sent = [msg('one'), msg('two'), msg('three')]
      const dialer = lpStream(pipelined.dialer)
      await dialer.writeV(sent.map(m => encodeChatFrame(m)))
      release()
      const answers = []
      for (let i = 0; i < sent.length; i++) answers.push(decodeChatFrame((await dialer.read()).subarray(), 'listener'))
      expect(answers).toEqual(sent.map(m => ({ type: 'ack', id: m.id, status: 'stored' })))
      await pipelined.dialer.close()
      await pipelined.done
      expect(pipelined.abort).not.toHaveBeenCalled()

      // while the listener is busy with the first, more than two frames' worth waits unread: aborted
      let releaseAgain: () => void = () => {}
      first = true
      const heldAgain = new Promise<void>(resolve => { releaseAgain = resolve })
      bob.receive.mockImplementation(async () => {
        if (first) { first = false; await heldAgain }
        return 'stored'
      })
      const flooded = await rawStream(bob, alice.peerId)
      const big = (): ChatMessageFrame => msg('x'.repeat(MAX_TEXT_BYTES))
      const count = Math.ceil(MAX_READ_BUFFER_BYTES / MAX_TEXT_BYTES) + 2
      flooded.dialer.send(frame(encodeChatFrame(big())))
      await expect.poll(() => bob.receive.mock.calls.length).toBeGreaterThan(sent.length)
      for (let i = 0; i < count; i++) flooded.dialer.send(frame(encodeChatFrame(big())))
      await expect.poll(() => flooded.inbound.status).toBe('aborted')
      releaseAgain()
      await flooded.done
      expect(flooded.abort.mock.calls[0]?.[0]).toMatchObject({ name: 'StreamBufferError' })
      // only the one being stored when the flood came was stored
      expect(bob.receive).toHaveBeenCalledTimes(sent.length + 1)
    })

    it('aborts a reply for another message id on the dialer side', async () => {
      const alice = await createNode()
      const link = connect(alice, null)
      const delivery = alice.service.deliver(link.connection, [msg('a')])
      await expect.poll(() => link.inbound.length).toBe(1)
      const listener = lpStream(link.inbound[0] as Stream)
      decodeChatFrame((await listener.read()).subarray(), 'dialer')
      await listener.write(encodeChatFrame({ type: 'ack', id: msg('other').id, status: 'stored' }))
      await expect(delivery).rejects.toMatchObject({ name: 'InvalidMessageError', message: expect.stringContaining('while waiting for') })
      expect(link.outbound[0]?.status).toBe('aborted')
    })
  })

  describe('timeouts and shutdown', () => {
    it('rejects with a TimeoutError when no ack arrives in time', async () => {
      const alice = await createNode({ ackTimeoutMs: 50 })
      const link = connect(alice, null) // nobody answers
      const onResult = vi.fn()
      const m = msg('anyone?')
      await expect(alice.service.deliver(link.connection, [m], { onResult })).rejects.toMatchObject({
        name: 'TimeoutError', message: `No ack for message ${m.id} within 50 ms`
      })
      expect(onResult).not.toHaveBeenCalled()
      expect(link.outbound[0]?.status).toBe('aborted')
      expect(alice.errors).toHaveLength(1)
    })

    it('aborts an idle inbound stream after the read timeout', async () => {
      const [alice, bob] = await Promise.all([createNode(), createNode({ readTimeoutMs: 50 })])
      const raw = await rawStream(bob, alice.peerId)
      await raw.done
      expect(raw.abort.mock.calls[0]?.[0]).toMatchObject({ name: 'TimeoutError' })
    })

    it('stop() aborts in-flight inbound handling', async () => {
      const alice = await createNode()
      const bob = await createNode({}, async (_from, _m, { signal }) => new Promise((_resolve, reject) => {
        signal?.addEventListener('abort', () => { reject(signal.reason) })
      }))
      const link = connect(alice, bob)
      const delivery = alice.service.deliver(link.connection, [msg('slow')])
      await expect.poll(() => bob.receive.mock.calls.length).toBe(1)
      await bob.service.stop()
      await Promise.all(link.handled)
      expect(link.inbound[0]?.status).toBe('aborted')
      await expect(delivery).rejects.toMatchObject({ name: 'StreamResetError' })
    })
  })

  describe('sender-side checks', () => {
    it('delivers up to a too-long text, then throws MessageTooLargeError', async () => {
      const [alice, bob] = await Promise.all([createNode(), createNode()])
      const link = connect(alice, bob)
      const ok = msg('fine')
      const onResult = vi.fn()
      await expect(alice.service.deliver(link.connection, [ok, msg('a'.repeat(MAX_TEXT_BYTES + 1))], { onResult }))
        .rejects.toMatchObject({ name: 'MessageTooLargeError' })
      expect(onResult).toHaveBeenCalledWith({ id: ok.id, outcome: 'delivered', status: 'stored' })
      expect(bob.receive).toHaveBeenCalledTimes(1)
      expect(link.outbound[0]?.status).toBe('aborted')
    })

    it('opens no stream for an empty batch and refuses an oversized one', async () => {
      const alice = await createNode()
      const link = connect(alice, null)
      await expect(alice.service.deliver(link.connection, [])).resolves.toEqual([])
      const many = Array.from({ length: MAX_MESSAGES_PER_STREAM + 1 }, () => msg('m'))
      await expect(alice.service.deliver(link.connection, many)).rejects.toMatchObject({ name: 'InvalidParametersError' })
      expect(link.newStream).not.toHaveBeenCalled()
    })
  })
})
