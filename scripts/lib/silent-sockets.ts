/**
 * A slowloris attacker: `count` TCP sockets to one port from one source
 * address that never send a byte. Each one the server closes (refused at
 * once, or cut by its handshake timeout) is opened again, so the attacker
 * always tries to hold `count`. Used by relay-node/test/slowloris.test.ts and
 * tests/bench/slowloris.ts, on loopback only.
 */
import { connect } from 'node:net'
import type { Socket } from 'node:net'

export interface SilentSocketsOptions {
  host: string
  port: number
  /** the source address every socket binds (on loopback, any of 127/8) */
  localAddress: string
  count: number
}

export interface SilentSockets {
  /** resolves once each of the `count` sockets has connected at least once */
  readonly allConnected: Promise<void>
  /** TCP connections made so far, re-opened ones included */
  readonly connects: number
  /** sockets the server closed after they connected */
  readonly cuts: number
  /** sockets connected and not yet closed */
  readonly open: number
  /** closes every socket and opens no more */
  stop(): Promise<void>
}

/** A socket that could not even connect (the server is gone or its backlog full) waits this long before the next try. */
const RETRY_AFTER_FAILURE_MS = 100

export function silentSockets (options: SilentSocketsOptions): SilentSockets {
  const { host, port, localAddress, count } = options
  const live = new Set<Socket>()
  const closed = new Set<Promise<void>>()
  let stopped = false
  let connects = 0
  let cuts = 0
  let firstConnects = 0
  let reportAll: () => void = () => {}
  const allConnected = new Promise<void>((resolve) => { reportAll = resolve })
  const timers = new Set<ReturnType<typeof setTimeout>>()

  const open = (first: boolean): void => {
    if (stopped) return
    const socket = connect({ host, port, localAddress })
    live.add(socket)
    let connected = false
    socket.on('error', () => {})
    socket.once('connect', () => {
      connected = true
      connects++
      if (first && ++firstConnects === count) reportAll()
    })
    const done = new Promise<void>((resolve) => {
      socket.once('close', () => {
        live.delete(socket)
        closed.delete(done)
        resolve()
        if (stopped) return
        if (connected) {
          cuts++
          open(false)
          return
        }
        const timer = setTimeout(() => { timers.delete(timer); open(first) }, RETRY_AFTER_FAILURE_MS)
        timers.add(timer)
      })
    })
    closed.add(done)
  }
  for (let i = 0; i < count; i++) open(true)

  return {
    allConnected,
    get connects () { return connects },
    get cuts () { return cuts },
    get open () { return [...live].filter(s => !s.connecting && !s.destroyed).length },
    async stop () {
      stopped = true
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      for (const socket of live) socket.destroy()
      await Promise.all([...closed])
    }
  }
}
