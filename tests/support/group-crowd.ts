/**
 * A crowd of the app's nodes forming one group, for the large-group
 * integration test (tests/integration/groups-scale.test.ts) and the group
 * benchmarks (tests/bench/group.ts). The members run in a few child
 * processes (tests/support/group-host.ts), not in this one: 32 libp2p nodes
 * on one event loop saturate it, and then handshakes and exchanges time out
 * for want of CPU, not for anything the app did (docs/testing.md, "Large
 * groups"). No Vitest here, so that the benchmarks can use it under tsx;
 * conditions are polled with a bound.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { ChildProcess } from 'node:child_process'
import type { NodeMethod, NodeParams, NodeResult } from '../../src/lib/contract/index.ts'
import type { ContactId, GroupDeliveryRow, GroupRow } from '../../src/lib/db/types.ts'
import type { HeldMessage, HostEvent, HostReply, HostRequest } from './group-host.ts'

export type { HeldMessage } from './group-host.ts'

/** What every setup step and every request to a host gets before it fails (a 2-core machine shared with other tests). */
export const SETUP_TIMEOUT_MS = 120_000
/**
 * How long every member may take to hold every acceptance once the last one
 * was given: 31 acceptances, each to 31 members, most of them not yet
 * connected, through one relay on two cores. It took 66 to 88 s in passing
 * runs and over 120 s in one (CI clone of 3c244ba, three members still
 * lacking others' acceptances); with group traffic in session boxes (each
 * pair of members sets up a session first) 154 to 201 s on a quiet machine,
 * and over 240 s in a CI run of d9599a0 (five members lacking one's). What
 * the group test checks is that they agree, and the bench times it
 * (group_state_converge_ms).
 */
export const FORMATION_TIMEOUT_MS = 420_000
/** Contact pairs made, and invitations accepted, at once. */
const BEFRIEND_CONCURRENCY = 4
/** The tail of a host's output kept for the message when it fails. */
const MAX_OUTPUT_CHARS = 32 * 1024
const HOST_ENTRY = resolve(import.meta.dirname, 'group-host.ts')
const ROOT = resolve(import.meta.dirname, '..', '..')

export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError'
}

/** Polls `check` every `intervalMs` until it returns true; throws WaitTimeoutError naming `what` after `timeoutMs`. */
export async function until (check: () => boolean | Promise<boolean>, what: string, timeoutMs = SETUP_TIMEOUT_MS, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!await check()) {
    if (Date.now() > deadline) throw new WaitTimeoutError(`${what}: not within ${timeoutMs} ms`)
    await new Promise(resolve => setTimeout(resolve, intervalMs))
  }
}

/** Runs `work` on each item, at most `limit` at once; resolves in item order. */
export async function mapLimit<T, R> (items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length)
  let next = 0
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++
      results[i] = await work(items[i] as T, i)
    }
  })
  await Promise.all(lanes)
  return results
}

/** One member, wherever it runs. */
export interface Member {
  readonly name: string
  readonly peerId: string
  /** a contract method, as a tab calls it; `startedAt` / `endedAt`: the host's clock when the call began / returned */
  call<M extends NodeMethod>(method: M, params: NodeParams<M>): Promise<NodeResult<M>>
  callTimed<M extends NodeMethod>(method: M, params: NodeParams<M>): Promise<{ result: NodeResult<M>, startedAt: number, endedAt: number }>
  group(groupId: string): Promise<GroupRow | undefined>
  /** the group's messages in display order (db/groups.ts groupMessages) */
  history(groupId: string): Promise<HeldMessage[]>
  /** deliveries of its own group messages still queued or sent */
  owed(): Promise<number>
  /** deliveries of its messages in the group that did not end delivered */
  undelivered(groupId: string): Promise<GroupDeliveryRow[]>
  /** its contact id of `peerId` once that is an accepted contact */
  contactId(peerId: string): Promise<ContactId | undefined>
  /** the ids and authors of the group's operations it holds */
  ops(groupId: string): Promise<Array<{ id: string, author: string }>>
  /** when its row of the group first said it was out (removed or left), by its host's clock */
  outAt(groupId: string): Promise<number | undefined>
}

export interface Crowd {
  readonly members: Member[]
  /** reports of stored messages and heads changes (Date.now() when they happened) from every host from now on */
  watch(listener: (member: Member, event: HostEvent) => void): Promise<void>
  /** resident memory of the hosts, in MiB, by host */
  rssMiB(): number[]
  /** each host's event-loop delay (p50, p99, max in ms) since the last call */
  lag(): Promise<Array<{ p50: number, p99: number, max: number }>>
  stop(): Promise<void>
}

