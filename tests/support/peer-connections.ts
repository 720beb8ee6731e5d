import type { Page } from '@playwright/test'

/**
 * What a page's calls are made of, for e2e tests and benchmarks: every
 * RTCPeerConnection the page makes is kept (the node's data connections too:
 * a call's is the one with media transceivers), so its `getStats` can be read.
 */

/** Keeps every RTCPeerConnection `page` makes from its next navigation on (call before `goto` or `reload`). */
export async function recordPeerConnections (page: Page): Promise<void> {
  await page.addInitScript(() => {
    const Original = window.RTCPeerConnection
    const made: RTCPeerConnection[] = []
    Object.assign(window, { __peerConnections: made })
    window.RTCPeerConnection = class extends Original {
      constructor (config?: RTCConfiguration) {
        super(config)
        made.push(this)
      }
    }
  })
}

/** How many of the page's peer connections carry media and are not closed (a call's). */
export async function openCallConnections (page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections
    .filter(pc => pc.getTransceivers().length > 0 && pc.connectionState !== 'closed').length)
}
