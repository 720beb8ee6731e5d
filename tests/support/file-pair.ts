/**
 * Two file services joined by in-memory streams, for the unit tests of
 * `/parley/file/1.0.0` and `1.1.0` (tests/unit/p2p/transfers): files to
 * offer, sources over them, pull requests, a connection whose streams reach
 * the listener's handler of their protocol, and a raw peer to play by hand.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { lpStream, streamPair } from '@libp2p/utils'
import { vi } from 'vitest'
import type { Mock } from 'vitest'
import { chunkCountOf, decodeFileFrame, encodeFileFrame } from '@parley/protocol/file/codec'
import { FILE_PROTOCOL, MIN_CHUNK_BYTES } from '@parley/protocol/file/constants'
import { FileTransferError } from '@parley/protocol/file/errors'
import { file } from '../../src/lib/p2p/transfers/file-service.ts'
import type { FileFrame } from '@parley/protocol/file/codec'
import type { FileService, FileServiceInit, PullRequest } from '../../src/lib/p2p/transfers/file-service.ts'
import type { FileHost, FileSource } from '../../src/lib/p2p/transfers/file-serve.ts'
import type { ComponentLogger, Connection, Libp2p, Logger, PeerId, Stream, StreamHandler } from '@libp2p/interface'

export const CHUNK = MIN_CHUNK_BYTES
const ULID_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
let counter = 0

export async function sha256 (data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>))
}

export function randomBytes (size: number): Uint8Array {
  const out = new Uint8Array(size)
  // getRandomValues fills at most 64 KiB per call
  for (let i = 0; i < size; i += 65_536) crypto.getRandomValues(out.subarray(i, i + 65_536))
  return out
}

/** A file to move, and what its offer says of it; `key` makes it a keyed file (1.1.0). */
export interface TestFile { id: string, bytes: Uint8Array, chunkSize: number, chunkCount: number, sha256: Uint8Array, hashes: Uint8Array, listHash: Uint8Array, key?: Uint8Array }

export async function makeFile (size: number, chunkSize = CHUNK, key?: Uint8Array): Promise<TestFile> {
  const n = counter++
  const id = `01HZX3J5Q8W2N6R4T7V9B1${[3, 2, 1, 0].map(i => ULID_ALPHABET[Math.floor(n / 32 ** i) % 32]).join('')}`
  const bytes = randomBytes(size)
  const chunkCount = chunkCountOf(size, chunkSize)
  const hashes = new Uint8Array(chunkCount * 32)
  for (let i = 0; i < chunkCount; i++) hashes.set(await sha256(bytes.subarray(i * chunkSize, (i + 1) * chunkSize)), i * 32)
  return { id, bytes, chunkSize, chunkCount, sha256: await sha256(bytes), hashes, listHash: await sha256(hashes), ...(key === undefined ? {} : { key }) }
}

export type TestSource = FileSource & { chunkCalls: number[], hashCalls: Array<[number, number]>, done: Mock<() => Promise<void>>, close: Mock<() => void> }

/** A FileSource over `f.bytes`; `tamper` may change the bytes of a chunk on its nth request. */
export function source (f: TestFile, tamper?: (index: number, attempt: number, data: Uint8Array) => Uint8Array, onChunk?: (index: number) => void): TestSource {
  const chunkCalls: number[] = []
  const hashCalls: Array<[number, number]> = []
  return {
    size: f.bytes.byteLength,
    chunkSize: f.chunkSize,
    chunkCount: f.chunkCount,
    ...(f.key === undefined ? {} : { key: f.key }),
    chunkCalls,
    hashCalls,
    hashes: async (from, count) => { hashCalls.push([from, count]); return f.hashes.slice(from * 32, (from + count) * 32) },
    chunk: async (index) => {
      chunkCalls.push(index)
      onChunk?.(index)
      const data = f.bytes.slice(index * f.chunkSize, (index + 1) * f.chunkSize)
      return tamper?.(index, chunkCalls.filter(i => i === index).length, data) ?? data
    },
    done: vi.fn<() => Promise<void>>(async () => {}),
    close: vi.fn<() => void>()
  }
}

export const flip = (data: Uint8Array): Uint8Array => { data[0] = (data[0] ?? 0) ^ 0xff; return data }

/** A receiver's PullRequest for `f` that stores chunks into `stored` and verifies the whole file. */
export function pullRequest (f: TestFile, extra: Partial<PullRequest> = {}): { request: PullRequest, stored: Uint8Array } {
  const stored = new Uint8Array(f.bytes.byteLength)
  const request: PullRequest = {
    id: f.id,
    sha256: f.sha256,
    size: f.bytes.byteLength,
    chunkSize: f.chunkSize,
    listHash: f.listHash,
    ...(f.key === undefined ? {} : { key: f.key }),
    missing: Array.from({ length: f.chunkCount }, (_, i) => i),
    onHashes: vi.fn(async () => {}),
    onRequest: vi.fn<(index: number) => void>(),
    onChunk: vi.fn(async (index: number, data: Uint8Array) => { stored.set(data, index * f.chunkSize) }),
    verify: vi.fn(async () => {
      const digest = await sha256(stored)
      if (!digest.every((b, i) => b === f.sha256[i])) throw new FileTransferError('corrupt')
    }),
    ...extra
  }
  return { request, stored }
}

