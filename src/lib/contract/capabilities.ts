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

/**
 * Bytes of received files a browser that cannot keep files on the device
 * holds in memory at once (`fileStorage: 'memory'`, files/memory-store.ts);
 * the tab says it in words.
 */
export const MEMORY_STORE_MAX_BYTES = 256 * 1024 * 1024
