import { befriend, expectPath } from '../e2e/helpers/parley.ts'
import { median, print, twoPeople } from './lib.ts'
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
  const { pageA, pageB, close } = await twoPeople(browser, url)
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
  await close()
  return done.bytes * 8 / 1e6 / ((done.last - start) / 1000)
}

export async function benchRawThroughput (browser: Browser, url: string): Promise<number> {
  const runs: number[] = []
  for (let i = 0; i < RAW_RUNS; i++) runs.push(await rawRun(browser, url))
  const value = median(runs)
  print('raw_dc_throughput_mbps', value, 'Mbit/s')
  return value
}

const BRIDGE_RUNS = 3

/**
 * Calls the node's `speedTest` RPC from the page over a port of its own to
 * the app's SharedWorker (same script URL and name, so the same worker),
 * speaking the documented RPC wire format (src/lib/rpc/protocol.ts).
 */
async function speedTestFromPage (page: Page, workerUrl: string, contactId: number, bytes: number): Promise<{ bytes: number, ms: number }> {
  return page.evaluate(async ({ workerUrl, contactId, bytes }) => {
    const worker = new SharedWorker(workerUrl, { type: 'module', name: 'parley-node' })
    const port = worker.port
    const reply = new Promise<{ bytes: number, ms: number }>((resolve, reject) => {
      port.onmessage = ({ data }: MessageEvent<{ type: string, id?: number, ok?: boolean, result?: { bytes: number, ms: number }, error?: { message: string } }>) => {
        if (data.type === 'welcome') port.postMessage({ type: 'call', id: 1, method: 'speedTest', params: { contactId, bytes } })
        if (data.type === 'result' && data.id === 1) {
          if (data.ok === true && data.result != null) resolve(data.result)
          else reject(new Error(data.error?.message ?? 'speed test failed'))
        }
      }
    })
    port.start()
    port.postMessage({ type: 'arrive' })
    try {
      return await reply
    } finally {
      port.postMessage({ type: 'leave' })
      port.close()
    }
  }, { workerUrl, contactId, bytes })
}

/** `bridge_throughput_mbps`: 64 MiB over a libp2p stream on the direct connection, through both workers' bridges. */
export async function benchBridgeThroughput (browser: Browser, url: string, raw: number): Promise<void> {
  const { pageA, pageB, close } = await twoPeople(browser, url)
  await befriend(pageA, pageB)
  await expectPath(pageA, 'direct')
  await expectPath(pageB, 'direct')

  const cdp = await browser.newBrowserCDPSession()
  const { targetInfos } = await cdp.send('Target.getTargets')
  await cdp.detach()
  const workerUrl = targetInfos.find(t => t.type === 'shared_worker')?.url
  if (workerUrl == null) throw new Error('no shared worker found')
  // Alice's only contact is Bob: contact id 1 in her fresh database
  const runs: number[] = []
  for (let i = 0; i < BRIDGE_RUNS; i++) {
    const result = await speedTestFromPage(pageA, workerUrl, 1, THROUGHPUT_BYTES)
    runs.push(result.bytes * 8 / 1e6 / (result.ms / 1000))
  }
  await close()
  const value = median(runs)
  print('bridge_throughput_mbps', value, 'Mbit/s')
  print('bridge_vs_raw_ratio', value / raw, 'ratio')
}
