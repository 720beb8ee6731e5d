/**
 * Wiring for the bridge tests: a worker-side `RtcBridge` and a tab-side
 * `RtcHost` (on the in-memory fake) joined by a real MessageChannel, and a
 * helper that connects two proxy peer connections the way @libp2p/webrtc does.
 *
 * With `{ pump: true }` a `ChannelPump` sits between them, as in the browser:
 * worker ⇄ real MessageChannel ⇄ pump ⇄ {@link LocalPortPair} ⇄ host (the
 * host transfers its fake channels to the pump, which a real port cannot carry).
 */

import { expect, vi } from 'vitest'
import { RtcHost } from '../../../src/lib/webrtc-bridge/host.ts'
import { ChannelPump } from '../../../src/lib/webrtc-bridge/pump.ts'
import { RtcBridge } from '../../../src/lib/webrtc-bridge/proxy.ts'
import type { ProxyDataChannel, ProxyPeerConnection, RtcHostHandle } from '../../../src/lib/webrtc-bridge/proxy.ts'
import { FakeRtcWorld } from './fake-rtc.ts'
import { LocalPortPair } from './local-port.ts'

/** Opened ports, closed after each test so Node can exit. */
const openPorts: Array<MessagePort | LocalPortPair> = []

/** Closes every port opened by {@link addTab}. */
export function closeAllPorts (): void {
  for (const p of openPorts.splice(0)) p.close()
}

/** Registers ports a test opened itself, to be closed by {@link closeAllPorts}. */
export function trackPorts (...ports: Array<MessagePort | LocalPortPair>): void {
  openPorts.push(...ports)
}

/** How a tab is wired: `pump` puts a `ChannelPump` between the worker and the host. */
export interface Wiring {
  pump: boolean
}

/** Both wirings, for `describe.each`. */
export const WIRINGS: Wiring[] = [{ pump: false }, { pump: true }]

/** A log that records instead of printing. */
export function recordingLog (): { log: (message: string, ...args: unknown[]) => void, lines: string[] } {
  const lines: string[] = []
  return { lines, log: (message: string) => { lines.push(message) } }
}

/** One tab: a host on the fake, registered with `bridge`, maybe behind a pump. */
export interface Tab {
  host: RtcHost
  handle: RtcHostHandle
  /** The worker's end of the port. */
  workerPort: MessagePort
  /** The tab's end of the worker's port: the host's, or the pump's upstream port. */
  tabPort: MessagePort
  /** With a pump: the pump and its link to the host. */
  pump?: ChannelPump
  hostLink?: LocalPortPair
}

/** Registers a new tab hosting on `world`. */
export function addTab (
  bridge: RtcBridge, world: FakeRtcWorld, visible = true, log?: (m: string) => void, wiring: Wiring = { pump: false }
): Tab {
  const { port1, port2 } = new MessageChannel()
  openPorts.push(port1, port2)
  const logOption = log === undefined ? {} : { log }
  if (!wiring.pump) {
    const host = new RtcHost(port2, { RTCPeerConnection: world.Ctor, ...logOption })
    const handle = bridge.addHost(port1, { visible })
    return { host, handle, workerPort: port1, tabPort: port2 }
  }
  const hostLink = new LocalPortPair()
  openPorts.push(hostLink)
  const pump = new ChannelPump({ upstream: port2, host: hostLink.port1, ...logOption })
  const host = new RtcHost(hostLink.port2, { RTCPeerConnection: world.Ctor, transferChannels: true, ...logOption })
  const handle = bridge.addHost(port1, { visible })
  return { host, handle, workerPort: port1, tabPort: port2, pump, hostLink }
}

/** A worker with one tab. */
export function makeWorker (
  world: FakeRtcWorld, options: { requestTimeoutMs?: number, pump?: boolean } = {}
): { bridge: RtcBridge, tab: Tab, logs: string[] } {
  const { pump = false, ...bridgeOptions } = options
  const { log, lines } = recordingLog()
  const bridge = new RtcBridge({ log, ...bridgeOptions })
  const tab = addTab(bridge, world, true, log, { pump })
  return { bridge, tab, logs: lines }
}

