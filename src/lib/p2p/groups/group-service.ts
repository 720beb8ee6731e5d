/**
 * @packageDocumentation
 * The group protocol (docs/protocols.md, "Groups"): one request and one
 * reply per stream, also over relayed connections. `/parley/group/1.0.0`
 * carries them in plain JSON; with sessions, `/parley/group/2.0.0` carries
 * the request (and a reply with operations) in session boxes
 * (sessions/group-boxes.ts) and is offered first. What a request means is the
 * group book's (book.ts); the stream work (limits, deadline, rate per peer, a
 * malformed frame answered `reject invalid` with the stream reset) is
 * kernel/desk-service.ts, once per version.
 */
import { decodeGroupBoxRequest, MAX_GROUP_BOX_FRAME_BYTES, MAX_GROUP_BOX_PREFIX_BYTES } from '@parley/protocol/group/boxed'
import { GROUP_PROTOCOL, GROUP_PROTOCOL_V2, GROUP_PROTOCOLS_WITH_SESSIONS } from '@parley/protocol/group/constants'
import {
  decodeGroupReply, decodeGroupRequest, encodeGroupFrame, GROUP_EXCHANGE_TIMEOUT_MS, GROUP_REQUESTS_PER_MINUTE,
  MAX_GROUP_FRAME_BYTES, MAX_GROUP_PREFIX_BYTES, withoutKey
} from '@parley/protocol/group/wire'
import { ProtocolError } from '@libp2p/interface'
import { negotiatedRequest } from '@parley/protocol/one-request/client'
import { DeskService } from '../kernel/desk-service.ts'
import type { GroupReply, GroupRequest } from '@parley/protocol/group/wire'
import type { DeskProtocol, DeskServiceComponents } from '../kernel/desk-service.ts'
import type { GroupDesk } from '../kernel/ports/groups.ts'
import type { GroupBoxesPort, SealedRequest, SessionPinsPort } from '../kernel/ports/sessions.ts'
import type { AbortOptions, Connection, PeerId, PeerStore, Startable } from '@libp2p/interface'

/** At most this many group exchanges at once per connection, each way (per version). */
export const MAX_GROUP_STREAMS = 8

const LIMITS = {
  name: 'group',
  timeoutMs: GROUP_EXCHANGE_TIMEOUT_MS,
  requestsPerMinute: GROUP_REQUESTS_PER_MINUTE,
  maxStreams: MAX_GROUP_STREAMS
}

const GROUP: DeskProtocol<GroupRequest, GroupReply> = {
  ...LIMITS,
  protocol: GROUP_PROTOCOL,
  maxFrameBytes: MAX_GROUP_FRAME_BYTES,
  maxPrefixBytes: MAX_GROUP_PREFIX_BYTES,
  encode: encodeGroupFrame,
  decodeRequest: decodeGroupRequest,
  decodeReply: (bytes) => decodeGroupReply(bytes),
  invalid: { type: 'reject', reason: 'invalid' },
  rateLimited: { type: 'reject', reason: 'rate-limited' }
}

/** 2.0.0's listener: a request is a box (checked for shape here, opened by the sessions); a reply is a box or 1.0.0's JSON. */
const GROUP_V2: DeskProtocol<Uint8Array, GroupReply | Uint8Array> = {
  ...LIMITS,
  protocol: GROUP_PROTOCOL_V2,
  maxFrameBytes: MAX_GROUP_BOX_FRAME_BYTES,
  maxPrefixBytes: MAX_GROUP_BOX_PREFIX_BYTES,
  encode: (frame) => frame instanceof Uint8Array ? frame : encodeGroupFrame(frame),
  decodeRequest: decodeGroupBoxRequest,
  // 2.0.0's dialer is GroupService.send, not the desk service's
  decodeReply: () => { throw new Error('2.0.0 replies are read by GroupService.send') },
  invalid: { type: 'reject', reason: 'invalid' },
  rateLimited: { type: 'reject', reason: 'rate-limited' }
}

/** What the service uses: the desk services', and the peer store (what a peer speaks, from identify). */
export interface GroupServiceComponents extends DeskServiceComponents {
  peerStore?: Pick<PeerStore, 'get'>
}

export class GroupService implements Startable {
  readonly #v1: DeskService<GroupRequest, GroupReply>
  readonly #v2: DeskService<Uint8Array, GroupReply | Uint8Array> | undefined
  readonly #boxes: Pick<GroupBoxesPort, 'seal' | 'reply'> | undefined
  readonly #peerStore: Pick<PeerStore, 'get'> | undefined

  readonly #pins: Pick<SessionPinsPort, 'pinned' | 'refused'> | undefined

