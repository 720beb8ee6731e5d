/**
 * `/parley/file/1.1.0` (docs/protocols.md, "Keyed files"): a file whose
 * offer carries a key is pulled over 1.1.0, named by its key's tag, and its
 * hash list and chunks cross the wire sealed with that key, so nothing of the
 * file's bytes or hashes is readable on the wire; a reply sealed with
 * another key, or for another chunk, fails the pull as a protocol error. The
 * unkeyed pull over 1.0.0 is file-service.test.ts's.
 */
import { lpStream } from '@libp2p/utils'
import { afterEach, describe, expect, it } from 'vitest'
import { decodeFileFrame, encodeFileFrame } from '@parley/protocol/file/codec'
import { FILE_PROTOCOL, FILE_PROTOCOL_KEYED } from '@parley/protocol/file/constants'
import { FileCipher, fileTag } from '@parley/protocol/file/keyed'
import { CHUNK, connect, createNode, makeFile, offered, pullRequest, randomBytes, source, stopNodes } from '../../../support/file-pair.ts'
import type { FileFrame } from '@parley/protocol/file/codec'
import type { TestFile } from '../../../support/file-pair.ts'
import type { Stream } from '@libp2p/interface'

afterEach(stopNodes)

/** Whether `needle` occurs anywhere in what crossed the wire. */
function onWire (wire: Uint8Array[], needle: Uint8Array): boolean {
  return Buffer.concat(wire).includes(Buffer.from(needle))
}

/** 64-byte pieces of the file and of its hash list, the things a wire must not show. */
function secrets (f: TestFile): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let i = 0; i < f.chunkCount; i++) out.push(f.bytes.subarray(i * CHUNK, i * CHUNK + 64), f.hashes.subarray(i * 32, i * 32 + 32))
  return out
}

