/**
 * CPU time used by the browser this bench process launched: the sum of user
 * and system time of every descendant process that is not a Node process
 * (the relay), read from /proc (Linux only; elsewhere undefined). The browser's
 * processes live through a run, so the difference of two readings is what they
 * used in between, on every core.
 */
import { readdirSync, readFileSync } from 'node:fs'

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks. */
const TICKS_PER_SECOND = 100

interface Proc { ppid: number, comm: string, ticks: number }

function readProcs (): Map<number, Proc> | undefined {
  let entries: string[]
  try {
    entries = readdirSync('/proc')
  } catch {
    return undefined
  }
  const procs = new Map<number, Proc>()
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      // "pid (comm) state ppid ..." — comm may hold spaces and parentheses
      const close = stat.lastIndexOf(')')
      const comm = stat.slice(stat.indexOf('(') + 1, close)
      const fields = stat.slice(close + 2).split(' ')
      procs.set(Number(name), { ppid: Number(fields[1]), comm, ticks: Number(fields[11]) + Number(fields[12]) })
    } catch {
      // the process ended while we looked
    }
  }
  return procs
}

/** Seconds of CPU the browser's processes have used so far, or undefined where /proc is missing. */
export function browserCpuSeconds (): number | undefined {
  const procs = readProcs()
  if (procs === undefined) return undefined
  const children = new Map<number, number[]>()
  for (const [pid, p] of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), pid])
  let ticks = 0
  const stack = [...(children.get(process.pid) ?? [])]
  for (let pid = stack.pop(); pid !== undefined; pid = stack.pop()) {
    const p = procs.get(pid)
    if (p === undefined) continue
    stack.push(...(children.get(pid) ?? []))
    if (p.comm !== 'node') ticks += p.ticks
  }
  return ticks / TICKS_PER_SECOND
}
