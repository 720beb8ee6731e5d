/**
 * `npm run bench`: installs what the figures launch when it is missing
 * (Chromium, Firefox ESR, iproute2, the emoji font: the same step as `npm
 * test`, scripts/lib/test-run.ts), builds the app, then runs
 * tests/bench/run.ts inside a loopback-only network namespace (as the e2e
 * tests run), so that no traffic leaves `lo`. Falls back to running without
 * the namespace (with a warning) where unshare is not permitted. A section
 * that fails prints its error and the others still run; the run exits
 * non-zero if any failed, or if the install did.
 */
import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import { ensureSystemPackages } from './lib/test-run.ts'

const ROOT = resolve(import.meta.dirname, '..')
const run = (command: string, args: string[]): number =>
  spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' }).status ?? 1

// before the namespace: apt-get needs the network
const installError = await ensureSystemPackages({ firefox: true })
if (installError != null) console.error(`!! ${installError}\n!! the figures that need it will fail; the others run`)

if (run('npx', ['vite', 'build', '--logLevel', 'warn']) !== 0) process.exit(1)

// `npm run bench -- --only history`: the runner's own options, passed on (quoted for the shell)
const passed = process.argv.slice(2).map(arg => `'${arg.replaceAll("'", "'\\''")}'`).join(' ')
const inner = `npx tsx tests/bench/run.ts ${passed}`.trim()
const probe = spawnSync('unshare', ['-n', '--', 'true'])
let status: number
if (probe.status === 0) {
  status = run('unshare', ['-n', '--', 'sh', '-c', `ip link set lo up && exec ${inner}`])
} else {
  console.error('!! unshare -n is not permitted here: running the benchmark without a network namespace')
  status = run('sh', ['-c', inner])
}
process.exit(installError != null && status === 0 ? 1 : status)