export function stubLogger (errors: unknown[][]): ComponentLogger {
  const make = (): Logger => Object.assign(() => {}, {
    error: (...args: unknown[]) => { errors.push(args) },
    trace: () => {},
    enabled: false,
    newScope: () => make()
  })
  return { forComponent: () => make() }
}

export type Registrar = Pick<Libp2p, 'handle' | 'unhandle'>
export interface Node {
  peerId: PeerId
  service: FileService
  /** the handler of /parley/file/1.0.0 */
  handler: StreamHandler
  /** every handler the service registered, by protocol */
  handlers: Map<string, StreamHandler>
  files: Map<string, TestFile>
  sources: TestSource[]
  host: { open: ReturnType<typeof vi.fn<FileHost['open']>>, cancelled: ReturnType<typeof vi.fn<FileHost['cancelled']>> }
  registrar: { handle: ReturnType<typeof vi.fn<Registrar['handle']>>, unhandle: ReturnType<typeof vi.fn<Registrar['unhandle']>> }
  errors: unknown[][]
}

const started: FileService[] = []
/** Stops every node createNode started (call it in afterEach). */
export async function stopNodes (): Promise<void> {
  await Promise.all(started.splice(0).map(async s => s.stop()))
}

export async function createNode (init: Partial<FileServiceInit> = {}, makeSource = source): Promise<Node> {
  const files = new Map<string, TestFile>()
  const sources: TestSource[] = []
  const host = {
    open: vi.fn<FileHost['open']>(async (_from, id) => {
      const f = files.get(id)
      if (f == null) throw new FileTransferError('unknown-transfer')
      const s = makeSource(f)
      sources.push(s)
      return s
    }),
    cancelled: vi.fn<FileHost['cancelled']>(async () => {})
  }
  const errors: unknown[][] = []
  const registrar = { handle: vi.fn<Registrar['handle']>(async () => {}), unhandle: vi.fn<Registrar['unhandle']>(async () => {}) }
  const service = file({ ...init, host })({ registrar, logger: stubLogger(errors) })
  await service.start()
  started.push(service)
  const handlers = new Map(registrar.handle.mock.calls.map(([protocol, handler]) => [String(protocol), handler]))
  const handler = handlers.get(FILE_PROTOCOL)
  if (handler == null) throw new Error('no handler registered')
  return { peerId: peerIdFromPrivateKey(await generateKeyPair('Ed25519')), service, handler, handlers, files, sources, host, registrar, errors }
}

export function stubConnection (remotePeer: PeerId): Connection {
  return { remotePeer } as unknown as Connection
}

/**
 * A Connection from `dialer` to `listener` whose streams are fed to the
 * listener's handler of their protocol; `wire` keeps what the listener wrote.
 */
export function connect (dialer: Node, listener: Node | null) {
  const inbound: Stream[] = []
  const outbound: Stream[] = []
  const handled: Array<Promise<void>> = []
  /** every byte the listener wrote, as it went on the wire */
  const wire: Uint8Array[] = []
  const newStream = vi.fn(async (protocol: string | string[], _options?: unknown) => {
    const name = String(protocol)
    const [out, inb] = await streamPair({ protocol: name })
    outbound.push(out)
    inbound.push(inb)
    const send = inb.send.bind(inb)
    inb.send = (data) => { wire.push(data instanceof Uint8Array ? data.slice() : data.subarray()); return send(data) }
    const handler = listener?.handlers.get(name)
    if (handler != null) handled.push(Promise.resolve(handler(inb, stubConnection(dialer.peerId))))
    else if (listener != null) throw new Error(`no handler for ${name}`)
    return out
  })
  const connection = { ...stubConnection(listener?.peerId ?? dialer.peerId), newStream } as unknown as Connection
  return { connection, newStream, inbound, outbound, handled, wire }
}

/** Frames read from and written to a raw stream, for playing a peer by hand. */
export function rawPeer (stream: Stream) {
  const lp = lpStream(stream)
  return {
    write: async (frame: FileFrame | Uint8Array) => { await lp.write(frame instanceof Uint8Array ? frame : encodeFileFrame(frame)) },
    read: async () => decodeFileFrame((await lp.read()).subarray())
  }
}

/** A pull of `size` bytes from bob (who offers it) to alice. */
export async function offered (size: number, init: Partial<FileServiceInit> = {}, makeSource?: typeof source, key?: Uint8Array) {
  const [alice, bob] = await Promise.all([createNode(), createNode(init, makeSource)])
  const f = await makeFile(size, CHUNK, key)
  bob.files.set(f.id, f)
  return { alice, bob, f, link: connect(alice, bob) }
}
