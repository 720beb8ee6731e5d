/**
 * The NAT lab's network: Linux network namespaces made with iproute2 and
 * nftables, owned by one test run and deleted at its end (root only).
 *
 *   ┌──────────── <id>-pub ("the internet") ────────────┐
 *   │ br0 203.0.113.1/24: relay-node, coturn, web server │
 *   └───┬────────────────────────────────────────┬──────┘
 *       │ wan 203.0.113.11                       │ wan 203.0.113.12
 *   <id>-r1 router: nftables NAT of one type  <id>-r2 …
 *       │ lan 10.0.1.1                           │ lan 10.0.2.1
 *   <id>-h1 host 10.0.1.2: Chromium           <id>-h2 host 10.0.2.2
 *
 * Hosts reach nothing but their router; the routers reach the shared public
 * segment; nothing reaches the machine's own network. Chromium in a host and
 * the test process talk over a pipe (`ip netns exec` keeps inherited file
 * descriptors), which no namespace boundary affects.
 *
 * A site made `{ wire: true }` has a userspace link between host and router
 * (tests/lab/wire.py): this kernel has no netem, so delay and loss are added
 * there (see {@link Site.impair}).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isAlive } from '../../scripts/lib/process-alive.ts'

/**
 * How a site's router translates (RFC 4787 terms):
 * - `cone`: endpoint-independent mapping and filtering ("full cone"): one
 *   public port per private port, and anyone may send to it.
 * - `restricted`: endpoint-independent mapping, address- and port-dependent
 *   filtering ("port-restricted cone", Linux masquerade's own behaviour).
 * - `symmetric`: a new random public port for every destination, and only
 *   that destination may answer on it.
 * - `udpblocked`: no UDP leaves at all; TCP out through masquerade (a strict
 *   corporate network: WebRTC needs TURN over TCP, libp2p the WebSocket relay).
 */
export type NatType = 'cone' | 'restricted' | 'symmetric' | 'udpblocked'

export const NAT_TYPES: readonly NatType[] = ['cone', 'restricted', 'symmetric', 'udpblocked']

/**
 * Where ICE can succeed with STUN alone: both sides send UDP, and a symmetric
 * NAT's fresh port per destination only meets a peer that accepts packets
 * from anyone (a full cone).
 */
export function expectDirect (a: NatType, b: NatType, turn: boolean): boolean {
  if (turn) return true
  if (a === 'udpblocked' || b === 'udpblocked') return false
  if (a === 'symmetric' && b === 'symmetric') return false
  if (a === 'symmetric') return b === 'cone'
  if (b === 'symmetric') return a === 'cone'
  return true
}

export const PUBLIC_IP = '203.0.113.1'
const PUBLIC_PREFIX = '203.0.113'
const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..')
const WIRE_SCRIPT = resolve(REPO_ROOT, 'tests/lab/wire.py')
/** Set-up commands are local kernel calls; this is for a wedged one. */
const COMMAND_TIMEOUT_MS = 15_000
/** The wire answers each control line at once. */
const WIRE_REPLY_TIMEOUT_MS = 5_000
/** Sites made per lab, removed ones included (hosts 10.0.<n>.2, routers 203.0.113.<10 + n>). */
const MAX_SITES = 200

export class LabError extends Error {
  override name = 'LabError'
}

/** Runs a command, resolving with stdout; rejects with its stderr in words. */
export async function sh (command: string, args: string[], input?: string): Promise<string> {
  return await new Promise<string>((resolveRun, rejectRun) => {
    const child = execFile(command, args, { timeout: COMMAND_TIMEOUT_MS, maxBuffer: 1024 * 1024 }, (err, stdout, stderr) => {
      if (err != null) {
        rejectRun(new LabError(`${command} ${args.join(' ')} failed: ${stderr.trim() === '' ? err.message : stderr.trim()}`))
      } else {
        resolveRun(stdout)
      }
    })
    if (input !== undefined) child.stdin?.end(input)
  })
}

/** `ip netns exec <ns> <command…>` as argv. */
export function inNs (ns: string, command: string, args: string[]): [string, string[]] {
  return ['ip', ['netns', 'exec', ns, command, ...args]]
}

