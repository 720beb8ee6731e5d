/**
 * Forwards a real peer connection's and data channel's events to the worker,
 * in the order they fire. Each function returns a detach function.
 */

import { errorToWire } from './errors.ts'
import { PC_STATE_EVENTS } from './protocol.ts'
import type { ChannelKey, HostToWorker, PcKey } from './protocol.ts'
import { candidateToWire, messageDataToWire, snapshot } from './host-types.ts'
import type { HostDataChannel, HostPeerConnection } from './host-types.ts'

/** Posts to the worker; `transfer` buffers are detached. */
export type HostPost = (message: HostToWorker, transfer?: ArrayBuffer[]) => void

/** Forwards `pc`'s events; `onDataChannel` handles a channel the remote peer created. */
export function wirePeerConnection (
  pcId: PcKey,
  pc: HostPeerConnection,
  post: HostPost,
  onDataChannel: (channel: HostDataChannel) => void
): () => void {
  const listeners: Array<[string, (event: Event) => void]> = [
    ['icecandidate', (e) => {
      const candidate = (e as Event & { candidate?: RTCIceCandidate | null }).candidate
      post({ type: 'pc.icecandidate', pcId, candidate: candidateToWire(candidate), state: snapshot(pc) })
    }],
    ['icecandidateerror', (e) => {
      const ev = e as Partial<RTCPeerConnectionIceErrorEvent>
      post({
        type: 'pc.icecandidateerror',
        pcId,
        error: {
          errorCode: typeof ev.errorCode === 'number' ? ev.errorCode : 0,
          errorText: String(ev.errorText ?? ''),
          url: String(ev.url ?? ''),
          address: ev.address ?? null,
          port: ev.port ?? null
        },
        state: snapshot(pc)
      })
    }],
    ['datachannel', (e) => {
      const channel = (e as Event & { channel?: HostDataChannel }).channel
      if (channel !== undefined) onDataChannel(channel)
    }],
    ...PC_STATE_EVENTS.map((name): [string, (event: Event) => void] => [name, () => {
      post({ type: 'pc.event', pcId, event: name, state: snapshot(pc) })
    }])
  ]
  for (const [type, fn] of listeners) pc.addEventListener(type, fn)
  return () => {
    for (const [type, fn] of listeners) pc.removeEventListener(type, fn)
  }
}

/** Hooks the host runs after forwarding a channel event. */
export interface ChannelHooks {
  /** After the close event was posted. */
  onClosed: () => void
  /** After a bufferedamountlow event was posted. */
  onLow: () => void
}

/** Forwards `channel`'s events (see {@link ChannelHooks}). */
export function wireDataChannel (
  channelId: ChannelKey,
  channel: HostDataChannel,
  post: HostPost,
  hooks: ChannelHooks
): () => void {
  channel.binaryType = 'arraybuffer'
  const listeners: Array<[string, (event: Event) => void]> = [
    ['open', () => { post({ type: 'dc.open', channelId, id: channel.id }) }],
    ['message', (e) => {
      const out = messageDataToWire((e as MessageEvent).data)
      if (out !== null) post({ type: 'dc.message', channelId, data: out.wire }, out.transfer)
    }],
    ['bufferedamountlow', () => {
      post({ type: 'dc.bufferedamountlow', channelId, bufferedAmount: channel.bufferedAmount })
      hooks.onLow()
    }],
    ['error', (e) => {
      const error = (e as Event & { error?: unknown }).error
      post({ type: 'dc.error', channelId, error: errorToWire(error ?? new Error('RTCDataChannel error')) })
    }],
    ['closing', () => { post({ type: 'dc.closing', channelId }) }],
    ['close', () => {
      post({ type: 'dc.close', channelId })
      hooks.onClosed()
    }]
  ]
  for (const [type, fn] of listeners) channel.addEventListener(type, fn)
  return () => {
    for (const [type, fn] of listeners) channel.removeEventListener(type, fn)
  }
}

/**
 * Calls `onRemoteClosed` once when the remote peer ends the connection. When
 * the remote side closes (its tab went away), Chromium closes the DTLS and
 * SCTP transports at once but moves `connectionState` to 'failed' only after
 * ICE consent expires, about 30 s later; until then the connection looks open
 * and every new stream on it hangs. Watching the transports ends it at once.
 */
export function watchRemoteClose (pc: HostPeerConnection, onRemoteClosed: () => void): () => void {
  let fired = false
  let detachTransports = (): void => {}
  const check = (): void => {
    const sctp = pc.sctp
    if (fired || sctp == null) return
    if (sctp.state === 'closed' || sctp.transport?.state === 'closed' || sctp.transport?.state === 'failed') {
      fired = true
      onRemoteClosed()
    }
  }
  const attach = (): void => {
    const sctp = pc.sctp
    if (pc.connectionState !== 'connected' || sctp == null) return
    pc.removeEventListener('connectionstatechange', attach)
    const transport = sctp.transport ?? null
    sctp.addEventListener('statechange', check)
    transport?.addEventListener('statechange', check)
    detachTransports = () => {
      sctp.removeEventListener('statechange', check)
      transport?.removeEventListener('statechange', check)
    }
  }
  pc.addEventListener('connectionstatechange', attach)
  return () => {
    pc.removeEventListener('connectionstatechange', attach)
    detachTransports()
  }
}
