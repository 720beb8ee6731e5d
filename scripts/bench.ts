/**
 * `npm run bench`: build the app, then run tests/bench/run.ts inside a
 * loopback-only network namespace (as the e2e tests run), so that no traffic
 * leaves `lo`. Falls back to running without the namespace (with a warning)
 * where unshare is not permitted.
 */
import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname, '..')
const run = (command: string, args: string[]): number =>
  spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' }).status ?? 1

if (run('npx', ['vite', 'build', '--logLevel', 'warn']) !== 0) process.exit(1)

// `npm run bench -- --only history`: the runner's own options, passed on (quoted for the shell)
const passed = process.argv.slice(2).map(arg => `'${arg.replaceAll("'", "'\\''")}'`).join(' ')
const inner = `npx tsx tests/bench/run.ts ${passed}`.trim()
const probe = spawnSync('unshare', ['-n', '--', 'true'])
if (probe.status === 0) {
  process.exit(run('unshare', ['-n', '--', 'sh', '-c', `ip link set lo up && exec ${inner}`]))
} else {
  console.error('!! unshare -n is not permitted here: running the benchmark without a network namespace')
  process.exit(run('sh', ['-c', inner]))
}
