import { readFileSync } from 'node:fs'
import semver from 'semver'
import { describe, expect, it } from 'vitest'

interface LockEntry { engines?: { node?: string } | string[], optional?: boolean }

const root = new URL('../../../', import.meta.url)
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { engines: { node: string } }
const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as { packages: Record<string, LockEntry> }
const readme = readFileSync(new URL('README.md', root), 'utf8')

describe('the Node.js version Parley names (engines, README) installs without engine warnings', () => {
  const oldest = semver.minVersion(pkg.engines.node)?.version

  it('the README names the same oldest version as engines.node', () => {
    expect(oldest).toBeDefined()
    const [major, minor] = (oldest ?? '').split('.')
    expect(readme).toContain(`Node.js ${major}.${minor} or newer`)
  })

  it('every package the lockfile installs (optional ones aside: npm skips those quietly) supports it', () => {
    const refusing = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && entry.optional !== true)
      .flatMap(([path, entry]) => {
        const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node
        return range === undefined || semver.satisfies(oldest ?? '', range) ? [] : [`${path} wants node ${range}`]
      })
    // a new one here prints EBADENGINE on npm install: pin a version that supports it (package.json overrides)
    expect(refusing).toEqual([])
  })
})
