import { median, newContext, print } from './lib.ts'
import type { Browser, Page } from '@playwright/test'

export const THROUGHPUT_BYTES = 64 * 1024 * 1024
const CHUNK_BYTES = 64 * 1024
const HIGH_WATER_BYTES = 4 * 1024 * 1024
const RAW_RUNS = 3

interface RawWindow {
  __pc: RTCPeerConnection
  __done: Promise<{ first: number, last: number, bytes: number }>
}

/** Creates a pc in the page and returns its complete local description (all candidates gathered). */
async function offerOrAnswer (page: Page, remote: RTCSessionDescriptionInit | null): Promise<RTCSessionDescriptionInit> {
  return page.evaluate(async ({ remote, total }) => {
    const w = window as unknown as RawWindow
    const pc = w.__pc ?? new RTCPeerConnection({ iceServers: [] })
    w.__pc = pc
    if (remote == null) {
      const channel = pc.createDataChannel('bench', { ordered: true })
      channel.binaryType = 'arraybuffer'
      ;(window as unknown as { __channel: RTCDataChannel }).__channel = channel
      await pc.setLocalDescription(await pc.createOffer())
    } else if (remote.type === 'offer') {
      w.__done = new Promise(resolve => {
        pc.ondatachannel = ({ channel }) => {
          channel.binaryType = 'arraybuffer'
          let bytes = 0
          let first = 0
          channel.onmessage = ({ data }) => {
            if (bytes === 0) first = performance.timeOrigin + performance.now()
            bytes += (data as ArrayBuffer).byteLength
            if (bytes >= total) resolve({ first, last: performance.timeOrigin + performance.now(), bytes })
          }
        }
      })
      await pc.setRemoteDescription(remote)
      await pc.setLocalDescription(await pc.createAnswer())
    } else {
      await pc.setRemoteDescription(remote)
      return remote
    }
    if (pc.iceGatheringState !== 'complete') {
      await new Promise<void>(resolve => {
        pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') resolve() })
      })
    }
    const local = pc.localDescription
    if (local == null) throw new Error('no local description')
    return { type: local.type, sdp: local.sdp }
  }, { remote, total: THROUGHPUT_BYTES })
}

/** 64 MiB over a plain RTCDataChannel between two contexts (no libp2p, no worker), in Mbit/s. */
async function rawRun (browser: Browser, url: string): Promise<number> {
  const a = await newContext(browser)
  const b = await newContext(browser)
  const pageA = await a.newPage()
  const pageB = await b.newPage()
  await pageA.goto(url)
  await pageB.goto(url)
  const offer = await offerOrAnswer(pageA, null)
  const answer = await offerOrAnswer(pageB, offer)
  await offerOrAnswer(pageA, answer)
  const start = await pageA.evaluate(async ({ total, chunk, high }) => {
    const channel = (window as unknown as { __channel: RTCDataChannel }).__channel
    if (channel.readyState !== 'open') await new Promise(resolve => { channel.onopen = resolve })
    channel.bufferedAmountLowThreshold = high / 4
    const payload = new Uint8Array(chunk)
    const started = performance.timeOrigin + performance.now()
    for (let sent = 0; sent < total; sent += chunk) {
      if (channel.bufferedAmount > high) {
        await new Promise(resolve => { channel.onbufferedamountlow = resolve })
      }
      channel.send(payload)
    }
    return started
  }, { total: THROUGHPUT_BYTES, chunk: CHUNK_BYTES, high: HIGH_WATER_BYTES })
  const done = await pageB.evaluate(async () => (window as unknown as RawWindow).__done)
  await a.close()
  await b.close()
  return done.bytes * 8 / 1e6 / ((done.last - start) / 1000)
}

export async function benchRawThroughput (browser: Browser, url: string): Promise<number> {
  const runs: number[] = []
  for (let i = 0; i < RAW_RUNS; i++) runs.push(await rawRun(browser, url))
  const value = median(runs)
  print('raw_dc_throughput_mbps', value, 'Mbit/s')
  return value
}