class Host {
  readonly child: ChildProcess
  readonly #pending = new Map<number, { resolve: (value: unknown) => void, reject: (err: Error) => void, timer: NodeJS.Timeout }>()
  #nextId = 0
  #output = ''
  onEvent: (event: HostEvent) => void = () => {}

  constructor (readonly name: string) {
    const profile = process.env['GROUP_HOST_PROFILE']
    this.child = spawn(process.execPath, [...(profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profile}`]), '--import', 'tsx', HOST_ENTRY], {
      cwd: ROOT,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced'
    })
    const keep = (chunk: Buffer): void => { this.#output = (this.#output + chunk.toString()).slice(-MAX_OUTPUT_CHARS) }
    this.child.stdout?.on('data', keep)
    this.child.stderr?.on('data', keep)
    if (process.env['GROUP_HOST_LOG'] !== undefined) this.child.stderr?.pipe(process.stderr)
    this.child.on('message', (message: HostReply | HostEvent) => {
      if ('event' in message) {
        this.onEvent(message)
        return
      }
      const waiting = this.#pending.get(message.id)
      if (waiting === undefined) return
      this.#pending.delete(message.id)
      clearTimeout(waiting.timer)
      if (message.ok) waiting.resolve(message.value)
      else waiting.reject(Object.assign(new Error(message.error.message), { name: message.error.name }))
    })
    this.child.on('exit', (code, signal) => {
      for (const [id, waiting] of this.#pending) {
        this.#pending.delete(id)
        clearTimeout(waiting.timer)
        waiting.reject(new Error(`${this.name} exited (${String(code ?? signal)}):\n${this.#output}`))
      }
    })
  }

  async request (request: HostRequest, timeoutMs = SETUP_TIMEOUT_MS): Promise<unknown> {
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id)
        reject(new WaitTimeoutError(`${this.name}: no answer to ${request.op} within ${timeoutMs} ms`))
      }, timeoutMs)
      this.#pending.set(id, { resolve, reject, timer })
      this.child.send({ id, ...request })
    })
  }

  rssMiB (): number {
    try {
      const status = readFileSync(`/proc/${this.child.pid ?? 0}/status`, 'utf8')
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024
    } catch {
      return NaN
    }
  }

  async stop (): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    const exited = new Promise(resolve => this.child.once('exit', resolve))
    await this.request({ op: 'stop' }, 30_000).catch(() => {})
    this.child.kill('SIGTERM')
    const timer = setTimeout(() => { this.child.kill('SIGKILL') }, 10_000)
    await exited
    clearTimeout(timer)
  }
}

function memberOf (host: Host, index: number, name: string, peerId: string): Member {
  const callTimed = async <M extends NodeMethod>(method: M, params: NodeParams<M>): Promise<{ result: NodeResult<M>, startedAt: number, endedAt: number }> =>
    await host.request({ op: 'call', member: index, method, params }) as { result: NodeResult<M>, startedAt: number, endedAt: number }
  return {
    name,
    peerId,
    callTimed,
    call: async (method, params) => (await callTimed(method, params)).result,
    group: async (groupId) => await host.request({ op: 'group', member: index, groupId }) as GroupRow | undefined,
    history: async (groupId) => await host.request({ op: 'history', member: index, groupId }) as HeldMessage[],
    owed: async () => await host.request({ op: 'owed', member: index }) as number,
    undelivered: async (groupId) => await host.request({ op: 'undelivered', member: index, groupId }) as GroupDeliveryRow[],
    ops: async (groupId) => await host.request({ op: 'ops', member: index, groupId }) as Array<{ id: string, author: string }>,
    contactId: async (peerId) => await host.request({ op: 'contactId', member: index, peerId }) as ContactId | undefined,
    outAt: async (groupId) => await host.request({ op: 'outAt', member: index, groupId }) as number | undefined
  }
}

/**
 * `count` members named M00, M01, … spread over `hosts` child processes
 * (member i on host i mod hosts), each online through the relays at
 * `relays`. Stops every host if one fails to start.
 */
