import { chromium } from '@playwright/test'
import { befriend } from '../e2e/helpers/parley.ts'
import { chromiumLaunchOptions, FAKE_MEDIA_ARGS } from '../support/browsers.ts'
import { answerToFirstFrame, recordPeerConnections } from '../support/peer-connections.ts'
import { median, print, twoPeople } from './lib.ts'
import type { Page } from '@playwright/test'

/** Video calls placed and answered, one after another. */
const CALL_RUNS = 5
/** How long a call may take to show its first frame, or its audio round trip to be reported, before the run fails. */
const CALL_WAIT_MS = 30_000

/** The audio round-trip time RTCP reports for the page's call (remote-inbound-rtp), in ms; undefined until there is one. */
async function audioRtt (page: Page): Promise<number | undefined> {
  return page.evaluate(async () => {
    const call = (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections.filter(pc => pc.connectionState === 'connected' && pc.getTransceivers().length > 0).at(-1)
    if (call === undefined) return undefined
    for (const report of (await call.getStats()).values() as IterableIterator<Record<string, unknown>>) {
      if (report['type'] === 'remote-inbound-rtp' && report['kind'] === 'audio' && typeof report['roundTripTime'] === 'number') return report['roundTripTime'] * 1000
    }
    return undefined
  })
}

/**
 * `call_setup_ms`: a video call between two Chromium contexts on loopback
 * (direct), Chromium's fake camera and microphone: Answer pressed → the
 * first remote video frame decoded in the callee's tab; median of CALL_RUNS.
 * `call_audio_rtt_ms`: the audio round-trip time RTCP reports during those
 * calls (the first report of each), median.
 */
export async function benchCall (url: string): Promise<void> {
  const browser = await chromium.launch({ ...chromiumLaunchOptions, args: [...(chromiumLaunchOptions.args ?? []), ...FAKE_MEDIA_ARGS] })
  try {
    const { pageA, pageB, close } = await twoPeople(browser, url)
    for (const page of [pageA, pageB]) {
      await page.context().grantPermissions(['microphone', 'camera'])
      await recordPeerConnections(page)
      await page.reload()
    }
    await befriend(pageA, pageB)
    const setups: number[] = []
    const rtts: number[] = []
    for (let run = 0; run < CALL_RUNS; run++) {
      await pageA.getByRole('button', { name: 'Video call with Bob' }).click()
      await pageB.getByTestId('call').getByRole('button', { name: 'Answer' }).waitFor({ timeout: CALL_WAIT_MS })
      setups.push(await answerToFirstFrame(pageB, CALL_WAIT_MS))
      const started = Date.now()
      let rtt: number | undefined
      while (rtt === undefined) {
        if (Date.now() - started > CALL_WAIT_MS) throw new Error('no audio round-trip time reported')
        rtt = await audioRtt(pageA)
        // RTCP reports come every few seconds: look again in a moment
        if (rtt === undefined) await new Promise(resolve => setTimeout(resolve, 200))
      }
      rtts.push(rtt)
      await pageA.getByRole('button', { name: 'Hang up' }).click()
      for (const page of [pageA, pageB]) {
        await page.getByTestId('call-ended').waitFor({ timeout: CALL_WAIT_MS })
        await page.getByTestId('call').getByRole('button', { name: 'Close' }).click()
      }
    }
    await close()
    print('call_setup_ms', median(setups), 'ms')
    print('call_audio_rtt_ms', median(rtts), 'ms')
  } finally {
    await browser.close()
  }
}
