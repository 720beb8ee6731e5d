/**
 * Groups (issue 24): 32 members, the app's nodes in Node (NodeRoot, as the
 * large-group integration test runs them: tests/support/group-crowd.ts, 8 to
 * a child process), on loopback through one relay-node process; only the
 * owner is everyone's contact, so members reach each other through the relay
 * (no WebRTC: see tests/integration/groups-scale.test.ts).
 *
 *   group_delivery_32_p50_ms    a message sent by one of the 32 (sendGroupMessage called in its process)
 *                               → stored by the last of the other 31 (each one's IndexedDB write, its
 *                               process's clock; all processes share the machine's); one message at a
 *                               time from a random member; p50 of DELIVERY_MESSAGES
 *   group_delivery_32_p99_ms    the same, p99
 *   group_state_converge_ms     the owner and three admins make 20 membership operations at once (each
 *                               removes a member and renames the group four times, the changes on their
 *                               way while the others make theirs) → every remaining member holds the same
 *                               heads (the moment the last one's group row got them); median of
 *                               CONVERGE_BURSTS bursts (the removed are added back between them)
 *
 * Every member's connections to the others are made while the group forms
 * (and a message from each warms them up): the figures are of delivery over
 * open connections, not of finding members. Details go to stderr as `group: …` lines.
 */
import { formGroup, headsAgree, mapLimit, startCrowd, until } from '../support/group-crowd.ts'
import { startRelayFixture } from '../support/relay.ts'
import { median, percentile, print } from './lib.ts'
import type { Crowd, Member } from '../support/group-crowd.ts'
import type { HostEvent } from '../support/group-host.ts'
import { prng } from '../support/prng.ts'

const MEMBERS = 32
const HOSTS = 4
/** Enough for a p99 that is not the single slowest message. */
const DELIVERY_MESSAGES = 200
const CONVERGE_BURSTS = 3
/** Members who make the burst's operations: the owner and this many admins. */
const ADMINS = 3
const RENAMES_PER_ACTOR = 4
/** One message reaching 31 members, one burst spreading (a loaded 2-core machine). */
const STEP_TIMEOUT_MS = 60_000
/** Seeded, so that two runs send from the same members in the same order. */
const SEED = 24

/** Each message id → who stored it when; each member → its heads of the group and when it got them. */
class Watch {
  readonly stored = new Map<string, Map<string, number>>()
  readonly heads = new Map<string, { heads: string, at: number }>()

  on (member: Member, event: HostEvent): void {
    if (event.event === 'stored') {
      const by = this.stored.get(event.id) ?? new Map<string, number>()
      if (!by.has(member.name)) by.set(member.name, event.at)
      this.stored.set(event.id, by)
    } else {
      const heads = event.heads.join(',')
      if (this.heads.get(member.name)?.heads !== heads) this.heads.set(member.name, { heads, at: event.at })
    }
  }
}

async function deliveries (crowd: Crowd, watch: Watch, groupId: string, random: () => number): Promise<number[]> {
  const latencies: number[] = []
  for (let i = 0; i < DELIVERY_MESSAGES; i++) {
    const author = crowd.members[Math.floor(random() * MEMBERS)] as Member
    const { result, startedAt, endedAt } = await author.callTimed('sendGroupMessage', { groupId, text: `bench ${i} from ${author.name}` })
    await until(() => (watch.stored.get(result.messageId)?.size ?? 0) >= MEMBERS, `message ${i} stored by all ${MEMBERS}`, STEP_TIMEOUT_MS, 5)
    const at = [...watch.stored.get(result.messageId) ?? []].filter(([name]) => name !== author.name)
    const last = at.reduce((a, b) => (b[1] > a[1] ? b : a))
    latencies.push(last[1] - startedAt)
    if (last[1] - startedAt > 1000) console.error(`group: slow ${i} ${author.name} -> ${last[0]} ${last[1] - startedAt} ms (the call returned after ${endedAt - startedAt} ms); all ${at.map(([, t]) => t - startedAt).sort((a, b) => a - b).join(' ')}`)
    watch.stored.delete(result.messageId)
  }
  return latencies
}

