/**
 * The NAT lab's web server, run inside the lab's public namespace:
 *   ip netns exec <lab>-pub node --import tsx tests/lab/serve.ts <host> <port> <config-json> [<port> <config-json> …]
 * serves the built app (dist/) once per port, each with its own /config.json,
 * prints one JSON line `{"urls":[…]}` when all listen, and stops on SIGTERM
 * or when its stdin closes (the test run is gone).
 */
import { startStaticServer, type AppConfig, type StaticServer } from '../../scripts/lib/serve.ts'

async function main (): Promise<void> {
  const [host, ...rest] = process.argv.slice(2)
  if (host == null || rest.length === 0 || rest.length % 2 !== 0) {
    throw new Error('usage: serve.ts <host> <port> <config-json> [<port> <config-json> …]')
  }
  const servers: StaticServer[] = []
  for (let i = 0; i < rest.length; i += 2) {
    const port = Number(rest[i])
    if (!Number.isInteger(port) || port <= 0 || port > 65_535) throw new Error(`not a port: ${rest[i]}`)
    const config = JSON.parse(rest[i + 1] ?? '') as AppConfig
    servers.push(await startStaticServer({ host, port, config }))
  }
  const stop = (): void => {
    void Promise.allSettled(servers.map(async s => await s.close())).then(() => process.exit(0))
  }
  process.once('SIGTERM', stop)
  process.stdin.on('end', stop)
  process.stdin.resume()
  console.log(JSON.stringify({ urls: servers.map(s => s.url) }))
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err)
  process.exit(2)
})
