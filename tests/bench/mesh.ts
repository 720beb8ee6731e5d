/**
 * What a group call's mesh costs a browser (issue 62: the limit of people in
 * a call is chosen from it), before Parley's signalling is in the way: n
 * Chromium contexts with the fake camera and microphone, each pair joined by
 * a bare RTCPeerConnection carrying both ways one audio and one video track
 * (Chromium's defaults: its bandwidth estimate, no caps), set up by the
 * bench itself on loopback. Once every pair's video is decoded, the
 * browser's processes are measured for MEASURE_MS.
 *
 *   mesh_cpu_percent_4 / _6    the browser's CPU (all processes, % of one core) ÷ n: one participant's share
 *   mesh_send_kbps_4 / _6      what one participant sends, all its streams (outbound-rtp bytes), kbit/s
 *   mesh_decoded_fps_6         video frames one participant decodes per second, all streams together
 *
 * A baseline, as raw_dc_ is for files: group_call_cpu_percent (through the
 * app) comes with the app's group calls.
 */
import { chromium } from '@playwright/test'
import type { Browser, Page } from '@playwright/test'
import { chromiumLaunchOptions, FAKE_MEDIA_ARGS } from '../support/browsers.ts'
import { browserCpuSeconds } from './cpu.ts'
import { print } from './lib.ts'

/** Frames flow for this long before the measurement (the bandwidth estimates ramp up). */
const WARM_MS = 8_000
const MEASURE_MS = 10_000
const ORIGIN = 'http://127.0.0.1:9'

/** In a page: its media, and its connections by the other participant's index. */
const PAGE_SETUP = `(async () => {
  window.__media = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 360, frameRate: 30 } })
  window.__pcs = {}
  window.__connect = (other) => {
    const pc = new RTCPeerConnection()
    for (const track of window.__media.getTracks()) pc.addTrack(track, window.__media)
    window.__pcs[other] = pc
    return pc
  }
  window.__gathered = (pc) => pc.iceGatheringState === 'complete' ? Promise.resolve() : new Promise(resolve => pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') resolve() }))
})()`

async function offer (page: Page, other: number): Promise<string> {
  return page.evaluate(`(async () => {
    const pc = window.__connect(${other})
    await pc.setLocalDescription(await pc.createOffer())
    await window.__gathered(pc)
    return pc.localDescription.sdp
  })()`)
}

async function answer (page: Page, other: number, sdp: string): Promise<string> {
  return page.evaluate(`(async () => {
    const pc = window.__connect(${other})
    await pc.setRemoteDescription({ type: 'offer', sdp: ${JSON.stringify(sdp)} })
    await pc.setLocalDescription(await pc.createAnswer())
    await window.__gathered(pc)
    return pc.localDescription.sdp
  })()`)
}

/** Totals of the page's connections: bytes sent, video frames decoded. */
async function counters (page: Page): Promise<{ sent: number, decoded: number }> {
  return page.evaluate(`(async () => {
    let sent = 0
    let decoded = 0
    for (const pc of Object.values(window.__pcs)) {
      for (const r of (await pc.getStats()).values()) {
        if (r.type === 'outbound-rtp') sent += r.bytesSent
        if (r.type === 'inbound-rtp' && r.kind === 'video') decoded += r.framesDecoded ?? 0
      }
    }
    return { sent, decoded }
  })()`)
}

async function measureMesh (browser: Browser, n: number): Promise<void> {
  const contexts = await Promise.all(Array.from({ length: n }, async () => browser.newContext({ permissions: ['microphone', 'camera'] })))
  try {
    const pages = await Promise.all(contexts.map(async (context) => {
      const page = await context.newPage()
      await page.route(`${ORIGIN}/**`, async (route) => { await route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>mesh</title>' }) })
      await page.goto(`${ORIGIN}/mesh`)
      await page.evaluate(PAGE_SETUP)
      return page
    }))
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const a = pages[i] as Page
        const b = pages[j] as Page
        const reply = await answer(b, i, await offer(a, j))
        await a.evaluate(`window.__pcs[${j}].setRemoteDescription({ type: 'answer', sdp: ${JSON.stringify(reply)} })`)
      }
    }
    // every pair's video decoded on both sides
    for (const page of pages) {
      await page.waitForFunction(`(async () => {
        const all = await Promise.all(Object.values(window.__pcs).map(async pc => [...(await pc.getStats()).values()].some(r => r.type === 'inbound-rtp' && r.kind === 'video' && (r.framesDecoded ?? 0) > 0)))
        return all.every(Boolean)
      })()`, undefined, { timeout: 60_000, polling: 200 })
    }
    // a measurement window, not a wait for a condition: the figures are rates over it
    await pages[0]?.waitForTimeout(WARM_MS)
    const cpu0 = browserCpuSeconds()
    const before = await Promise.all(pages.map(counters))
    const t0 = Date.now()
    await pages[0]?.waitForTimeout(MEASURE_MS)
    const cpu1 = browserCpuSeconds()
    const after = await Promise.all(pages.map(counters))
    const seconds = (Date.now() - t0) / 1000
    const sentKbps = after.reduce((sum, c, i) => sum + (c.sent - (before[i]?.sent ?? 0)), 0) * 8 / 1000 / seconds / n
    const decodedFps = after.reduce((sum, c, i) => sum + (c.decoded - (before[i]?.decoded ?? 0)), 0) / seconds / n
    if (cpu0 !== undefined && cpu1 !== undefined) print(`mesh_cpu_percent_${n}`, Math.round((cpu1 - cpu0) / seconds / n * 1000) / 10, '%')
    print(`mesh_send_kbps_${n}`, Math.round(sentKbps), 'kbit/s')
    print(`mesh_decoded_fps_${n}`, Math.round(decodedFps * 10) / 10, 'frames/s')
  } finally {
    await Promise.all(contexts.map(async (context) => { await context.close() }))
  }
}

/** `--only mesh`: the mesh of 4 and of 6 (inside `unshare -n`). */
export async function benchMesh (): Promise<void> {
  const browser = await chromium.launch({ ...chromiumLaunchOptions, args: [...(chromiumLaunchOptions.args ?? []), ...FAKE_MEDIA_ARGS] })
  try {
    for (const n of [4, 6]) await measureMesh(browser, n)
  } finally {
    await browser.close()
  }
}