  constructor (components: GroupServiceComponents, desk: GroupDesk, boxes?: Pick<GroupBoxesPort, 'seal' | 'reply' | 'listenWith'>, pins?: Pick<SessionPinsPort, 'pinned' | 'refused'>) {
    this.#peerStore = components.peerStore
    this.#pins = pins
    this.#v1 = new DeskService(components, GROUP, pins === undefined ? desk : pinnedDesk(desk, pins))
    if (boxes !== undefined) {
      this.#v2 = new DeskService(components, GROUP_V2, boxes.listenWith(desk))
      this.#boxes = boxes
    }
  }

  get [Symbol.toStringTag] (): string {
    return '@parley/group'
  }

  async start (): Promise<void> {
    await this.#v1.start()
    await this.#v2?.start()
  }

  async stop (): Promise<void> {
    await this.#v1.stop()
    await this.#v2?.stop()
  }

  /**
   * Sends one request over `connection` and resolves the reply: in a session
   * box when both speak 2.0.0 (throws on a malformed reply, no protocol, or
   * the deadline).
   */
  async send (connection: Connection, request: GroupRequest, options: AbortOptions = {}): Promise<GroupReply> {
    const boxes = this.#boxes
    if (boxes === undefined) return this.#v1.send(connection, withoutKey(request), options)
    const deadline = (): AbortSignal => AbortSignal.any([AbortSignal.timeout(GROUP_EXCHANGE_TIMEOUT_MS), ...(options.signal === undefined ? [] : [options.signal])])
    let sealed: SealedRequest | undefined
    // a peer that said it speaks 2.0.0 gets its box sealed before the stream opens: the listener's
    // deadline runs from the opening, and a seal may wait for the session's lock, a bundle or a
    // write. Should the peer pick 1.0.0 after all, the box's key is a skipped one on its side
    if (await speaksV2(this.#peerStore, connection.remotePeer)) sealed = await boxes.seal(connection.remotePeer, request, { signal: deadline() })
    const signal = deadline()
    return negotiatedRequest({
      protocols: GROUP_PROTOCOLS_WITH_SESSIONS,
      maxReplyBytes: Math.max(MAX_GROUP_FRAME_BYTES, MAX_GROUP_BOX_FRAME_BYTES),
      maxPrefixBytes: MAX_GROUP_PREFIX_BYTES,
      defaultTimeoutMs: GROUP_EXCHANGE_TIMEOUT_MS,
      runOnLimitedConnection: true
    }, connection, {
      request: async (protocol, signal) => {
        // a file's key goes only in a box
        if (protocol !== GROUP_PROTOCOL_V2) {
          const peer = connection.remotePeer.toString()
          if (this.#pins !== undefined && await this.#pins.pinned(peer)) {
            this.#pins.refused('group', peer, 'a group 1.0.0 exchange to it')
            throw new ProtocolError(`${peer} speaks sessions: group 1.0.0 is refused`)
          }
          sealed = undefined
          return encodeGroupFrame(withoutKey(request))
        }
        sealed ??= await boxes.seal(connection.remotePeer, request, { signal })
        return sealed.box
      },
      reply: async (bytes) => sealed === undefined ? decodeGroupReply(bytes) : boxes.reply(connection.remotePeer, sealed, bytes)
    }, { signal })
  }
}

/** Whether identify said `peer` speaks group 2.0.0 (false for a peer not in the store). */
async function speaksV2 (peerStore: Pick<PeerStore, 'get'> | undefined, peer: PeerId): Promise<boolean> {
  try {
    return (await peerStore?.get(peer))?.protocols.includes(GROUP_PROTOCOL_V2) ?? false
  } catch {
    return false
  }
}

/**
 * 1.0.0's desk with a peer that speaks sessions refused (and counted): a
 * request from it outside a box is a downgrade (docs/protocols.md, "Sessions
 * are mandatory"), answered `reject invalid` without being read further.
 */
function pinnedDesk (desk: GroupDesk, pins: Pick<SessionPinsPort, 'pinned' | 'refused'>): GroupDesk {
  return {
    receive: async (from, request, options) => {
      if (!await pins.pinned(from.toString())) return desk.receive(from, request, options)
      pins.refused('group', from.toString(), `a group 1.0.0 ${request.type}`)
      return { type: 'reject', reason: 'invalid' }
    }
  }
}

/** The libp2p service factory: with `boxes` (sessions), 2.0.0 is spoken and offered first; with `pins`, a peer that speaks sessions gets 2.0.0 only. */
export function groupService (desk: GroupDesk, boxes?: Pick<GroupBoxesPort, 'seal' | 'reply' | 'listenWith'>, pins?: Pick<SessionPinsPort, 'pinned' | 'refused'>): (components: GroupServiceComponents) => GroupService {
  return (components) => new GroupService(components, desk, boxes, pins)
}
