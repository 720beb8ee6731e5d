/**
 * Ports for a relay that must come back on the same addresses in test after
 * test (tests/e2e/prepared.ts). Chosen below Linux's ephemeral range
 * (32768–60999): a port the system hands out to any socket asking for port 0
 * (a browser's ICE candidates, another test's relay) could be taken while the
 * relay is down between two tests; one down here is ours until we let it go.
 */
import { createSocket } from 'node:dgram'
import { createServer } from 'node:net'

const LOW = 20_000
const HIGH = 32_000
const TRIES = 200
/** Slices of the range, one per Playwright worker (TEST_PARALLEL_INDEX) */
const SLICES = 6

async function tcpFree (host: string, port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => { resolve(false) })
    server.listen(port, host, () => { server.close(() => { resolve(true) }) })
  })
}

async function udpFree (host: string, port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = createSocket('udp4')
    socket.once('error', () => { socket.close(); resolve(false) })
    socket.bind(port, host, () => { socket.close(() => { resolve(true) }) })
  })
}

/** A TCP port and a UDP port on `host`, both free now, outside the ephemeral range. */
export async function fixedPorts (host = '127.0.0.1'): Promise<{ tcp: number, udp: number }> {
  // each Playwright worker draws from a slice of its own, so one worker's relay never takes a port
  // another's prepared relay left free between two of its tests
  const slice = Math.floor((HIGH - LOW) / SLICES)
  const low = LOW + (Number(process.env['TEST_PARALLEL_INDEX'] ?? 0) % SLICES) * slice
  const pick = (): number => low + Math.floor(Math.random() * slice)
  let tcp: number | undefined
  let udp: number | undefined
  for (let i = 0; i < TRIES && (tcp === undefined || udp === undefined); i++) {
    const port = pick()
    if (tcp === undefined && await tcpFree(host, port)) tcp = port
    else if (udp === undefined && await udpFree(host, port)) udp = port
  }
  if (tcp === undefined || udp === undefined) throw new Error(`no free ports between ${low} and ${low + slice} on ${host}`)
  return { tcp, udp }
}

/** True when TCP port `tcp` and UDP port `udp` on `host` are both free now (ports {@link fixedPorts} gave before, to use again). */
export async function portsFree (tcp: number, udp: number, host = '127.0.0.1'): Promise<boolean> {
  return await tcpFree(host, tcp) && await udpFree(host, udp)
}
