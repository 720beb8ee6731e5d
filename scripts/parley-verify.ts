/**
 * `npm run verify -- <url>` (parley-verify): checks that a Parley URL serves
 * its signed release, file by file (scripts/lib/verify-release.ts).
 *
 *   --key HEX          the release key expected (else the one the manifest names, whose fingerprint it prints)
 *   --build-from REPO  also build the commit the manifest names (from REPO, a path or URL git can clone)
 *                      and compare each file with that build
 *
 * Exit code 0: every file is the signed release (and the build, if asked);
 * 1: something is not; 2: a usage error, or the URL could not be read.
 */
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { buildOf, reportLines, verifyUrl } from './lib/verify-release.ts'

const ROOT = resolve(import.meta.dirname, '..')

const { values, positionals } = parseArgs({ options: { key: { type: 'string' }, 'build-from': { type: 'string' } }, allowPositionals: true, strict: true })
const [url] = positionals
if (url === undefined || positionals.length > 1) {
  console.error('usage: parley-verify <url> [--key HEX] [--build-from REPO]')
  process.exit(2)
}
const repo = values['build-from']
try {
  const report = await verifyUrl(url, {
    ...(values.key === undefined ? {} : { key: values.key.toLowerCase() }),
    ...(repo === undefined ? {} : { built: async (commit: string) => buildOf(repo, commit, ROOT) })
  })
  for (const line of reportLines(report)) console.log(line)
  process.exit(report.ok ? 0 : 1)
} catch (err) {
  console.error(`parley-verify: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(2)
}