async function nsRun (ns: string, command: string, args: string[], input?: string): Promise<string> {
  const [cmd, argv] = inNs(ns, command, args)
  return await sh(cmd, argv, input)
}

function natRules (nat: NatType, publicIp: string, privateIp: string): string {
  const post = {
    cone: `oifname "wan" snat to ${publicIp}`,
    restricted: 'oifname "wan" masquerade',
    symmetric: 'oifname "wan" masquerade fully-random',
    udpblocked: 'oifname "wan" masquerade'
  }[nat]
  // full cone: every unsolicited UDP packet to the public address goes to the host
  const pre = nat === 'cone' ? `iifname "wan" ip daddr ${publicIp} meta l4proto udp dnat to ${privateIp}` : ''
  const forward = nat === 'udpblocked' ? 'meta l4proto udp drop' : ''
  // Unsolicited packets to the router itself are dropped in `input`, before
  // conntrack confirms them: otherwise a peer's hole-punching packet that
  // arrives first leaves an entry behind that makes masquerade pick another
  // port for our own packet to that peer, and no hole ever opens (consumer
  // routers keep the port).
  return `
table ip lab {
  chain prerouting {
    type nat hook prerouting priority dstnat;
    ${pre}
  }
  chain postrouting {
    type nat hook postrouting priority srcnat;
    ${post}
  }
  chain input {
    type filter hook input priority filter; policy accept;
    iifname "wan" ct state new drop;
  }
  chain forward {
    type filter hook forward priority filter; policy accept;
    ${forward}
  }
}
`
}

/** The userspace link of a `{ wire: true }` site: one python process, one control line at a time. */
class Wire {
  readonly #child: ChildProcess
  readonly #lines: AsyncIterator<string>
  #queue: Promise<unknown> = Promise.resolve()

  private constructor (child: ChildProcess) {
    this.#child = child
    if (child.stdout == null) throw new LabError('wire has no stdout')
    this.#lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  }

  static async start (ns: string, ifA: string, ifB: string): Promise<Wire> {
    const [cmd, argv] = inNs(ns, 'python3', [WIRE_SCRIPT, ifA, ifB])
    const child = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'inherit'] })
    const wire = new Wire(child)
    const first = await wire.#next()
    if (first !== 'ready') throw new LabError(`wire did not start: ${first}`)
    return wire
  }

  async #next (): Promise<string> {
    let timer: ReturnType<typeof setTimeout> | undefined
    try {
      const line = await Promise.race([
        this.#lines.next(),
        new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => { reject(new LabError('wire did not answer')) }, WIRE_REPLY_TIMEOUT_MS)
        })
      ])
      if (line.done === true) throw new LabError('wire exited')
      return line.value
    } finally {
      clearTimeout(timer)
    }
  }

  /** Sends one control line and returns the wire's answer; an `error …` answer rejects. */
  async command (line: string): Promise<string> {
    const run = this.#queue.then(async () => {
      this.#child.stdin?.write(`${line}\n`)
      const answer = await this.#next()
      if (answer.startsWith('error')) throw new LabError(`wire refused "${line}": ${answer}`)
      return answer
    })
    this.#queue = run.catch(() => {})
    return await run
  }

  async stop (): Promise<void> {
    if (this.#child.exitCode != null) return
    const exited = new Promise(resolveExit => this.#child.once('exit', resolveExit))
    this.#child.stdin?.end()
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), WIRE_REPLY_TIMEOUT_MS)
    await exited
    clearTimeout(timer)
  }
}

/** One person's place on the network: a host behind its own NAT router. */
export interface Site {
  readonly index: number
  readonly nat: NatType
  /** namespace of the host (Chromium runs here) */
  readonly host: string
  /** namespace of the router */
  readonly router: string
  readonly publicIp: string
  readonly privateIp: string
  /** Cuts (false) or restores (true) the host's link to its router. */
  setLink(up: boolean): Promise<void>
  /** Delay (one way, ms) and loss (%) on the host–router link; needs `{ wire: true }`. */
  impair(delayMs: number, lossPct: number): Promise<void>
  /** Deletes the host and router (the lab deletes what is left at close). */
  remove(): Promise<void>
}

