/**
 * Making a backup in Settings (state/backup-export.svelte.ts; issue 57, item
 * 4) over a fake node: the generated passphrase is offered first and goes to
 * the node only once the user says it is saved; one's own must be long
 * enough, over the strength floor and typed twice alike; the estimator loads
 * only on the own path; nothing reaches the node while any of that is wrong.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { passphraseStrength } from '../../../src/lib/model/passphrase-strength.ts'
import { BackupExport, type StrengthEstimator } from '../../../src/lib/state/backup-export.svelte.ts'
import { fakeCall } from '../../support/fake-node.ts'

const FILE = Uint8Array.of(1, 2, 3)

// handleError logs what it words: the refusals below are expected
beforeEach(() => { vi.spyOn(console, 'error').mockImplementation(() => undefined) })
afterEach(() => { vi.restoreAllMocks() })

function setup (estimator: () => Promise<StrengthEstimator> = async () => (p) => passphraseStrength(p)): { backup: BackupExport, node: ReturnType<typeof fakeCall>, loads: () => number } {
  const node = fakeCall({ exportIdentity: () => ({ file: FILE }) })
  let loaded = 0
  const backup = new BackupExport(node, async () => { loaded++; return estimator() })
  return { backup, node, loads: () => loaded }
}

describe('the generated recovery passphrase', () => {
  it('is offered first: seven words, 77 bits', () => {
    const { backup } = setup()
    expect(backup.own).toBe(false)
    expect(backup.generated.split('-')).toHaveLength(7)
    expect([backup.words, backup.bits]).toEqual([7, 77])
  })

  it('is not sent until the user says it is saved', async () => {
    const { backup, node } = setup()
    expect(await backup.create()).toBeUndefined()
    expect(backup.error).toBe('Save the passphrase first (write it down or keep it in a password manager), then tick the box.')
    expect(node.calls).toEqual([])

    backup.saved = true
    backup.includeHistory = false
    expect(await backup.create()).toEqual(FILE)
    expect(node.calls).toEqual([{ method: 'exportIdentity', params: { passphrase: backup.generated, includeHistory: false } }])
    expect(backup.error).toBe('')
    expect(backup.done).toMatch(/^Your backup file is downloading\. Keep it and the passphrase safe: together they are your identity\.$/)
  })

  it('other words are new, and not yet saved', () => {
    const { backup } = setup()
    const first = backup.generated
    backup.saved = true
    backup.otherWords()
    expect(backup.generated).not.toBe(first)
    expect(backup.saved).toBe(false)
  })
})

describe('a passphrase of one\'s own', () => {
  it('loads the strength check only when chosen, once', async () => {
    const { backup, loads } = setup()
    expect(loads()).toBe(0)
    await backup.chooseOwn()
    backup.useGenerated()
    await backup.chooseOwn()
    expect(loads()).toBe(1)
    expect(backup.checking).toBe(false)
  })

  it.each([
    ['too short', 'tr0ub4dor', 'tr0ub4dor', 'Choose a passphrase of at least 12 characters.'],
    ['under the strength floor', 'qwertyuiop123', 'qwertyuiop123', 'This passphrase is too easy to guess. Make it longer (several unrelated words work well), or use the random words.'],
    ['typed twice differently', 'correct horse battery staple', 'correct horse battery stapel', 'The two passphrases differ. Type the same passphrase twice.']
  ])('refuses one %s, and sends nothing', async (_what, passphrase, repeat, words) => {
    const { backup, node } = setup()
    await backup.chooseOwn()
    backup.passphrase = passphrase
    backup.repeat = repeat
    expect(await backup.create()).toBeUndefined()
    expect(backup.error).toBe(words)
    expect(node.calls).toEqual([])
  })

  it('shows the meter as it is typed, and sends one over the floor', async () => {
    const { backup, node } = setup()
    await backup.chooseOwn()
    expect(backup.strength).toBeUndefined()
    backup.passphrase = 'password'
    expect(backup.strength).toMatchObject({ level: 0, enough: false })
    backup.passphrase = backup.repeat = 'correct horse battery staple'
    expect(backup.strength).toMatchObject({ level: 4, enough: true })
    expect(await backup.create()).toEqual(FILE)
    expect(node.calls).toEqual([{ method: 'exportIdentity', params: { passphrase: 'correct horse battery staple', includeHistory: true } }])
    expect([backup.passphrase, backup.repeat]).toEqual(['', ''])
  })

  it('sends nothing while the strength check loads, and says so', async () => {
    let release: (estimate: StrengthEstimator) => void = () => {}
    const { backup, node } = setup(async () => new Promise<StrengthEstimator>((resolve) => { release = resolve }))
    const choosing = backup.chooseOwn()
    expect(backup.checking).toBe(true)
    backup.passphrase = backup.repeat = 'correct horse battery staple'
    expect(await backup.create()).toBeUndefined()
    expect(backup.error).toBe('Checking the strength…')
    release((p) => passphraseStrength(p))
    await choosing
    expect(await backup.create()).toEqual(FILE)
    expect(node.calls).toHaveLength(1)
  })

  it('a strength check that cannot load is said in words; the random words still work', async () => {
    const { backup, node } = setup(async () => { throw new Error('Failed to fetch dynamically imported module') })
    await backup.chooseOwn()
    expect(backup.error).toBe('Failed to fetch dynamically imported module')
    backup.useGenerated()
    backup.saved = true
    expect(await backup.create()).toEqual(FILE)
    expect(node.calls).toHaveLength(1)
  })

  it('a node that refuses is said in words', async () => {
    const node = fakeCall({ exportIdentity: () => { throw Object.assign(new Error('no profile'), { name: 'NoProfileError', code: 'backupNoProfile', params: {} }) } })
    const backup = new BackupExport(node, async () => (p) => passphraseStrength(p))
    backup.saved = true
    expect(await backup.create()).toBeUndefined()
    expect(backup.error).toBe('There is no Parley identity in this browser to back up.')
    expect(backup.busy).toBe(false)
  })
})
