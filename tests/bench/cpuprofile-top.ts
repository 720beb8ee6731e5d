/**
 * The costliest functions of a V8 CPU profile (`node --cpu-prof`), within a
 * window of it: `npx tsx tests/bench/cpuprofile-top.ts <file.cpuprofile> [fromMs toMs] [top]`,
 * where the window is given in milliseconds before the profile's end (as the
 * relay bench's `relay: profile window` line says). Prints self and total
 * (inclusive) time per function and the longest runs of back-to-back samples
 * without idle between them (the event-loop tasks that stalled it).
 */
import { readFileSync } from 'node:fs'

interface CallFrame { functionName: string, url: string, lineNumber: number }
interface ProfileNode { id: number, callFrame: CallFrame, children?: number[] }
interface Profile { nodes: ProfileNode[], startTime: number, endTime: number, samples: number[], timeDeltas: number[] }

const [file, fromArg, toArg, topArg] = process.argv.slice(2)
if (file == null) throw new Error('usage: cpuprofile-top.ts <file.cpuprofile> [fromMsBeforeEnd toMsBeforeEnd] [top]')
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const top = Number(topArg ?? 30)

const byId = new Map(profile.nodes.map(n => [n.id, n]))
const parent = new Map<number, number>()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const label = (n: ProfileNode): string => {
  const url = n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(relay-node|packages)\//, '$1/')
  return `${n.callFrame.functionName === '' ? '(anonymous)' : n.callFrame.functionName} ${url}:${n.callFrame.lineNumber + 1}`
}

// sample i lasts timeDeltas[i + 1] (the time until the next sample)
const times: number[] = []
let t = profile.startTime
for (const d of profile.timeDeltas) { t += d; times.push(t) }
const end = profile.endTime
const from = fromArg == null ? profile.startTime : end - Number(fromArg) * 1000
const to = toArg == null ? end : end - Number(toArg) * 1000

const self = new Map<string, number>()
const total = new Map<string, number>()
let windowUs = 0
let busyUs = 0
const IDLE = new Set(['(idle)', '(program)', '(garbage collector)'])
interface Run { at: number, us: number, stacks: Map<string, number>, self: Map<string, number> }
const runs: Run[] = []
let run: Run | undefined
let gcRun = 0
const gcRuns: number[] = []
for (let i = 0; i < profile.samples.length; i++) {
  const at = times[i] ?? 0
  if (at < from || at > to) continue
  const us = (times[i + 1] ?? end) - at
  const node = byId.get(profile.samples[i] ?? -1)
  if (node == null) continue
  windowUs += us
  const name = node.callFrame.functionName
  if (name === '(idle)') {
    if (run != null && run.us > 50_000) runs.push(run)
    run = undefined
  } else {
    run ??= { at, us: 0, stacks: new Map(), self: new Map() }
    run.us += us
    run.self.set(label(node), (run.self.get(label(node)) ?? 0) + us)
  }
  if (name === '(garbage collector)') gcRun += us
  else if (gcRun > 0) { gcRuns.push(gcRun); gcRun = 0 }
  if (!IDLE.has(name)) busyUs += us
  self.set(label(node), (self.get(label(node)) ?? 0) + us)
  const seen = new Set<string>()
  for (let id: number | undefined = node.id; id != null; id = parent.get(id)) {
    const n = byId.get(id)
    if (n == null) break
    const l = label(n)
    if (seen.has(l)) continue
    seen.add(l)
    total.set(l, (total.get(l) ?? 0) + us)
    if (run != null) run.stacks.set(l, (run.stacks.get(l) ?? 0) + us)
  }
}
if (run != null && run.us > 50_000) runs.push(run)

const ms = (us: number): string => `${(us / 1000).toFixed(0)} ms`
const list = (m: Map<string, number>, n: number): string =>
  [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `  ${ms(v).padStart(9)} ${(v / windowUs * 100).toFixed(1).padStart(5)} %  ${k}`).join('\n')
console.log(`window ${ms(windowUs)}, busy (not idle, program or GC) ${ms(busyUs)}`)
console.log(`self:\n${list(self, top)}`)
console.log(`total:\n${list(total, top)}`)
console.log(`longest busy runs (no idle sample between): ${runs.length} over 50 ms`)
for (const r of runs.sort((a, b) => b.us - a.us).slice(0, 5)) {
  console.log(`  ${ms(r.us)} at ${ms(end - r.at)} before the end; inside:`)
  console.log([...r.stacks].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, v]) => `    ${ms(v).padStart(9)}  ${k}`).join('\n'))
  console.log('   self:')
  console.log([...r.self].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => `    ${ms(v).padStart(9)}  ${k}`).join('\n'))
}
gcRuns.sort((a, b) => b - a)
console.log(`garbage collector: ${gcRuns.length} runs of back-to-back samples; longest ${gcRuns.slice(0, 8).map(ms).join(', ')}`)
const runLengths = runs.map(r => r.us).sort((a, b) => b - a)
console.log(`busy runs over 50 ms: ${runLengths.length}, over 100 ms: ${runLengths.filter(u => u > 100_000).length}, over 500 ms: ${runLengths.filter(u => u > 500_000).length}; their sum ${ms(runLengths.reduce((a, b) => a + b, 0))}`)