/** One burst: each actor removes its target and renames the group; resolves ms from the first call to the last member holding the final heads. */
async function burst (watch: Watch, groupId: string, actors: readonly Member[], targets: readonly Member[], stayers: readonly Member[], round: number): Promise<number> {
  const begin = Date.now()
  await Promise.all(actors.map(async (actor, k) => {
    await actor.call('removeGroupMember', { groupId, peerId: (targets[k] as Member).peerId })
    for (let r = 0; r < RENAMES_PER_ACTOR; r++) await actor.call('renameGroup', { groupId, name: `burst ${round}, ${actor.name} ${r}` })
  }))
  await until(() => {
    const heads = stayers.map(m => watch.heads.get(m.name)?.heads)
    return heads[0] !== undefined && heads.every(h => h === heads[0])
  }, `burst ${round} agreed`, STEP_TIMEOUT_MS, 20)
  return Math.max(...stayers.map(m => watch.heads.get(m.name)?.at ?? Infinity)) - begin
}

export async function benchGroup (): Promise<void> {
  const relay = await startRelayFixture({ webrtcDirectPort: 'off', dataDirPrefix: 'parley-bench-group-relay-' })
  let crowd: Crowd | undefined
  try {
    const t0 = Date.now()
    crowd = await startCrowd(relay.wsMultiaddrs, MEMBERS, HOSTS, { webrtc: false })
    const watch = new Watch()
    await crowd.watch((member, event) => { watch.on(member, event) })
    const [owner, ...others] = crowd.members
    if (owner === undefined) throw new Error('no owner')
    const groupId = await formGroup(owner, others, 'Bench')
    console.error(`group: ${MEMBERS} members in ${HOSTS} processes formed a group in ${Date.now() - t0} ms`)

    // warm-up: one message from each member, every one of them stored everywhere
    await mapLimit(crowd.members, MEMBERS, async (m) => m.call('sendGroupMessage', { groupId, text: `hello from ${m.name}` }))
    await until(() => [...watch.stored.values()].filter(by => by.size >= MEMBERS).length >= MEMBERS, 'warm-up messages everywhere', 2 * STEP_TIMEOUT_MS, 50)
    watch.stored.clear()
    await crowd.lag()

    const random = prng(SEED)
    const latencies = await deliveries(crowd, watch, groupId, random)
    const lag = await crowd.lag()
    console.error(`group: ${latencies.length} messages, min ${Math.min(...latencies)} ms, max ${Math.max(...latencies)} ms; hosts' event-loop delay p99 ${Math.round(Math.max(...lag.map(l => l.p99)))} ms, max ${Math.round(Math.max(...lag.map(l => l.max)))} ms`)
    print('group_delivery_32_p50_ms', percentile(latencies, 50), 'ms')
    print('group_delivery_32_p99_ms', percentile(latencies, 99), 'ms')

    // admins, then bursts; the removed come back between bursts (not timed)
    const admins = others.slice(0, ADMINS)
    for (const admin of admins) await owner.call('setGroupRole', { groupId, peerId: admin.peerId, role: 'admin' })
    await headsAgree(crowd.members, groupId, 'the admins known to all')
    const actors = [owner, ...admins]
    const converge: number[] = []
    for (let round = 0; round < CONVERGE_BURSTS; round++) {
      const targets = others.slice(ADMINS + round * actors.length, ADMINS + (round + 1) * actors.length)
      const stayers = crowd.members.filter(m => !targets.includes(m))
      converge.push(await burst(watch, groupId, actors, targets, stayers, round))
      for (const target of targets) {
        const contactId = await owner.contactId(target.peerId)
        if (contactId === undefined) throw new Error(`${target.name} is not the owner's contact`)
        await owner.call('addGroupMember', { groupId, contactId })
      }
      await mapLimit(targets, targets.length, async (target) => {
        await until(async () => (await target.group(groupId))?.state === 'invited', `${target.name} invited again`, STEP_TIMEOUT_MS)
        await target.call('acceptGroup', { groupId })
      })
      await headsAgree(crowd.members, groupId, `after burst ${round}, everyone back`)
    }
    console.error(`group: bursts of ${actors.length * (1 + RENAMES_PER_ACTOR)} operations agreed in ${converge.join(', ')} ms`)
    print('group_state_converge_ms', median(converge), 'ms')
  } finally {
    await crowd?.stop()
    await relay.close()
  }
}
