/**
 * Every unusable data directory stops relay-node with exit code 2 and one
 * sentence naming the cause (src/data-dir.ts), and a usable one starts.
 * The tests run as root, which chmod does not stop: a read-only directory is
 * a read-only bind mount in a mount namespace of the relay's own
 * (`unshare --mount`), which needs root, as `npm test` has here and in CI.
 */
import { spawn } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { relayBundle } from '../../scripts/lib/relay-bundle.ts'
import { unwritable } from '../src/data-dir.ts'
import { DataDirError } from '../src/errors.ts'
import { dataDir, relay, useRelayTestDir } from './helpers.ts'

useRelayTestDir()

const REPO = join(import.meta.dirname, '..', '..')
/** loading relay-node (bundled once) on a busy machine, then the start; a relay still running by then has not refused */
const RUN_TIMEOUT_MS = 40_000

interface Run { code: number | null, stderr: string, ready: boolean }

/**
 * Runs the relay-node process on `dir` until it exits by itself, or says it
 * is ready (then stops it). With `readOnly`, that directory is bind-mounted
 * read-only for the relay alone.
 */
async function start (dir: string, options: { readOnly?: string, args?: string[] } = {}): Promise<Run> {
  const relayArgs = [await relayBundle(), '--port', '0', '--webrtc-direct-port', '0', '--data-dir', dir, ...(options.args ?? [])]
  // the paths go in as "$0" and "$@": no quoting to get wrong
  const [command, args] = options.readOnly == null
    ? [process.execPath, relayArgs]
    : ['unshare', ['--mount', '--', 'sh', '-c', 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" "$0" && exec "$@"', options.readOnly, process.execPath, ...relayArgs]]
  const child = spawn(command, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  let ready = false
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  child.stdout.on('data', (d: Buffer) => {
    if (!ready && d.toString().includes('"msg":"ready"')) {
      ready = true
      child.kill('SIGTERM')
    }
  })
  const timer = setTimeout(() => { child.kill('SIGKILL') }, RUN_TIMEOUT_MS)
  const code = await new Promise<number | null>(resolve => child.once('exit', (c) => { resolve(c) }))
  clearTimeout(timer)
  return { code, stderr, ready }
}

/** One line on stderr, `relay-node: <sentence>`, and exit code 2. */
function expectRefused (run: Run, ...words: RegExp[]): void {
  expect(run.ready).toBe(false)
  expect(run.code).toBe(2)
  const lines = run.stderr.trim().split('\n')
  expect(lines).toHaveLength(1)
  expect(lines[0]).toMatch(/^relay-node: /)
  for (const w of words) expect(lines[0]).toMatch(w)
  // a sentence, not a stack
  expect(run.stderr).not.toMatch(/\n\s+at /)
}

/** A data directory that a relay has used: identity key, WebRTC-Direct certificate, mailbox database. */
async function usedDir (): Promise<string> {
  const dir = join(dataDir, 'used')
  const r = await relay({ dataDir: dir, webrtcDirectPort: 0 })
  await r.stop()
  return dir
}

describe('unusable data directories', () => {
  it('read-only and empty: exit 2, "read-only", and what it must write there', async () => {
    const dir = join(dataDir, 'empty')
    await mkdir(dir)
    expectRefused(await start(dir, { readOnly: dir }), /The data directory .*empty is on a read-only file system/, /must write its identity key there: mount it read-write, or give --data-dir a writable directory$/)
  })

  it('read-only and used before: exit 2, "read-only" and the mailbox database, not another relay-node', async () => {
    const dir = await usedDir()
    const run = await start(dir, { readOnly: dir })
    expectRefused(run, /The data directory .*used is on a read-only file system/, /must write its mailbox database there: mount it read-write, give --data-dir a writable directory, or run it with --mailbox off$/)
    expect(run.stderr).not.toMatch(/another relay-node/)
  })

  it('read-only and used before, --mailbox off: exit 2, "read-only" and the prekey database', async () => {
    const dir = await usedDir()
    expectRefused(await start(dir, { readOnly: dir, args: ['--mailbox', 'off'] }), /read-only file system/, /must write its prekey database there: mount it read-write, give --data-dir a writable directory, or run it with --prekeys off$/)
  })

  it('read-only and used before, --mailbox off --prekeys off: exit 2, "read-only" and the push subscriptions', async () => {
    const dir = await usedDir()
    expectRefused(await start(dir, { readOnly: dir, args: ['--mailbox', 'off', '--prekeys', 'off'] }), /read-only file system/, /must write its push subscriptions there: mount it read-write, give --data-dir a writable directory, or run it with --push off$/)
  })

  it('a file: exit 2, "is a file", and the file is untouched', async () => {
    const file = join(dataDir, 'not-a-dir')
    await writeFile(file, 'keep me')
    expectRefused(await start(file), /The data directory .*not-a-dir is a file, not a directory/)
    expect(await readFile(file, 'utf8')).toBe('keep me')
  })

  it('under a file: exit 2, "cannot be created", naming the file', async () => {
    const file = join(dataDir, 'a-file')
    await writeFile(file, '')
    expectRefused(await start(join(file, 'relay')), /The data directory .*a-file\/relay cannot be created: .*a-file is a file, not a directory/)
  })

  it('under a read-only directory: exit 2, "cannot be created", naming the read-only parent', async () => {
    const parent = join(dataDir, 'parent')
    await mkdir(parent)
    expectRefused(await start(join(parent, 'a', 'relay'), { readOnly: parent }),
      /The data directory .*parent\/a\/relay cannot be created: .*parent is on a read-only file system/)
  })

  it('in use by a running relay-node: exit 2, and that is what it says', async () => {
    const dir = join(dataDir, 'busy')
    await relay({ dataDir: dir, webrtcDirectPort: null })
    expectRefused(await start(dir), /cannot open the mailbox database .*busy/, /is another relay-node using this data directory\?/)
  })
})

describe('usable data directories', () => {
  it('read-only and used before, with nothing to write (--mailbox off --prekeys off --push off): starts', async () => {
    const dir = await usedDir()
    const run = await start(dir, { readOnly: dir, args: ['--mailbox', 'off', '--prekeys', 'off', '--push', 'off'] })
    expect(run.stderr).toBe('')
    expect(run.ready).toBe(true)
    expect(run.code).toBe(0)
  })

  it('missing, with missing parents: created', async () => {
    const dir = join(dataDir, 'new', 'relay')
    const run = await start(dir, { args: ['--webrtc-direct-port', 'off'] })
    expect(run.ready).toBe(true)
    expect((await readFile(join(dir, 'identity.key'))).byteLength).toBeGreaterThan(0)
  })
})

describe('unwritable', () => {
  // root writes through permissions, so this case is checked on the words alone
  it('words a permission error as one sentence, and leaves other errors as they are', () => {
    const denied = unwritable('/var/lib/parley-relay', 'its identity key', Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }))
    expect(denied).toBeInstanceOf(DataDirError)
    expect((denied as Error).message).toBe('relay-node may not write in the data directory /var/lib/parley-relay (permission denied), but it must write ' +
      'its identity key there: let the user it runs as write there, or give --data-dir a writable directory')
    const full = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' })
    expect(unwritable('/data', 'its identity key', full)).toBe(full)
  })
})
