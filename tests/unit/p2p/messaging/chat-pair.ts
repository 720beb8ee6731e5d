/**
 * Two chat services joined by in-memory streams (chat-service.test.ts and
 * chat-service-v2.test.ts): a node's service with a stub registrar whose
 * handler is captured, a connection whose streams feed it, raw streams.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { streamPair } from '@libp2p/utils'
import { afterEach, vi } from 'vitest'
import { chat } from '../../../../src/lib/p2p/messaging/chat-service.ts'
import { CHAT_PROTOCOL } from '@parley/protocol/chat/constants'
import type { ChatService, ChatServiceInit, Registrar } from '../../../../src/lib/p2p/messaging/chat-service.ts'
import type { ChatInbox } from '../../../../src/lib/p2p/kernel/ports/messaging.ts'
import type { ChatMessageFrame } from '@parley/protocol/chat/codec'
import type { ComponentLogger, Connection, Logger, PeerId, Stream, StreamHandler } from '@libp2p/interface'

export const HANDLE_OPTIONS = { runOnLimitedConnection: true, maxInboundStreams: 8, maxOutboundStreams: 8 }
const ULID_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
let counter = 0

export function msg (text: string): ChatMessageFrame {
  const n = counter++
  const id = `01HZX3J5Q8W2N6R4T7V9B1${[3, 2, 1, 0].map(i => ULID_ALPHABET[Math.floor(n / 32 ** i) % 32]).join('')}`
  return { type: 'message', id, text, sentAt: 1_717_000_000_000 + n }
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

export interface Node {
  peerId: PeerId
  service: ChatService
  handler: StreamHandler
  receive: ReturnType<typeof vi.fn<ChatInbox['receive']>>
  registrar: { handle: ReturnType<typeof vi.fn<Registrar['handle']>>, unhandle: ReturnType<typeof vi.fn<Registrar['unhandle']>> }
  errors: unknown[][]
}

const started: ChatService[] = []
afterEach(async () => { await Promise.all(started.splice(0).map(async s => s.stop())) })

export async function createNode (init: Partial<ChatServiceInit> = {}, receive?: ChatInbox['receive']): Promise<Node> {
  const stored = new Set<string>()
  const inbox = vi.fn<ChatInbox['receive']>(receive ?? (async (_from, message) => {
    if (stored.has(message.id)) return 'duplicate'
    stored.add(message.id)
    return 'stored'
  }))
  const errors: unknown[][] = []
  const registrar = { handle: vi.fn<Registrar['handle']>(async () => {}), unhandle: vi.fn<Registrar['unhandle']>(async () => {}) }
  const service = chat({ ...init, inbox: { receive: inbox } })({ registrar, logger: stubLogger(errors) })
  await service.start()
  started.push(service)
  const handler = registrar.handle.mock.calls[0]?.[1]
  if (handler == null) throw new Error('no handler registered')
  const peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  return { peerId, service, handler, receive: inbox, registrar, errors }
}

/** A Connection from `dialer` to `listener` whose streams are fed to the listener's captured handler. */
export function connect (dialer: Node, listener: Node | null, protocol: string = CHAT_PROTOCOL) {
  const inbound: Stream[] = []
  const outbound: Stream[] = []
  const handled: Array<Promise<void>> = []
  const newStream = vi.fn(async (_protocol: string | string[], _options?: unknown) => {
    const [out, inb] = await streamPair({ protocol })
    // what multistream-select would have agreed on, on both ends
    out.protocol = protocol
    inb.protocol = protocol
    outbound.push(out)
    inbound.push(inb)
    if (listener != null) handled.push(Promise.resolve(listener.handler(inb, stubConnection(dialer.peerId))))
    return out
  })
  const connection = { ...stubConnection(listener?.peerId ?? dialer.peerId), newStream } as unknown as Connection
  return { connection, newStream, inbound, outbound, handled }
}

export function stubConnection (remotePeer: PeerId): Connection {
  return { remotePeer } as unknown as Connection
}

/** A raw stream into `listener`'s handler, for writing arbitrary bytes. */
export async function rawStream (listener: Node, dialerPeer: PeerId) {
  const [dialer, inbound] = await streamPair({ protocol: CHAT_PROTOCOL })
  const abort = vi.spyOn(inbound, 'abort')
  const done = Promise.resolve(listener.handler(inbound, stubConnection(dialerPeer)))
  return { dialer, inbound, abort, done }
}
