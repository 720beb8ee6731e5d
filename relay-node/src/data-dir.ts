/**
 * The data directory (`--data-dir`): the identity key, the WebRTC-Direct
 * certificate and the mailbox database live there. Every way it can be
 * unusable stops the start with a {@link DataDirError}, one sentence naming
 * the cause (bin.ts: exit code 2), instead of a raw EROFS/EACCES stack:
 *
 * - the path is a file;
 * - it does not exist and cannot be created (an ancestor is a file, is on a
 *   read-only file system, or may not be written);
 * - relay-node must write there (a new identity or certificate, the mailbox)
 *   and may not: a read-only file system, or no permission.
 *
 * A read-only directory that already holds the identity (and the certificate)
 * is fine as long as nothing needs writing (`--mailbox off`).
 */
import { constants } from 'node:fs'
import { access, mkdir, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import { DataDirError } from './errors.ts'

const errno = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | null)?.code

/** What kept a write from happening, or undefined when the error is not about being allowed to write. */
function writeProblem (err: unknown): 'read-only' | 'permission' | undefined {
  switch (errno(err)) {
    case 'EROFS': return 'read-only'
    case 'EACCES':
    case 'EPERM': return 'permission'
    default: return undefined
  }
}

/** The nearest ancestor of `dir` that exists (or is a file in the way), and what it is. */
async function nearestExisting (dir: string): Promise<{ path: string, isDirectory: boolean } | undefined> {
  for (let path = dirname(dir); ; path = dirname(path)) {
    try {
      return { path, isDirectory: (await stat(path)).isDirectory() }
    } catch (err) {
      // ENOENT: not there either; ENOTDIR: a file further up, found on the way
      if (errno(err) !== 'ENOENT' && errno(err) !== 'ENOTDIR') return undefined
    }
    if (dirname(path) === path) return undefined
  }
}

/** Why `dir` cannot be created, found at its nearest existing ancestor (recursive mkdir says ENOENT for a read-only parent). */
async function cannotCreate (dir: string, err: unknown): Promise<DataDirError> {
  const start = `The data directory ${dir} cannot be created`
  const ancestor = await nearestExisting(dir)
  if (ancestor?.isDirectory === false) return new DataDirError(`${start}: ${ancestor.path} is a file, not a directory`)
  if (ancestor != null) {
    try {
      await access(ancestor.path, constants.W_OK)
    } catch (accessErr) {
      const problem = writeProblem(accessErr)
      if (problem === 'read-only') return new DataDirError(`${start}: ${ancestor.path} is on a read-only file system`)
      if (problem === 'permission') return new DataDirError(`${start}: relay-node may not write in ${ancestor.path} (permission denied)`)
    }
  }
  return new DataDirError(`${start}: ${(err as Error).message}`)
}

/** Makes sure `dir` is a directory, creating it and its parents (mode 0700) when it is missing. */
export async function openDataDir (dir: string): Promise<void> {
  let isDirectory: boolean | undefined
  try {
    isDirectory = (await stat(dir)).isDirectory()
  } catch (err) {
    if (errno(err) !== 'ENOENT' && errno(err) !== 'ENOTDIR') throw new DataDirError(`The data directory ${dir} cannot be read: ${(err as Error).message}`)
  }
  if (isDirectory === false) throw new DataDirError(`The data directory ${dir} is a file, not a directory: give --data-dir a directory`)
  if (isDirectory === true) return
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 })
  } catch (err) {
    throw await cannotCreate(dir, err)
  }
}

/**
 * A sentence for a write in the data directory `dir` that failed, naming
 * `what` relay-node had to write (for example "its identity key") and, as
 * `orElse`, another way out; the error itself when it is not about being
 * allowed to write there (a full disk, say).
 */
export function unwritable (dir: string, what: string, err: unknown, orElse = ''): unknown {
  const ways = (first: string): string => {
    const all = [first, 'give --data-dir a writable directory', ...(orElse === '' ? [] : [orElse])]
    return `${all.slice(0, -1).join(', ')}, or ${all.at(-1) ?? ''}`
  }
  switch (writeProblem(err)) {
    case 'read-only':
      return new DataDirError(`The data directory ${dir} is on a read-only file system, but relay-node must write ${what} there: ${ways('mount it read-write')}`)
    case 'permission':
      return new DataDirError(`relay-node may not write in the data directory ${dir} (permission denied), but it must write ${what} there: ${ways('let the user it runs as write there')}`)
    default:
      return err
  }
}

/** Throws a {@link DataDirError} unless relay-node may write in `dir`, where it must write `what` (see {@link unwritable}). */
export async function mustWrite (dir: string, what: string, orElse = ''): Promise<void> {
  try {
    await access(dir, constants.W_OK)
  } catch (err) {
    throw unwritable(dir, what, err, orElse)
  }
}
