import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { browserCpuSeconds } from '../../bench/cpu.ts'

describe('browserCpuSeconds (tests/bench/cpu.ts)', () => {
  it.runIf(process.platform === 'linux')('counts the CPU time of a busy child process while it runs', async () => {
    const before = browserCpuSeconds()
    expect(before).toBeTypeOf('number')
    // a shell spinning on one core: a descendant that is not a Node process, as a browser's are
    const child = spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' })
    try {
      let now = before ?? 0
      while (now < (before ?? 0) + 0.2) {
        await new Promise(resolve => setTimeout(resolve, 50))
        now = browserCpuSeconds() ?? 0
      }
      expect(now).toBeGreaterThanOrEqual((before ?? 0) + 0.2)
    } finally {
      child.kill('SIGKILL')
    }
  })

  it.runIf(process.platform === 'linux')('leaves out Node processes (the relay) and the ones that ended', async () => {
    const child = spawn(process.execPath, ['-e', 'const end = Date.now() + 400; while (Date.now() < end) {}'], { stdio: 'ignore' })
    const before = browserCpuSeconds() ?? 0
    await new Promise(resolve => child.on('exit', resolve))
    expect(browserCpuSeconds() ?? 0).toBeLessThan(before + 0.2)
  })
})
