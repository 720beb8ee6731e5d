/**
 * One write per socket per event-loop turn. Every frame libp2p sends (a yamux
 * data frame, each window update it sends back after every frame it reads, a
 * ping) becomes its own Noise message, its own WebSocket message and its own
 * `writev` system call. Profiling the relay while 2,000 fresh circuits carried
 * traffic showed `writev` alone at 19 % of its time; on a busy relay one
 * socket is written several times in the same turn (a chunk read from a
 * client holds several frames, and each gets a window update back). Here the
 * first write of a turn corks the socket and the turn's check phase
 * (`setImmediate`) uncorks it, so the turn's writes leave in one `writev`, in
 * order. An idle relay sends the same bytes at the same moment (the check
 * phase follows the poll phase that caused them); a relay that falls behind
 * batches more, which is when it helps.
 */

/** The parts of a `net.Socket` (or `tls.TLSSocket`) this uses. */
export interface CorkableSocket {
  write: (...args: never[]) => boolean
  cork(): void
  uncork(): void
  readonly writableCorked: number
  readonly destroyed: boolean
}

export type Schedule = (flush: () => void) => void

const nextCheckPhase: Schedule = (flush) => { setImmediate(flush) }

/** Makes `socket`'s writes within one turn leave together. At most one flush is pending per socket. */
export function coalesceWrites (socket: CorkableSocket, schedule: Schedule = nextCheckPhase): void {
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean
  let held = false
  const flush = (): void => {
    held = false
    // end() and destroy() uncork by themselves; never uncork someone else's cork
    if (!socket.destroyed && socket.writableCorked > 0) socket.uncork()
  }
  socket.write = ((...args: unknown[]): boolean => {
    if (!held && !socket.destroyed) {
      held = true
      socket.cork()
      schedule(flush)
    }
    return write(...args)
  }) as CorkableSocket['write']
}