export class NetLab {
  readonly id: string
  readonly publicNs: string
  readonly #namespaces: string[] = []
  readonly #wires: Wire[] = []
  #made = 0

  private constructor (id: string) {
    this.id = id
    this.publicNs = `${id}-pub`
  }

  /** Creates the public namespace: a bridge with {@link PUBLIC_IP}. `id` must be unique on the machine. */
  static async create (id: string): Promise<NetLab> {
    if (!/^[a-z][a-z0-9]{0,11}$/.test(id)) throw new LabError(`lab id must be 1–12 lower-case letters or digits, got "${id}"`)
    if (process.getuid?.() !== 0) throw new LabError('the NAT lab needs root (ip netns, nftables)')
    const lab = new NetLab(id)
    try {
      await lab.#addNs(lab.publicNs)
      await nsRun(lab.publicNs, 'ip', ['link', 'add', 'br0', 'type', 'bridge'])
      await nsRun(lab.publicNs, 'ip', ['addr', 'add', `${PUBLIC_IP}/24`, 'dev', 'br0'])
      await nsRun(lab.publicNs, 'ip', ['link', 'set', 'br0', 'up'])
      // The rest of the internet: a default route into a link that leads
      // nowhere. Without one, a send to an address nobody routes (a peer's
      // private host candidate, relayed through coturn) fails at once with
      // ENETUNREACH, and coturn closes the whole allocation on that error;
      // on the real internet such packets just vanish.
      await sh('ip', ['link', 'add', 'name', 'void0', 'netns', lab.publicNs, 'type', 'veth', 'peer', 'name', 'void1', 'netns', lab.publicNs])
      for (const dev of ['void0', 'void1']) await nsRun(lab.publicNs, 'ip', ['link', 'set', dev, 'up'])
      await nsRun(lab.publicNs, 'ip', ['route', 'add', 'default', 'dev', 'void0'])
    } catch (err) {
      await lab.close()
      throw err
    }
    return lab
  }

