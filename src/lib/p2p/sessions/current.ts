/**
 * Which session with a peer is current after a box opened (sessions.ts):
 * the one it opened on becomes current when it is newer than the current
 * one, except that of two sessions both sides started at once (ours still
 * unanswered) the one started by the lower PeerID stays.
 */
import type { SessionRow } from '../../db/session-types.ts'

/**
 * The peer's rows after `opened` (a box opened on it, or a new session the
 * peer `started`), current first; `replaced` when a session the peer started
 * took over from one it had answered on (it lost or reset its own).
 */
export function rowsAfterOpen (rows: SessionRow[], opened: SessionRow, started: boolean, theirMultihash: Uint8Array, ourMultihash: Uint8Array): { next: SessionRow[], replaced: boolean } {
  const current = rows.find(r => r.current)
  // no current session: we reset them all (the peer could not open ours), so only a new one takes over
  let makeCurrent = current === undefined ? started : current.id === opened.id || opened.createdAt >= current.createdAt
  const simultaneous = started && current?.initiator === true && current.init !== undefined
  if (simultaneous) {
    // both started at once: the initiator with the lower PeerID multihash wins
    makeCurrent = compare(theirMultihash, ourMultihash) < 0
  }
  const others = rows.filter(r => r.id !== opened.id).map(r => makeCurrent ? { ...r, current: false } : r)
  const next = makeCurrent ? [{ ...opened, current: true }, ...others] : [...others.slice(0, 1), { ...opened, current: false }, ...others.slice(1)]
  return { next, replaced: started && makeCurrent && current !== undefined && !simultaneous }
}

function compare (a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0)
    if (d !== 0) return d
  }
  return a.length - b.length
}
