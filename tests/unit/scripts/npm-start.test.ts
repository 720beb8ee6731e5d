/**
 * `npm start` (scripts/start.ts, after the build: `npm run serve`) stops with
 * one Ctrl-C: the relay drains and stops, and the process exits 0 (issue 56).
 * A terminal's Ctrl-C is a SIGINT to every process of its foreground group,
 * so each run here is a group of its own and gets the signal the same way.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { REPO_ROOT } from '../../../scripts/lib/test-run.ts'

const STARTED = 'Press Ctrl-C to stop.'
const WAIT = { timeout: 60_000, interval: 50 }

interface Run {
  child: ChildProcess
  output(): string
  /** the exit code (null when a signal ended it), once stdout and stderr are closed */
  closed: Promise<number | null>
}

const dirs: string[] = []
const runs: Run[] = []

afterEach(async () => {
  for (const run of runs.splice(0)) {
    if (run.child.exitCode === null && run.child.signalCode === null && run.child.pid !== undefined) {
      try { process.kill(-run.child.pid, 'SIGKILL') } catch { /* gone */ }
    }
  }
  await Promise.all(dirs.splice(0).map(async dir => rm(dir, { recursive: true, force: true })))
})

/** Runs `command` in a process group of its own, serving a one-page app from a fresh directory, with a fresh relay data directory, on free ports. */
async function start (command: string, args: string[]): Promise<Run> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-npm-start-'))
  dirs.push(dir)
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>Parley</title>')
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PARLEY_DIST_DIR: dir,
      PARLEY_RELAY_DATA_DIR: join(dir, 'relay'),
      PARLEY_PORT: '0',
      PARLEY_RELAY_PORT: '0',
      PARLEY_RELAY_WEBRTC_DIRECT_PORT: '0'
    }
  })
  let text = ''
  child.stdout?.on('data', (chunk: Buffer) => { text += chunk.toString() })
  child.stderr?.on('data', (chunk: Buffer) => { text += chunk.toString() })
  const closed = new Promise<number | null>((resolve) => { child.once('close', resolve) })
  const run = { child, output: () => text, closed }
  runs.push(run)
  await vi.waitFor(() => { expect(text).toContain(STARTED) }, WAIT)
  return run
}

/** A terminal's Ctrl-C: SIGINT to the whole group. */
function ctrlC (run: Run): void {
  if (run.child.pid === undefined) throw new Error('no pid')
  process.kill(-run.child.pid, 'SIGINT')
}

describe('npm start', () => {
  it('runs the server in node itself after the build, not under a wrapper that passes signals on', async () => {
    const scripts = (JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts
    expect(scripts.start).toBe('npm run build && npm run serve')
    expect(scripts.serve).toBe('node --import tsx scripts/start.ts')
  })

  it('one Ctrl-C drains and stops the relay, then exits 0', async () => {
    const run = await start(process.execPath, ['--import', 'tsx', 'scripts/start.ts'])
    ctrlC(run)
    const code = await run.closed
    const lines = run.output().split('\n')
    expect({ code, output: run.output() }).toEqual({ code: 0, output: expect.stringContaining('Stopped.') as unknown })
    expect(lines).toEqual(expect.arrayContaining(['SIGINT: stopping...', 'Relay drained (0 circuit(s) cut) and stopped.', 'Stopped.']))
    expect(run.output()).not.toContain('again')
  })

  it('one Ctrl-C through npm (npm run serve) stops it the same way', async () => {
    const run = await start('npm', ['run', 'serve'])
    ctrlC(run)
    // closed once every process holding its output (npm, the shell, node, the relay) has exited
    await run.closed
    const lines = run.output().split('\n')
    expect(lines.filter(line => line === 'SIGINT: stopping...')).toHaveLength(1)
    expect(lines).toEqual(expect.arrayContaining(['Relay drained (0 circuit(s) cut) and stopped.', 'Stopped.']))
    expect(run.output()).not.toContain('again')
  })
})
