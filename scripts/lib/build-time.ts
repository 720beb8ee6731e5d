/**
 * The time a build stands for (vite.config.ts, `__PARLEY_BUILD__`), in ms:
 * nothing in a build may depend on when or where it ran, so that two builds
 * of one commit are byte-identical (issue 61).
 *
 * - `SOURCE_DATE_EPOCH` (seconds), when set: the reproducible-builds.org
 *   convention, for builds outside a git checkout.
 * - Else, in a git checkout with nothing changed, the commit's time: a later
 *   commit on main is a newer build, which is what the writer lock compares
 *   (p2p/kernel/writer-lock.ts; `%ct`, the committer time: a rebase makes it new).
 * - Else (changes not committed, or no git): now, so that a build of work in
 *   progress is newer than the one before it.
 */
import { execFileSync } from 'node:child_process'

export function buildTimeMs (env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd(), now: () => number = Date.now): number {
  const epoch = env.SOURCE_DATE_EPOCH
  if (epoch !== undefined && epoch !== '') {
    const seconds = Number(epoch)
    if (!Number.isSafeInteger(seconds) || seconds < 0) throw new Error(`SOURCE_DATE_EPOCH is not a time in seconds: ${epoch}`)
    return seconds * 1000
  }
  const committed = commitTimeMs(cwd)
  return committed ?? now()
}

/** The time of HEAD's commit, in ms, when `cwd` is a git checkout with no change (untracked files count as changes); else undefined. */
function commitTimeMs (cwd: string): number | undefined {
  try {
    const git = (args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    if (git(['status', '--porcelain']) !== '') return undefined
    const seconds = Number(git(['log', '-1', '--format=%ct']))
    return Number.isSafeInteger(seconds) && seconds > 0 ? seconds * 1000 : undefined
  } catch {
    return undefined
  }
}