/** Two connected proxies and the 'init'-style channel pair between them. */
export interface ConnectedPair {
  a: ProxyPeerConnection
  b: ProxyPeerConnection
  /** Channel created by `a`. */
  ca: ProxyDataChannel
  /** Its twin, received by `b` in a datachannel event. */
  cb: ProxyDataChannel
  /** Events seen on `a`, in order, with the state at dispatch. */
  eventsA: string[]
  /** Events seen on `b`, in order. */
  eventsB: string[]
}

const PC_EVENTS = ['icecandidate', 'connectionstatechange', 'iceconnectionstatechange', 'signalingstatechange', 'icegatheringstatechange', 'datachannel']

function record (pc: ProxyPeerConnection, into: string[]): void {
  for (const type of PC_EVENTS) {
    pc.addEventListener(type, (e) => {
      if (type === 'icecandidate') into.push(`icecandidate:${(e as Event & { candidate: unknown }).candidate === null ? 'null' : 'candidate'}`)
      else if (type === 'connectionstatechange') into.push(`connection:${pc.connectionState}`)
      else if (type === 'iceconnectionstatechange') into.push(`ice:${pc.iceConnectionState}`)
      else if (type === 'signalingstatechange') into.push(`signaling:${pc.signalingState}`)
      else if (type === 'icegatheringstatechange') into.push(`gathering:${pc.iceGatheringState}`)
      else into.push(type)
    })
  }
}

/** Connects a proxy on `bridgeA` to one on `bridgeB` as @libp2p/webrtc's initiator and recipient do. */
export async function connectPair (bridgeA: RtcBridge, bridgeB: RtcBridge): Promise<ConnectedPair> {
  const a = new bridgeA.classes.RTCPeerConnection({ iceServers: [] })
  const b = new bridgeB.classes.RTCPeerConnection({ iceServers: [] })
  const eventsA: string[] = []
  const eventsB: string[] = []
  record(a, eventsA)
  record(b, eventsB)
  let cb: ProxyDataChannel | undefined
  b.ondatachannel = ({ channel }) => { cb = channel }
  a.onicecandidate = ({ candidate }) => { if (candidate !== null) void b.addIceCandidate(new bridgeB.classes.RTCIceCandidate(candidate.toJSON())) }
  b.onicecandidate = ({ candidate }) => { if (candidate !== null) void a.addIceCandidate(candidate.toJSON()) }
  const ca = a.createDataChannel('init')
  const offer = await a.createOffer()
  await a.setLocalDescription(offer)
  await b.setRemoteDescription(new bridgeB.classes.RTCSessionDescription({ type: 'offer', sdp: offer.sdp }))
  const answer = await b.createAnswer()
  await b.setLocalDescription(answer)
  await a.setRemoteDescription(new bridgeA.classes.RTCSessionDescription(answer))
  await vi.waitFor(() => {
    expect(a.connectionState).toBe('connected')
    expect(b.connectionState).toBe('connected')
    expect(ca.readyState).toBe('open')
    expect(cb).toBeDefined()
  })
  return { a, b, ca, cb: cb as ProxyDataChannel, eventsA, eventsB }
}

/** A fresh fake world with two workers (one tab each, wired as `wiring`), their proxies connected. */
export async function twoConnectedWorkers (wiring: Wiring): Promise<ConnectedPair & { world: FakeRtcWorld, A: ReturnType<typeof makeWorker>, B: ReturnType<typeof makeWorker> }> {
  const world = new FakeRtcWorld()
  const A = makeWorker(world, wiring)
  const B = makeWorker(world, wiring)
  return { world, A, B, ...await connectPair(A.bridge, B.bridge) }
}

/** Bytes of an ArrayBuffer as an array, for comparisons. */
export function bytes (data: unknown): number[] {
  expect(data).toBeInstanceOf(ArrayBuffer)
  return [...new Uint8Array(data as ArrayBuffer)]
}
