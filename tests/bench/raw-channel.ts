/**
 * `raw_dc_throughput_mbps`, the baseline every stack on the direct path is
 * compared with: the best a page can do with a bare RTCDataChannel between two
 * browser contexts on this machine, no libp2p and no app running.
 *
 * It is the best of a sweep (message size × send-buffer high-water mark ×
 * where the channel is driven: the page's main thread, or a dedicated worker
 * the channel is transferred to where the browser allows it), each setting
 * measured {@link SWEEP_RUNS} times over {@link SWEEP_BYTES} (its best counts);
 * the {@link FINALISTS} best are then measured {@link FINAL_RUNS} times each
 * over {@link THROUGHPUT_BYTES}, and the best of their medians is the figure.
 * The settings that won are printed with it.
 *
 * Each setting runs on a fresh negotiated channel (same id on both sides, so
 * each side creates its end in one task and can transfer it at once, which is
 * when a browser allows it) over one RTCPeerConnection pair per browser.
 */
import { createServer } from 'node:http'
import { browserCpuSeconds } from './cpu.ts'
import { median, newContext, print } from './lib.ts'
import type { Browser, Page } from '@playwright/test'
import type { AddressInfo } from 'node:net'

export const THROUGHPUT_BYTES = 64 * 1024 * 1024
const SWEEP_BYTES = 32 * 1024 * 1024
const SWEEP_RUNS = 2
const FINALISTS = 3
const FINAL_RUNS = 3
const MESSAGE_SIZES = [16 * 1024, 64 * 1024, 256 * 1024]
/** Chromium refuses a send past 16 MiB queued, so the marks stay well below it. */
const HIGH_WATER_MARKS = [1024 * 1024, 4 * 1024 * 1024, 8 * 1024 * 1024]

export interface RawSettings {
  messageBytes: number
  highWaterBytes: number
  where: 'main' | 'worker'
}

export function describeSettings (s: RawSettings): string {
  return `message=${s.messageBytes / 1024}KiB high_water=${s.highWaterBytes / (1024 * 1024)}MiB thread=${s.where}`
}

/**
 * The page-side code: the same functions drive a channel on the main thread
 * (the quiet page's script) or in a worker (/worker.js).
 */
const CHANNEL_CODE = `
  self.__now = () => performance.timeOrigin + performance.now();
  self.__receive = (channel, total) => new Promise((resolve, reject) => {
    channel.binaryType = 'arraybuffer';
    let bytes = 0; let first = 0;
    channel.onmessage = ({ data }) => {
      if (bytes === 0) first = self.__now();
      bytes += data.byteLength;
      if (bytes >= total) { resolve({ first, last: self.__now(), bytes }); channel.close() }
    };
    channel.onerror = (e) => { reject(new Error('receiver channel error: ' + (e.error && e.error.message))) };
  });
  self.__send = async (channel, total, messageBytes, highWater) => {
    if (channel.readyState !== 'open') await new Promise((resolve) => { channel.addEventListener('open', resolve, { once: true }) });
    channel.bufferedAmountLowThreshold = highWater / 4;
    const payload = new Uint8Array(messageBytes);
    const started = self.__now();
    for (let sent = 0; sent < total; sent += messageBytes) {
      if (channel.bufferedAmount > highWater) {
        await new Promise((resolve) => { channel.onbufferedamountlow = resolve });
      }
      channel.send(payload);
    }
    return started;
  };
`

const WORKER_CODE = `${CHANNEL_CODE}
  self.onmessage = async ({ data }) => {
    try {
      const result = data.role === 'send'
        ? await self.__send(data.channel, data.total, data.messageBytes, data.highWater)
        : await self.__receive(data.channel, data.total);
      self.postMessage({ ok: true, result });
    } catch (err) {
      self.postMessage({ ok: false, error: String(err) });
    }
  };
`

interface PageApi {
  __pc: RTCPeerConnection
  __runs: Map<number, Promise<unknown>>
  __receive: (channel: RTCDataChannel, total: number) => Promise<{ first: number, last: number, bytes: number }>
  __send: (channel: RTCDataChannel, total: number, messageBytes: number, highWater: number) => Promise<number>
  __inWorker: (role: 'send' | 'receive', channel: RTCDataChannel, args: Record<string, number>) => Promise<unknown>
}

