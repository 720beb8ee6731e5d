import type { RelayFixture } from '../fixtures.ts'

/** A sample of the relay-node's `/metrics` (the `relayMetrics` fixture on), e.g. `parley_instance_copies` or `parley_prekeys_fetched_total{pq="one-time"}`. */
export async function metric (relay: RelayFixture, sample: string): Promise<number> {
  const text = await (await fetch(`${relay.process.opsUrl ?? ''}/metrics`)).text()
  const line = text.split('\n').find(l => l.startsWith(`${sample} `))
  if (line == null) throw new Error(`no ${sample} in the relay's metrics`)
  return Number(line.slice(sample.length + 1))
}
