import { streamPair } from '@libp2p/utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { encodeFileFrame } from '@parley/protocol/file/codec'
import { FILE_PROTOCOL, FILE_PROTOCOL_KEYED, MAX_CHUNK_ATTEMPTS } from '@parley/protocol/file/constants'
import { FileTransferError, isFileTransferError } from '@parley/protocol/file/errors'
import { CHUNK, connect, createNode, flip, makeFile, offered, pullRequest, randomBytes, rawPeer, source, stopNodes, stubConnection } from '../../../support/file-pair.ts'
import type { FileFrame } from '@parley/protocol/file/codec'
import type { FileWireErrorCode } from '@parley/protocol/file/errors'
import type { PullRequest } from '../../../../src/lib/p2p/transfers/file-service.ts'
import type { TestFile } from '../../../support/file-pair.ts'
import type { Stream } from '@libp2p/interface'

afterEach(stopNodes)

describe('FileService', () => {
  it('registers and unregisters both file protocols for limited connections', async () => {
    const bob = await createNode()
    for (const protocol of [FILE_PROTOCOL, FILE_PROTOCOL_KEYED]) {
      expect(bob.registrar.handle).toHaveBeenCalledWith(protocol, expect.any(Function), { runOnLimitedConnection: true, maxInboundStreams: 8, maxOutboundStreams: 8 })
    }
    await bob.service.stop()
    expect(bob.registrar.unhandle).toHaveBeenCalledWith(FILE_PROTOCOL)
    expect(bob.registrar.unhandle).toHaveBeenCalledWith(FILE_PROTOCOL_KEYED)
  })

  it.each([
    ['0 bytes', 0],
    ['1 byte', 1],
    ['exactly 3 chunks', 3 * CHUNK],
    ['3 chunks and 1 byte', 3 * CHUNK + 1],
    ['1 MiB of random bytes', 1024 * 1024]
  ])('transfers a file of %s, verified, over one stream', async (_name, size) => {
    const { alice, bob, f, link } = await offered(size)
    const { request, stored } = pullRequest(f)
    await alice.service.pull(link.connection, request)

    expect(stored).toEqual(f.bytes)
    expect(bob.host.open).toHaveBeenCalledWith(alice.peerId, f.id, { version: '1.0.0', proof: f.sha256 }, expect.anything())
    expect(request.onHashes).toHaveBeenCalledWith(f.hashes)
    expect(request.verify).toHaveBeenCalledTimes(1)
    const [s] = bob.sources
    expect(s?.chunkCalls).toEqual(request.missing)
    expect(s?.hashCalls).toEqual(f.chunkCount === 0 ? [] : [[0, f.chunkCount]])
    expect(s?.done).toHaveBeenCalledTimes(1)
    expect(link.newStream).toHaveBeenCalledWith(FILE_PROTOCOL, expect.objectContaining({ runOnLimitedConnection: true }))
    await Promise.all(link.handled)
    expect(s?.close).toHaveBeenCalledTimes(1)
    await expect.poll(() => [link.outbound[0]?.status, link.inbound[0]?.status]).toEqual(['closed', 'closed'])
    expect([alice.errors, bob.errors]).toEqual([[], []])
  })

  it('resumes: asks only for the missing chunks, with the stored hash list', async () => {
    const { alice, bob, f, link } = await offered(6 * CHUNK - 5)
    const { request, stored } = pullRequest(f, { hashes: f.hashes, missing: [1, 3, 5] })
    stored.set(f.bytes.subarray(0, CHUNK))
    stored.set(f.bytes.subarray(2 * CHUNK, 3 * CHUNK), 2 * CHUNK)
    stored.set(f.bytes.subarray(4 * CHUNK, 5 * CHUNK), 4 * CHUNK)
    await alice.service.pull(link.connection, request)
    expect(bob.sources[0]?.chunkCalls).toEqual([1, 3, 5])
    expect(bob.sources[0]?.hashCalls).toEqual([])
    expect(request.onHashes).not.toHaveBeenCalled()
    expect(stored).toEqual(f.bytes)
  })

  it('refetches a chunk that fails its hash once, and stores the right bytes', async () => {
    const { alice, bob, f, link } = await offered(4 * CHUNK, {}, f => source(f, (index, attempt, data) => index === 2 && attempt === 1 ? flip(data) : data))
    const onRequest = vi.fn<(index: number) => void>()
    const { request, stored } = pullRequest(f, { onRequest })
    await alice.service.pull(link.connection, request)
    expect(bob.sources[0]?.chunkCalls).toEqual([0, 1, 2, 3, 2])
    expect(onRequest.mock.calls.map(([i]) => i)).toEqual([0, 1, 2, 3, 2])
    expect(vi.mocked(request.onChunk).mock.calls.map(([i]) => i)).toEqual([0, 1, 3, 2])
    expect(stored).toEqual(f.bytes)
  })

  it(`gives up with 'corrupt' when a chunk fails ${MAX_CHUNK_ATTEMPTS} times, without DONE`, async () => {
    const { alice, bob, f, link } = await offered(2 * CHUNK, {}, f => source(f, (index, _attempt, data) => index === 1 ? flip(data) : data))
    const { request } = pullRequest(f)
    await expect(alice.service.pull(link.connection, request)).rejects.toMatchObject({ name: 'FileTransferError', code: 'corrupt' })
    expect(bob.sources[0]?.chunkCalls.filter(i => i === 1)).toHaveLength(MAX_CHUNK_ATTEMPTS)
    expect(request.verify).not.toHaveBeenCalled()
    expect(bob.sources[0]?.done).not.toHaveBeenCalled()
    expect(link.outbound[0]?.status).toBe('aborted')
  })

  it("gives 'corrupt' from verify() without sending DONE", async () => {
    const { alice, bob, f, link } = await offered(CHUNK)
    const { request } = pullRequest(f, { verify: async () => { throw new FileTransferError('corrupt') } })
    await expect(alice.service.pull(link.connection, request)).rejects.toMatchObject({ code: 'corrupt' })
    await Promise.all(link.handled)
    expect(bob.sources[0]?.done).not.toHaveBeenCalled()
    expect(bob.sources[0]?.close).toHaveBeenCalled()
  })

  it.each<[string, (f: TestFile) => Partial<PullRequest>]>([
    ['the hash list does not match listHash', f => ({ listHash: f.sha256 })],
    ['READY announces another size', f => ({ size: f.bytes.byteLength - 1 })],
    ['READY announces another chunk size', () => ({ chunkSize: 2 * CHUNK, missing: [0, 1] })]
  ])("fails with 'mismatch' when %s", async (_name, change) => {
    const { alice, f, link } = await offered(3 * CHUNK)
    const { request } = pullRequest(f, change(f))
    await expect(alice.service.pull(link.connection, request)).rejects.toMatchObject({ name: 'FileTransferError', code: 'mismatch' })
    expect(request.onChunk).not.toHaveBeenCalled()
    expect(link.outbound[0]?.status).toBe('aborted')
  })

  it.each<FileWireErrorCode>(['unknown-transfer', 'cancelled', 'unavailable', 'needs-direct', 'busy'])(
    'passes a host refusal %s to the receiver as that code, and closes the stream', async (code) => {
      const { alice, bob, f, link } = await offered(CHUNK)
      bob.host.open.mockRejectedValueOnce(new FileTransferError(code, 'Not now.'))
      await expect(alice.service.pull(link.connection, pullRequest(f).request)).rejects.toMatchObject({ name: 'FileTransferError', code, reason: 'Not now.' })
      await Promise.all(link.handled)
      expect(link.inbound[0]?.status).not.toBe('aborted')
      expect(bob.errors).toEqual([])
    })

  it("passes a source's 'unavailable' in the middle of a transfer on as ERROR", async () => {
    const { alice, f, link } = await offered(5 * CHUNK, {}, f => source(f, (index, _attempt, data) => {
      if (index === 3) throw new FileTransferError('unavailable')
      return data
    }))
    const { request } = pullRequest(f)
    await expect(alice.service.pull(link.connection, request)).rejects.toMatchObject({ code: 'unavailable' })
    expect(vi.mocked(request.onChunk).mock.calls.map(([i]) => i)).toEqual([0, 1, 2])
  })

  it('sends CANCEL both ways; the listener tells its host and answers OK', async () => {
    const [alice, bob] = await Promise.all([createNode(), createNode()])
    const f = await makeFile(1)
    await alice.service.cancel(connect(alice, bob).connection, f.id, f.sha256)
    expect(bob.host.cancelled).toHaveBeenCalledWith(alice.peerId, f.id, { version: '1.0.0', proof: f.sha256 })
    // the other way, for a transfer bob's side never heard of: still OK
    await bob.service.cancel(connect(bob, alice).connection, f.id, f.sha256)
    expect(alice.host.cancelled).toHaveBeenCalledWith(bob.peerId, f.id, { version: '1.0.0', proof: f.sha256 })
    expect([alice.errors, bob.errors]).toEqual([[], []])
  })

  it('keeps at most `window` chunk requests outstanding, and stores one chunk at a time', async () => {
    const window = 3
    let stored = 0
    const beyondWindow: number[] = []
    const { alice, bob, f, link } = await offered(12 * CHUNK, {}, f => source(f, undefined, index => {
      // the sender sees a request only after the receiver wrote it
      if (index > stored + window) beyondWindow.push(index)
    }))
    // bytes that reached the receiver's stream, and those up to the reply to chunk k (READY, then 3 + 5 + CHUNK per CHUNK reply)
    let bytesIn = 0
    const arrived: Array<{ bytes: number, resolve: () => void }> = []
    const through = (k: number): number => 18 + (k + 1) * (8 + CHUNK)
    link.newStream.mockImplementationOnce(async () => {
      const [out, inb] = await streamPair({ protocol: FILE_PROTOCOL })
      out.addEventListener('message', (evt) => {
        bytesIn += evt.data.byteLength
        for (const waiter of arrived.filter(w => w.bytes <= bytesIn)) waiter.resolve()
      })
      link.handled.push(Promise.resolve(bob.handler(inb, stubConnection(alice.peerId))))
      return out
    })
    let requested = 0
    let received = 0
    let maxOutstanding = 0
    let storing = 0
    let maxStoring = 0
    const { request } = pullRequest(f, {
      window,
      hashes: f.hashes,
      onRequest: () => { requested++; maxOutstanding = Math.max(maxOutstanding, requested - received) },
      onChunk: async (index) => {
        received++
        maxStoring = Math.max(maxStoring, ++storing)
        // hold storage until every reply the window allows is in the receiver's buffer
        const bytes = through(Math.min(index + window, f.chunkCount - 1))
        if (bytesIn < bytes) await new Promise<void>(resolve => { arrived.push({ bytes, resolve }) })
        storing--
        stored++
      },
      verify: async () => {}
    })
    await alice.service.pull(link.connection, request)
    expect(maxOutstanding).toBe(window)
    expect(maxStoring).toBe(1)
    expect(beyondWindow).toEqual([])
    expect(stored).toBe(f.chunkCount)
  })

  it('sends DONE on a new stream when the sender dropped the stream during a long verification', async () => {
    const { alice, bob, f, link } = await offered(2 * CHUNK, { frameTimeoutMs: 100 })
    const { request } = pullRequest(f)
    const check = request.verify
    request.verify = async () => {
      await vi.waitFor(() => { expect(link.outbound[0]?.status).toBe('reset') }, { timeout: 5000 })
      await check()
    }
    await alice.service.pull(link.connection, request)
    expect(link.newStream).toHaveBeenCalledTimes(2)
    expect(bob.sources.map(s => s.done.mock.calls.length)).toEqual([0, 1])
    expect(bob.sources[1]?.chunkCalls).toEqual([])
  })

  describe('malformed requests: ERROR bad-request, the stream is aborted, the node keeps serving', () => {
    const varint = (n: number): number[] => n < 0x80 ? [n] : [(n & 0x7f) | 0x80, ...varint(Math.floor(n / 128))]
    const frame = (body: Uint8Array): Uint8Array => Uint8Array.from([...varint(body.byteLength), ...body])

    it.each<[string, (f: TestFile) => Uint8Array[]]>([
      ['random bytes', () => [randomBytes(64)]],
      ['a 4-byte length prefix', () => [Uint8Array.of(0x80, 0x80, 0x80, 0x01)]],
      ['a request longer than any valid one', () => [frame(new Uint8Array(60).fill(0x03))]],
      ['DONE as the first frame', () => [frame(Uint8Array.of(0x04))]],
      ['an unknown type first', () => [frame(Uint8Array.of(0x07))]],
      ['an unknown type after OPEN', f => [frame(encodeFileFrame({ type: 'open', id: f.id, sha256: f.sha256 })), frame(Uint8Array.of(0x07))]],
      ['a second OPEN', f => [frame(encodeFileFrame({ type: 'open', id: f.id, sha256: f.sha256 })), frame(encodeFileFrame({ type: 'open', id: f.id, sha256: f.sha256 }))]],
      ['a CHUNK request beyond the last chunk', f => [frame(encodeFileFrame({ type: 'open', id: f.id, sha256: f.sha256 })), frame(encodeFileFrame({ type: 'chunk-request', index: 2 }))]],
      ['a HASHES request beyond the last chunk', f => [frame(encodeFileFrame({ type: 'open', id: f.id, sha256: f.sha256 })), frame(encodeFileFrame({ type: 'hashes-request', from: 1, count: 2 }))]]
    ])('%s', async (_name, input) => {
      const { alice, bob, f } = await offered(2 * CHUNK)
      const [dialer, inbound] = await streamPair({ protocol: FILE_PROTOCOL })
      const abort = vi.spyOn(inbound, 'abort')
      const done = Promise.resolve(bob.handler(inbound, stubConnection(alice.peerId)))
      const peer = rawPeer(dialer)
      for (const bytes of input(f)) dialer.send(bytes)
      // READY first when the stream began with a valid OPEN; then the ERROR, written before the abort
      let reply = await peer.read()
      if (reply.type === 'ready') reply = await peer.read()
      expect(reply).toMatchObject({ type: 'error', code: 'bad-request', reason: expect.stringMatching(/^Invalid file frame: /) })
      await done
      expect(abort).toHaveBeenCalledTimes(1)
      expect(abort.mock.calls[0]?.[0]).toMatchObject({ name: 'InvalidMessageError', message: expect.stringMatching(/^Invalid file frame: /) })
      await expect.poll(() => dialer.status).toBe('reset')
      expect(bob.errors).toHaveLength(1)
      expect(bob.sources.every(s => s.close.mock.calls.length === 1)).toBe(true)

      const { request, stored } = pullRequest(f)
      await alice.service.pull(connect(alice, bob).connection, request)
      expect(stored).toEqual(f.bytes)
    })
  })

  /** Alice pulls a two-chunk file from a sender the test plays by hand, up to its request for chunk 0. */
  async function pullAwaitingFirstChunk (): Promise<{ f: TestFile, link: ReturnType<typeof connect>, pull: Promise<void>, sender: Stream, peer: ReturnType<typeof rawPeer> }> {
    const alice = await createNode()
    const f = await makeFile(2 * CHUNK)
    const link = connect(alice, null)
    const pull = alice.service.pull(link.connection, pullRequest(f, { hashes: f.hashes }).request)
    await expect.poll(() => link.inbound.length).toBe(1)
    const sender = link.inbound[0] as Stream
    const peer = rawPeer(sender)
    expect(await peer.read()).toMatchObject({ type: 'open', id: f.id })
    await peer.write({ type: 'ready', size: 2 * CHUNK, chunkSize: CHUNK, chunkCount: 2 })
    expect(await peer.read()).toEqual({ type: 'chunk-request', index: 0 })
    return { f, link, pull, sender, peer }
  }

  describe('malformed replies: the receiver aborts and throws protocol', () => {
    it.each<[string, (f: TestFile) => FileFrame | Uint8Array | null]>([
      ['a CHUNK for another index', f => ({ type: 'chunk', index: 1, data: f.bytes.subarray(0, CHUNK) })],
      ['a CHUNK one byte short', f => ({ type: 'chunk', index: 0, data: f.bytes.subarray(0, CHUNK - 1) })],
      ['an OK instead of a CHUNK', () => ({ type: 'ok' })],
      ['a request written by the listener', () => ({ type: 'done' })],
      ['garbage', () => Uint8Array.of(3, 0xff, 0xff, 0xff)]
    ])('%s', async (_name, reply) => {
      const { f, link, pull, sender, peer } = await pullAwaitingFirstChunk()
      const r = reply(f)
      if (r == null) await sender.close()
      else if (r instanceof Uint8Array) sender.send(r)
      else await peer.write(r)
      await expect(pull).rejects.toMatchObject({ name: 'FileTransferError', code: 'protocol', reason: expect.any(String) })
      expect(link.outbound[0]?.status).toBe('aborted')
    })
  })

  describe('the stream ending before the answer: the sender went away, the pull is tried again', () => {
    it.each<[string, () => Uint8Array | null]>([
      ['between frames (a closing data channel can read as a clean end)', () => null],
      // a length prefix announcing 100 bytes, then the start of a CHUNK frame
      ['inside a frame', () => Uint8Array.of(100, 0x83, 0, 0)]
    ])('%s', async (_name, tail) => {
      const { link, pull, sender } = await pullAwaitingFirstChunk()
      const bytes = tail()
      if (bytes != null) sender.send(bytes)
      await sender.close()
      const error = await pull.then(() => undefined, (err: unknown) => err)
      expect(error).toMatchObject({ name: 'FileStreamEndedError', message: expect.stringContaining('CHUNK') })
      expect(isFileTransferError(error)).toBe(false)
      expect(link.outbound[0]?.status).toBe('aborted')
    })
  })

  describe('timeouts, aborts and shutdown', () => {
    it('rejects with a TimeoutError when the sender does not answer in time', async () => {
      const alice = await createNode({ frameTimeoutMs: 50 })
      const f = await makeFile(CHUNK)
      const link = connect(alice, null)
      await expect(alice.service.pull(link.connection, pullRequest(f).request)).rejects.toMatchObject({ name: 'TimeoutError' })
      expect(link.outbound[0]?.status).toBe('aborted')
    })

    it('the sender aborts a stream that stays idle after READY', async () => {
      const { alice, bob, f } = await offered(CHUNK, { frameTimeoutMs: 50 })
      const [dialer, inbound] = await streamPair({ protocol: FILE_PROTOCOL })
      const abort = vi.spyOn(inbound, 'abort')
      const done = Promise.resolve(bob.handler(inbound, stubConnection(alice.peerId)))
      const peer = rawPeer(dialer)
      await peer.write({ type: 'open', id: f.id, sha256: f.sha256 })
      expect(await peer.read()).toMatchObject({ type: 'ready', size: CHUNK })
      await done
      expect(abort.mock.calls[0]?.[0]).toMatchObject({ name: 'TimeoutError' })
      expect(bob.sources[0]?.close).toHaveBeenCalledTimes(1)
    })

    it('stops when the caller aborts, and the sender lets go of its source', async () => {
      const { alice, bob, f, link } = await offered(8 * CHUNK)
      const controller = new AbortController()
      const { request } = pullRequest(f, {
        onChunk: async (index) => { if (index === 2) controller.abort() }
      })
      await expect(alice.service.pull(link.connection, request, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' })
      expect(link.outbound[0]?.status).toBe('aborted')
      await Promise.all(link.handled)
      expect(bob.sources[0]?.close).toHaveBeenCalledTimes(1)
      expect(bob.sources[0]?.done).not.toHaveBeenCalled()
    })

    it('stop() ends the streams in flight', async () => {
      const { alice, bob, f, link } = await offered(CHUNK)
      bob.host.open.mockImplementationOnce(async () => new Promise(() => {}))
      const pull = alice.service.pull(link.connection, pullRequest(f).request)
      await expect.poll(() => bob.host.open.mock.calls.length).toBe(1)
      await bob.service.stop()
      await Promise.all(link.handled)
      expect(link.inbound[0]?.status).toBe('aborted')
      await expect(pull).rejects.toMatchObject({ name: 'StreamResetError' })
    })

    it('refuses an inconsistent pull request before dialling', async () => {
      const alice = await createNode()
      const f = await makeFile(3 * CHUNK)
      const link = connect(alice, null)
      for (const extra of [{ missing: [2, 1] }, { missing: [3] }, { window: 0 }, { chunkSize: 1000 }, { hashes: f.hashes.subarray(32) }, { id: 'x' }]) {
        await expect(alice.service.pull(link.connection, pullRequest(f, extra).request)).rejects.toMatchObject({ name: 'InvalidParametersError' })
      }
      expect(link.newStream).not.toHaveBeenCalled()
    })
  })
})