export async function startCrowd (relays: string[], count: number, hosts: number, options: { webrtc?: boolean } = {}): Promise<Crowd> {
  const started = Array.from({ length: hosts }, (_, h) => new Host(`group host ${h}`))
  const names = Array.from({ length: count }, (_, i) => `M${String(i).padStart(2, '0')}`)
  const members: Member[] = []
  try {
    await Promise.all(started.map(async (host, h) => {
      const mine = names.filter((_, i) => i % hosts === h)
      // each host lists the relays from its own one on, so that a crowd's traffic spreads over them
      const first = relays.length === 0 ? 0 : h % relays.length
      const own = [...relays.slice(first), ...relays.slice(0, first)]
      const peerIds = await host.request({ op: 'start', relays: own, names: mine, webrtc: options.webrtc ?? true }) as string[]
      mine.forEach((name, j) => { members[h + j * hosts] = memberOf(host, j, name, peerIds[j] ?? '') })
    }))
  } catch (err) {
    await Promise.allSettled(started.map(async host => host.stop()))
    throw err
  }
  return {
    members,
    async watch (listener) {
      started.forEach((host, h) => {
        host.onEvent = (event) => {
          const member = members[h + event.member * hosts]
          if (member !== undefined) listener(member, event)
        }
      })
      await Promise.all(started.map(async host => host.request({ op: 'watch' })))
    },
    rssMiB: () => started.map(host => host.rssMiB()),
    lag: async () => await Promise.all(started.map(async host => host.request({ op: 'lag' }))) as Array<{ p50: number, p99: number, max: number }>,
    async stop () {
      await Promise.allSettled(started.map(async host => host.stop()))
    }
  }
}

/** Each adds the other from its full invite; resolves `a`'s contact id of `b` once `a` holds it as accepted. */
export async function befriend (a: Member, b: Member): Promise<ContactId> {
  // a member holds a reservation once started, but may be between two (its relay connection
  // dropped under load and is being made again): its full invite waits for the next one
  const inviteOf = async (m: Member): Promise<string> => {
    let invite: string | undefined
    await until(async () => {
      invite = (await m.call('getInvite', undefined)).invite
      return invite !== undefined
    }, `${m.name} holds a reservation (a full invite)`, SETUP_TIMEOUT_MS, 250)
    return invite as string
  }
  const { contactId } = await a.call('addContact', { invite: await inviteOf(b) })
  await b.call('addContact', { invite: await inviteOf(a) })
  await until(async () => await a.contactId(b.peerId) === contactId, `${a.name} and ${b.name} contacts`)
  return contactId
}

/** The parts of a group row every member must agree on. */
export function agreed (row: GroupRow | undefined): unknown {
  return row === undefined
    ? undefined
    : { name: row.name, owner: row.owner, members: row.members.map(m => [m.peer, m.role, m.name]), heads: row.heads }
}

/** Resolves when every one of `members` holds the same heads of `groupId`; the error names how many operations each holds. */
export async function headsAgree (members: readonly Member[], groupId: string, what: string, timeoutMs = SETUP_TIMEOUT_MS): Promise<void> {
  let last: string[] = []
  try {
    await until(async () => {
      last = await Promise.all(members.map(async m => (await m.group(groupId))?.heads.join(',') ?? ''))
      return last[0] !== '' && last.every(h => h === last[0])
    }, what, timeoutMs, 100)
  } catch (err) {
    // who lacks whose operations
    const held = await Promise.all(members.map(async m => m.ops(groupId)))
    const all = new Map(held.flat().map(op => [op.id, op.author]))
    const nameOf = (peer: string): string => members.find(m => m.peerId === peer)?.name ?? peer.slice(-6)
    const lacking = members.flatMap((m, i) => {
      const mine = new Set(held[i]?.map(op => op.id))
      const missing = [...all].filter(([id]) => !mine.has(id)).map(([, author]) => nameOf(author))
      return missing.length === 0 ? [] : [`${m.name} lacks ${missing.join(',')}'s`]
    })
    throw new WaitTimeoutError(`${(err as Error).message}; ${lacking.join('; ')}`)
  }
}

/**
 * `owner` befriends each of `others` (who are not each other's contacts),
 * makes the group with all of them, and each accepts: resolves the group's
 * id once every member holds the same operations.
 */
export async function formGroup (owner: Member, others: readonly Member[], name: string, phases: Record<string, number> = {}): Promise<string> {
  const t0 = Date.now()
  const contactIds = await mapLimit(others, BEFRIEND_CONCURRENCY, async (m) => befriend(owner, m))
  phases['befriended'] = Date.now() - t0
  const { groupId } = await owner.call('createGroup', { name, contactIds })
  await mapLimit(others, BEFRIEND_CONCURRENCY, async (m) => {
    await until(async () => (await m.group(groupId))?.state === 'invited', `${m.name} invited`)
    await m.call('acceptGroup', { groupId })
  })
  phases['accepted'] = Date.now() - t0
  await headsAgree([owner, ...others], groupId, 'every acceptance held by every member', FORMATION_TIMEOUT_MS)
  phases['agreed'] = Date.now() - t0
  return groupId
}