describe('FileService, keyed files (1.1.0)', () => {
  it('pulls a keyed file over 1.1.0, named by its tag, with nothing of its bytes or hashes on the wire', async () => {
    const key = randomBytes(32)
    const { alice, bob, f, link } = await offered(3 * CHUNK + 7, {}, undefined, key)
    const { request, stored } = pullRequest(f)
    await alice.service.pull(link.connection, request)

    expect(stored).toEqual(f.bytes)
    expect(request.onHashes).toHaveBeenCalledWith(f.hashes)
    expect(link.newStream).toHaveBeenCalledWith(FILE_PROTOCOL_KEYED, expect.objectContaining({ runOnLimitedConnection: true }))
    expect(bob.host.open).toHaveBeenCalledWith(alice.peerId, f.id, { version: '1.1.0', proof: fileTag(key) }, expect.anything())
    await Promise.all(link.handled)
    expect(secrets(f).filter(piece => onWire(link.wire, piece))).toEqual([])
    expect([alice.errors, bob.errors]).toEqual([[], []])
  })

  it('the same file unkeyed shows its bytes on the wire (the check above can see them)', async () => {
    const { alice, f, link } = await offered(3 * CHUNK + 7)
    await alice.service.pull(link.connection, pullRequest(f).request)
    expect(link.newStream).toHaveBeenCalledWith(FILE_PROTOCOL, expect.anything())
    expect(secrets(f).every(piece => onWire(link.wire, piece))).toBe(true)
  })

  it('resumes a keyed file: only the missing chunks, sealed', async () => {
    const { alice, bob, f, link } = await offered(4 * CHUNK, {}, undefined, randomBytes(32))
    const { request, stored } = pullRequest(f, { hashes: f.hashes, missing: [1, 3] })
    stored.set(f.bytes.subarray(0, CHUNK))
    stored.set(f.bytes.subarray(2 * CHUNK, 3 * CHUNK), 2 * CHUNK)
    await alice.service.pull(link.connection, request)
    expect(bob.sources[0]?.chunkCalls).toEqual([1, 3])
    expect(stored).toEqual(f.bytes)
  })

  it('fails as a protocol error when the sender seals with another key, and stores nothing', async () => {
    const [alice, bob] = await Promise.all([createNode(), createNode({}, f => ({ ...source(f), key: randomBytes(32) }))])
    const f = await makeFile(3 * CHUNK, CHUNK, randomBytes(32))
    bob.files.set(f.id, f)
    const { request } = pullRequest(f)
    await expect(alice.service.pull(connect(alice, bob).connection, request)).rejects.toMatchObject({ name: 'FileTransferError', code: 'protocol' })
    expect(request.onHashes).not.toHaveBeenCalled()
    expect(request.onChunk).not.toHaveBeenCalled()
  })

  it('fails as a protocol error on a chunk sealed for another place, before it is stored', async () => {
    const key = randomBytes(32)
    const cipher = await FileCipher.create(key)
    const alice = await createNode()
    const f = await makeFile(3 * CHUNK, CHUNK, key)
    const { request } = pullRequest(f, { hashes: f.hashes })
    const link = connect(alice, null)
    const pull = alice.service.pull(link.connection, request)
    await expect.poll(() => link.inbound.length).toBe(1)
    const sender = lpStream(link.inbound[0] as Stream)
    const write = async (frame: FileFrame): Promise<void> => { await sender.write(encodeFileFrame(frame, '1.1.0')) }
    expect(decodeFileFrame((await sender.read()).subarray(), 'dialer', '1.1.0')).toMatchObject({ type: 'open', sha256: fileTag(key) })
    await write({ type: 'ready', size: f.bytes.byteLength, chunkSize: CHUNK, chunkCount: 3 })
    expect(decodeFileFrame((await sender.read()).subarray(), 'dialer', '1.1.0')).toEqual({ type: 'chunk-request', index: 0 })
    // chunk 1's bytes, sealed as chunk 1, sent as the answer for chunk 0
    await write({ type: 'chunk', index: 0, data: await cipher.seal('chunk', 1, 0, f.bytes.subarray(CHUNK, 2 * CHUNK)) })
    await expect(pull).rejects.toMatchObject({ name: 'FileTransferError', code: 'protocol', reason: expect.stringMatching(/CHUNK 0 does not open/) })
    expect(request.onChunk).not.toHaveBeenCalled()
  })

  it('refuses a keyed OPEN of a file its host has no key for, and keeps serving', async () => {
    const [alice, bob] = await Promise.all([createNode(), createNode({}, f => { const { key: _key, ...s } = source(f); return s })])
    const f = await makeFile(CHUNK, CHUNK, randomBytes(32))
    bob.files.set(f.id, f)
    await expect(alice.service.pull(connect(alice, bob).connection, pullRequest(f).request)).rejects.toThrow()
    const plain = await makeFile(CHUNK)
    bob.files.set(plain.id, plain)
    const { request, stored } = pullRequest(plain)
    await alice.service.pull(connect(alice, bob).connection, request)
    expect(stored).toEqual(plain.bytes)
  })

  it('cancels a keyed file over 1.1.0, naming it by its tag', async () => {
    const key = randomBytes(32)
    const [alice, bob] = await Promise.all([createNode(), createNode()])
    const f = await makeFile(1, CHUNK, key)
    const link = connect(alice, bob)
    await alice.service.cancel(link.connection, f.id, f.sha256, { key })
    expect(link.newStream).toHaveBeenCalledWith(FILE_PROTOCOL_KEYED, expect.anything())
    expect(bob.host.cancelled).toHaveBeenCalledWith(alice.peerId, f.id, { version: '1.1.0', proof: fileTag(key) })
  })

  it('refuses a key that is not 32 bytes before dialling', async () => {
    const { alice, f, link } = await offered(CHUNK)
    await expect(alice.service.pull(link.connection, pullRequest(f, { key: randomBytes(31) }).request)).rejects.toMatchObject({ name: 'InvalidParametersError' })
    expect(link.newStream).not.toHaveBeenCalled()
  })
})