/**
 * A quiet page of its own origin on loopback: nothing but the channel code
 * (no app, no Content-Security-Policy in the way of its worker).
 */
async function quietServer (): Promise<{ url: string, close: () => Promise<void> }> {
  const page = `<!doctype html><meta charset="utf-8"><title>raw channel</title><script>${CHANNEL_CODE}
    self.__pc = new RTCPeerConnection({ iceServers: [] });
    self.__runs = new Map();
    self.__inWorker = async (role, channel, args) => {
      const worker = new Worker('/worker.js');
      // transferred in the task that created the channel, as browsers require
      worker.postMessage({ role, channel, ...args }, [channel]);
      try {
        return await new Promise((resolve, reject) => {
          worker.onmessage = ({ data }) => { if (data.ok) resolve(data.result); else reject(new Error(data.error)) };
          worker.onerror = (e) => { reject(new Error(e.message)) };
        });
      } finally {
        worker.terminate();
      }
    };
  </script>`
  const server = createServer((req, res) => {
    const worker = req.url === '/worker.js'
    res.writeHead(200, { 'Content-Type': worker ? 'text/javascript' : 'text/html' })
    res.end(worker ? WORKER_CODE : page)
  })
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/`,
    close: async () => { await new Promise(resolve => { server.close(resolve); server.closeAllConnections() }) }
  }
}

/** One side's local description once every candidate is gathered (no trickle: loopback only). */
async function describe (page: Page, remote: RTCSessionDescriptionInit | null): Promise<RTCSessionDescriptionInit> {
  return await page.evaluate(async (remote) => {
    const pc = (window as unknown as PageApi).__pc
    if (remote == null) {
      // a channel so that the offer has an SCTP section; the measured ones are negotiated later
      pc.createDataChannel('setup')
      await pc.setLocalDescription(await pc.createOffer())
    } else if (remote.type === 'offer') {
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
  }, remote)
}

/** Whether this browser lets a page transfer an RTCDataChannel to a worker. */
async function canTransferChannels (page: Page): Promise<boolean> {
  return await page.evaluate(() => {
    const pc = new RTCPeerConnection()
    try {
      const channel = pc.createDataChannel('probe')
      new MessageChannel().port1.postMessage(channel, [channel as unknown as Transferable])
      return true
    } catch {
      return false
    } finally {
      pc.close()
    }
  })
}

interface Pair { sender: Page, receiver: Page, close: () => Promise<void> }

async function connectedPair (browser: Browser, url: string): Promise<Pair> {
  const a = await newContext(browser)
  const b = await newContext(browser)
  const sender = await a.newPage()
  const receiver = await b.newPage()
  await sender.goto(url)
  await receiver.goto(url)
  const offer = await describe(sender, null)
  const answer = await describe(receiver, offer)
  await describe(sender, answer)
  return { sender, receiver, close: async () => { await a.close(); await b.close() } }
}

/** Above the ids the set-up channel may take. */
let nextChannelId = 10

/** One transfer of `total` bytes with `settings`: Mbit/s, and the browser's CPU seconds over it. */
async function measure (pair: Pair, settings: RawSettings, total: number): Promise<{ mbps: number, cpuS: number }> {
  const cpu = browserCpuSeconds() ?? NaN
  const id = nextChannelId++
  const args = { id, total, messageBytes: settings.messageBytes, highWater: settings.highWaterBytes, inWorker: settings.where === 'worker' }
  await pair.receiver.evaluate((a) => {
    const w = window as unknown as PageApi
    const channel = w.__pc.createDataChannel(`bench-${a.id}`, { negotiated: true, id: a.id, ordered: true })
    w.__runs.set(a.id, a.inWorker ? w.__inWorker('receive', channel, { total: a.total }) : w.__receive(channel, a.total))
  }, args)
  const started = await pair.sender.evaluate(async (a) => {
    const w = window as unknown as PageApi
    const channel = w.__pc.createDataChannel(`bench-${a.id}`, { negotiated: true, id: a.id, ordered: true })
    const run = a.inWorker
      ? w.__inWorker('send', channel, { total: a.total, messageBytes: a.messageBytes, highWater: a.highWater })
      : w.__send(channel, a.total, a.messageBytes, a.highWater)
    return await run as number
  }, args)
  const done = await pair.receiver.evaluate(async (id) => await (window as unknown as PageApi).__runs.get(id), id) as { last: number, bytes: number }
  return { mbps: done.bytes * 8 / 1e6 / ((done.last - started) / 1000), cpuS: (browserCpuSeconds() ?? NaN) - cpu }
}

/**
 * Sweeps the settings, prints the winner's median as `raw_dc_throughput_mbps`
 * and each setting's figure, and returns the figure.
 */
export async function benchRawThroughput (browser: Browser): Promise<number> {
  const server = await quietServer()
  const pair = await connectedPair(browser, server.url)
  try {
    const places: Array<RawSettings['where']> = (await canTransferChannels(pair.sender)) ? ['main', 'worker'] : ['main']
    const swept: Array<{ settings: RawSettings, mbps: number }> = []
    for (const where of places) {
      for (const messageBytes of MESSAGE_SIZES) {
        for (const highWaterBytes of HIGH_WATER_MARKS) {
          const settings = { messageBytes, highWaterBytes, where }
          const runs: number[] = []
          for (let i = 0; i < SWEEP_RUNS; i++) runs.push((await measure(pair, settings, SWEEP_BYTES)).mbps)
          swept.push({ settings, mbps: Math.max(...runs) })
        }
      }
    }
    swept.sort((x, y) => y.mbps - x.mbps)
    for (const { settings, mbps } of swept) console.log(`  raw sweep ${describeSettings(settings)}: ${mbps.toFixed(1)} Mbit/s`)
    // the few best, measured again at full size: one lucky sweep run does not decide
    let best: { settings: RawSettings, mbps: number, cpuS: number } | undefined
    for (const { settings } of swept.slice(0, FINALISTS)) {
      const runs: Array<{ mbps: number, cpuS: number }> = []
      for (let i = 0; i < FINAL_RUNS; i++) runs.push(await measure(pair, settings, THROUGHPUT_BYTES))
      const mbps = median(runs.map(r => r.mbps))
      const cpuS = median(runs.map(r => r.cpuS))
      console.log(`  raw final ${describeSettings(settings)}: median ${mbps.toFixed(1)} Mbit/s of ${runs.map(r => r.mbps.toFixed(1)).join(', ')}; browser CPU ${cpuS.toFixed(2)} s`)
      if (best == null || mbps > best.mbps) best = { settings, mbps, cpuS }
    }
    if (best == null) throw new Error('the raw sweep measured nothing')
    const value = best.mbps
    print('raw_dc_throughput_mbps', value, 'Mbit/s')
    if (Number.isFinite(best.cpuS)) print('raw_dc_cpu_s', best.cpuS, 's')
    rawCpu = best.cpuS
    console.log(`  raw_dc_throughput_mbps settings: ${describeSettings(best.settings)}`)
    return value
  } finally {
    await pair.close()
    await server.close()
  }
}

const beaten: string[] = []

/**
 * A stack on top of the bare channel cannot be faster than it: if one is, the
 * baseline is wrong. Noted here; the run fails at the end ({@link baselineProblems}).
 */
export function checkAgainstBaseline (name: string, value: number, raw: number): void {
  if (value > raw) {
    const problem = `${name} ${value.toFixed(1)} Mbit/s beats raw_dc_throughput_mbps ${raw.toFixed(1)} Mbit/s: the baseline is not the best a page can do`
    console.error(`!! ${problem}`)
    beaten.push(problem)
  }
}

/** raw_dc_cpu_s of this run's baseline (NaN before it ran, or where the CPU could not be read). */
let rawCpu = NaN

/**
 * Prints `<name>` = `cpuS` ÷ raw_dc_cpu_s of the same run: the browser CPU a
 * stack spends on 64 MiB against the bare channel's (issue 60's
 * file_cpu_ratio ≤ 1.6 and bridge_cpu_ratio ≤ 1.15). Says so where either is
 * missing.
 */
export function printCpuRatio (name: string, cpuS: number): void {
  if (Number.isFinite(cpuS) && Number.isFinite(rawCpu) && rawCpu > 0) print(name, cpuS / rawCpu, 'ratio')
  else console.error(`!! ${name}: no browser CPU figure to compare (${cpuS} s against raw_dc_cpu_s ${rawCpu} s)`)
}

export function baselineProblems (): readonly string[] {
  return beaten
}