  async #addNs (name: string): Promise<void> {
    await sh('ip', ['netns', 'add', name])
    this.#namespaces.push(name)
    // The lab is IPv4 only. Without this, each link that comes up gets an IPv6
    // link-local address a second or so later (once duplicate detection ends),
    // and Chromium takes that for a network change: it fails the requests then in
    // flight (net::ERR_NETWORK_CHANGED), such as the app's own scripts as it opens.
    for (const key of ['all', 'default']) await nsRun(name, 'sysctl', ['-qw', `net.ipv6.conf.${key}.disable_ipv6=1`])
    await nsRun(name, 'ip', ['link', 'set', 'lo', 'up'])
  }

  /** A host behind a new router of type `nat`. */
  async addSite (nat: NatType, options: { wire?: boolean } = {}): Promise<Site> {
    const index = ++this.#made
    if (index > MAX_SITES) throw new LabError(`at most ${MAX_SITES} sites per lab`)
    const router = `${this.id}-r${index}`
    const host = `${this.id}-h${index}`
    const publicIp = `${PUBLIC_PREFIX}.${10 + index}`
    const privateIp = `10.0.${index}.2`
    const gateway = `10.0.${index}.1`
    let wire: Wire | undefined
    await this.#addNs(router)
    await this.#addNs(host)
    const remove = async (): Promise<void> => {
      if (wire != null) {
        this.#wires.splice(this.#wires.indexOf(wire), 1)
        await wire.stop()
      }
      for (const ns of [host, router]) {
        const at = this.#namespaces.indexOf(ns)
        if (at < 0) continue
        this.#namespaces.splice(at, 1)
        await sh('ip', ['netns', 'del', ns]).catch((err: unknown) => {
          // already gone (deleted by hand): nothing left to clean
          if (!(err instanceof LabError && err.message.includes('No such file'))) throw err
        })
      }
    }

    // router WAN on the public bridge
    await sh('ip', ['link', 'add', 'name', `wan${index}`, 'netns', this.publicNs, 'type', 'veth', 'peer', 'name', 'wan', 'netns', router])
    await nsRun(this.publicNs, 'ip', ['link', 'set', `wan${index}`, 'master', 'br0', 'up'])
    await nsRun(router, 'ip', ['addr', 'add', `${publicIp}/24`, 'dev', 'wan'])
    await nsRun(router, 'ip', ['link', 'set', 'wan', 'up'])

    // host LAN, straight or through the userspace wire
    if (options.wire === true) {
      await sh('ip', ['link', 'add', 'name', 'eth0', 'netns', host, 'type', 'veth', 'peer', 'name', 'wl0', 'netns', router])
      await sh('ip', ['link', 'add', 'name', 'wl1', 'netns', router, 'type', 'veth', 'peer', 'name', 'lan', 'netns', router])
      for (const dev of ['wl0', 'wl1']) await nsRun(router, 'ip', ['link', 'set', dev, 'up'])
      // one frame per packet (no GSO super-frames), so the wire's loss is per packet
      for (const [ns, dev] of [[host, 'eth0'], [router, 'lan']] as const) {
        await nsRun(ns, 'ip', ['link', 'set', 'dev', dev, 'gso_max_segs', '1'])
      }
    } else {
      await sh('ip', ['link', 'add', 'name', 'eth0', 'netns', host, 'type', 'veth', 'peer', 'name', 'lan', 'netns', router])
    }
    await nsRun(router, 'ip', ['addr', 'add', `${gateway}/24`, 'dev', 'lan'])
    await nsRun(router, 'ip', ['link', 'set', 'lan', 'up'])
    await nsRun(router, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1'])
    await nsRun(router, 'nft', ['-f', '-'], natRules(nat, publicIp, privateIp))
    await nsRun(host, 'ip', ['addr', 'add', `${privateIp}/24`, 'dev', 'eth0'])
    await nsRun(host, 'ip', ['link', 'set', 'eth0', 'up'])
    await nsRun(host, 'ip', ['route', 'add', 'default', 'via', gateway])
    if (options.wire === true) {
      wire = await Wire.start(router, 'wl0', 'wl1')
      this.#wires.push(wire)
    }

    const site: Site = {
      index,
      nat,
      host,
      router,
      publicIp,
      privateIp,
      async setLink (up) {
        await nsRun(host, 'ip', ['link', 'set', 'eth0', up ? 'up' : 'down'])
        // a link coming up loses its routes: the default route goes with it
        if (up) await nsRun(host, 'ip', ['route', 'replace', 'default', 'via', gateway])
      },
      async impair (delayMs, lossPct) {
        if (wire == null) throw new LabError(`site ${index} has no wire: create it with { wire: true }`)
        await wire.command(`set delay_ms=${delayMs} loss_pct=${lossPct}`)
      },
      remove
    }
    return site
  }

  /** Stops the wires and deletes every namespace this lab made (their veths go with them). */
  async close (): Promise<void> {
    await Promise.allSettled(this.#wires.map(async w => await w.stop()))
    for (const ns of this.#namespaces.reverse()) {
      await sh('ip', ['netns', 'del', ns]).catch(() => {
        // already gone: nothing to clean
      })
    }
    this.#namespaces.length = 0
  }
}

/** The lab id of this process: `<prefix><pid>`, so a later run can tell a crashed run's namespaces from a live one's. */
export function labId (prefix: string): string {
  return `${prefix}${process.pid}`
}

/**
 * Deletes namespaces of earlier runs that crashed: names `<prefix><pid>-…`
 * whose process is gone. A run that is still going (another terminal, CI)
 * keeps its own.
 */
export async function removeStaleNamespaces (prefix: string): Promise<void> {
  const list = await sh('ip', ['netns', 'list'])
  for (const line of list.split('\n')) {
    const name = line.split(' ')[0] ?? ''
    const match = new RegExp(`^${prefix}(\\d+)-`).exec(name)
    if (match == null || isAlive(Number(match[1]))) continue
    await sh('ip', ['netns', 'del', name]).catch(() => {
      // gone already
    })
  }
}
