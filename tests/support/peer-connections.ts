import type { BrowserContext, Page } from '@playwright/test'

/**
 * What a page's calls are made of, for e2e tests, the NAT lab and benchmarks:
 * every RTCPeerConnection the page makes is kept (the node's data connections
 * too: a call's is the one with media transceivers), so its `getStats` can be
 * read, and every stream getUserMedia gives it, so a test can see whether the
 * camera and microphone were let go. Both work alike in Chromium and Firefox.
 */

/**
 * Keeps every RTCPeerConnection and getUserMedia stream made from the next
 * navigation on: by `page` (call before `goto` or `reload`), or by every page
 * of a context.
 */
export async function recordPeerConnections (target: Page | BrowserContext): Promise<void> {
  await target.addInitScript(() => {
    const Original = window.RTCPeerConnection
    const made: RTCPeerConnection[] = []
    const streams: MediaStream[] = []
    Object.assign(window, { __peerConnections: made, __userMedia: streams })
    window.RTCPeerConnection = class extends Original {
      constructor (config?: RTCConfiguration) {
        super(config)
        made.push(this)
      }
    }
    const devices = navigator.mediaDevices as MediaDevices | undefined
    if (devices === undefined) return
    const getUserMedia = devices.getUserMedia.bind(devices)
    devices.getUserMedia = async (constraints) => {
      const stream = await getUserMedia(constraints)
      streams.push(stream)
      return stream
    }
  })
}

/** How many of the page's peer connections carry media and are not closed (a call's). */
export async function openCallConnections (page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections
    .filter(pc => pc.getTransceivers().length > 0 && pc.connectionState !== 'closed').length)
}

/** The kinds of the camera and microphone tracks the page was given and has not stopped ('audio', 'video'). */
export async function liveMediaTracks (page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __userMedia: MediaStream[] }).__userMedia
    .flatMap(stream => stream.getTracks()).filter(track => track.readyState === 'live').map(track => track.kind).sort())
}

export interface MediaCounters {
  /** audio RTP packets received */
  audioIn: number
  /** video frames received and decoded */
  videoFramesIn: number
  /** audio RTP packets sent */
  audioOut: number
}

/**
 * The RTP counters of the page's call connection (all 0 while there is none);
 * with `windowMs`, how much they grew over that window (a measurement, read
 * twice in the page, not a wait for something to happen).
 */
export async function callCounters (page: Page, windowMs = 0): Promise<MediaCounters> {
  return page.evaluate(async (windowMs) => {
    const made = (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections
    const call = made.filter(pc => pc.connectionState !== 'closed' && pc.getTransceivers().length > 0).at(-1)
    const read = async (): Promise<{ audioIn: number, videoFramesIn: number, audioOut: number }> => {
      const out = { audioIn: 0, videoFramesIn: 0, audioOut: 0 }
      if (call === undefined) return out
      const reports: Array<Record<string, unknown>> = []
      ;(await call.getStats()).forEach((report: Record<string, unknown>) => { reports.push(report) })
      for (const report of reports) {
        if (report['type'] === 'inbound-rtp' && report['kind'] === 'audio') out.audioIn += Number(report['packetsReceived'] ?? 0)
        if (report['type'] === 'inbound-rtp' && report['kind'] === 'video') out.videoFramesIn += Number(report['framesDecoded'] ?? 0)
        if (report['type'] === 'outbound-rtp' && report['kind'] === 'audio') out.audioOut += Number(report['packetsSent'] ?? 0)
      }
      return out
    }
    const first = await read()
    if (windowMs === 0) return first
    await new Promise(resolve => setTimeout(resolve, windowMs))
    const then = await read()
    return { audioIn: then.audioIn - first.audioIn, videoFramesIn: then.videoFramesIn - first.videoFramesIn, audioOut: then.audioOut - first.audioOut }
  }, windowMs)
}

/** Presses Answer in `page` and resolves, in the page's clock, when the remote video shows its first decoded frame. */
export async function answerToFirstFrame (page: Page, waitMs: number): Promise<number> {
  return page.evaluate(async (waitMs) => {
    const answer = [...document.querySelectorAll<HTMLButtonElement>('[data-testid="call"] button')].find(b => b.textContent?.trim() === 'Answer')
    if (answer === undefined) throw new Error('no Answer button')
    const start = performance.now()
    answer.click()
    // checked every frame (no named function in here: tsx would wrap it in a helper the page lacks)
    for (;;) {
      const video = document.querySelector<HTMLVideoElement>('[data-testid="remote-video"]')
      if (video !== null && video.videoWidth > 0) return performance.now() - start
      if (performance.now() - start > waitMs) throw new Error('no remote video frame')
      await new Promise(resolve => requestAnimationFrame(resolve))
    }
  }, waitMs)
}

/** The camera track the page's call sends now (its label names the device), or null while none goes. */
export async function sentCamera (page: Page): Promise<{ label: string, readyState: string } | null> {
  return page.evaluate(() => {
    const made = (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections
    const call = made.filter(pc => pc.connectionState !== 'closed' && pc.getTransceivers().length > 0).at(-1)
    const track = call?.getSenders().find(s => s.track?.kind === 'video')?.track
    return track == null ? null : { label: track.label, readyState: track.readyState }
  })
}
