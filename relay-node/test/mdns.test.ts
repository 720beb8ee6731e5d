/**
 * Issue 6: "optional mDNS so relay-nodes on one LAN find each other".
 *
 * mDNS multicasts on every interface, so it never runs in this process's
 * network namespace: the fixture runs in a fresh one (`unshare -n`) that has
 * only `lo`, and refuses to run anywhere else.
 */
import { spawn } from 'node:child_process'
import { readlinkSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { dataDir, useRelayTestDir } from './helpers.ts'

useRelayTestDir()

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))
const FIXTURE = fileURLToPath(new URL('./fixtures/mdns-pair.ts', import.meta.url))
/** Start-up of tsx and two relays on a busy machine, plus the fixture's own 20 s limit. */
const RUN_TIMEOUT_MS = 40_000

interface Discovery { peer: string, addresses: string[], connected: boolean, ms: number }
interface PairResult {
  ok: boolean
  error?: string
  netns: string
  interfaces: string[]
  elapsedMs: number
  relays: Array<{ peerId: string, addresses: string[], discovered: Discovery[], dhtPeers: number }>
  connection: { direction: string, remoteAddr: string } | null
}

/** Runs the fixture in a new network namespace with only `lo` up; resolves with its exit code and output. */
async function runInNetns (): Promise<{ code: number | null, stdout: string, stderr: string }> {
  // the paths go in as "$0" "$1" "$2": no quoting to get wrong
  const script = 'ip link set lo up && exec "$0" --import tsx "$1" "$2"'
  const child = spawn('unshare', ['--net', '--', 'sh', '-c', script, process.execPath, FIXTURE, dataDir], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const timer = setTimeout(() => { child.kill('SIGKILL') }, RUN_TIMEOUT_MS)
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject)
      child.once('close', resolve)
    })
    return { code, stdout, stderr }
  } finally {
    clearTimeout(timer)
  }
}

describe('mDNS', () => {
  it('two relay-nodes with --mdns on find each other, connect and share the DHT (in a network namespace of their own)', async () => {
    const run = await runInNetns()
    if (run.code !== 0 && /unshare|Operation not permitted|ip: /.test(run.stderr) && !run.stdout.includes('{')) {
      throw new Error(`the mDNS test needs a network namespace of its own (\`unshare --net\`, root or user namespaces) and refuses to multicast on this machine's network; it could not make one: ${run.stderr.trim()}`)
    }
    const line = run.stdout.trim().split('\n').at(-1) ?? ''
    let result: PairResult
    try {
      result = JSON.parse(line) as PairResult
    } catch {
      throw new Error(`the mDNS fixture exited with code ${String(run.code)} without a result line\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`)
    }
    expect(result.error).toBeUndefined()
    expect(result.ok).toBe(true)
    expect(run.code).toBe(0)

    // it ran in another network namespace, one with nothing but loopback
    expect(result.netns).toMatch(/^net:\[\d+\]$/)
    expect(result.netns).not.toBe(readlinkSync('/proc/self/ns/net'))
    expect(result.interfaces).toEqual(['lo'])

    const [r1, r2] = result.relays
    if (r1 == null || r2 == null) throw new Error('the fixture reported fewer than two relays')
    expect(r1.peerId).not.toBe(r2.peerId)
    // libp2p reports a peer as discovered only while it is new: whichever hears the other's
    // mDNS answer first dials it, and the other then knows it from that connection
    const heard = [[r1, r2], [r2, r1]].flatMap(([self, other]) => (self?.discovered ?? []).filter(d => d.peer === other?.peerId).map(d => ({ d, other })))
    expect(heard.length).toBeGreaterThan(0)
    for (const { d, other } of heard) {
      // what it found are the other's listen addresses (mDNS announces them without /p2p/)
      const announced = (other?.addresses ?? []).map(a => a.replace(`/p2p/${other?.peerId ?? ''}`, ''))
      expect(d.addresses.length).toBeGreaterThan(0)
      for (const address of d.addresses) expect(announced).toContain(address)
    }
    // learnt before any connection existed: from mDNS alone (there is no bootstrap list)
    expect(heard.some(({ d }) => !d.connected)).toBe(true)
    expect(r1.dhtPeers).toBe(1)
    expect(r2.dhtPeers).toBe(1)
    expect(result.connection?.remoteAddr).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+/)
    expect(result.elapsedMs).toBeLessThan(20_000)
  })
})
