import type { NodeCapabilities } from './types.ts'

/** What the node's status says before anyone found out (contract/types.ts NodeCapabilities). */
export const UNKNOWN_CAPABILITIES: Readonly<NodeCapabilities> = Object.freeze({
  webrtc: null,
  transferableChannels: null,
  sharedWorker: null,
  fileStorage: null,
  webTransport: false,
  webLocks: false
})
