/**
 * Installs the RTCPeerConnection bridge on the worker's global scope. Imported
 * by node.worker.ts BEFORE anything that loads @libp2p/webrtc, which reads
 * `globalThis.RTCPeerConnection` when its module is evaluated.
 */
import { RtcBridge, installRtcBridge } from '../lib/webrtc-bridge/proxy.ts'

export const rtcBridge = new RtcBridge()
installRtcBridge(rtcBridge)
