/**
 * Which push endpoints a relay POSTs to (docs/protocols.md, "Web Push",
 * "Endpoints"). A browser's push service gives an `https:` URL on its default
 * port, named by a DNS name; a relay refuses anything else, so a registration
 * cannot point the relay's POSTs at an address of the relay's own network
 * (an IP literal, `localhost`, another port). Tests run a push service on
 * loopback over plain HTTP: `allowInsecureLoopback` (relay-node's
 * `--push-allow-insecure-loopback`) admits `http://127.0.0.1:<port>/…` and
 * nothing more.
 */

export interface EndpointPolicy {
  /** also admit `http://127.0.0.1:<port>/…` (tests only) */
  allowInsecureLoopback?: boolean
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/

/** Why `endpoint` is refused, or undefined when a relay may POST to it. */
export function endpointProblem (endpoint: string, policy: EndpointPolicy = {}): string | undefined {
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    return 'the endpoint is not a URL'
  }
  if (url.href !== endpoint) return 'the endpoint is not in its one form (as URL parsing writes it again)'
  if (url.username !== '' || url.password !== '') return 'the endpoint carries a user name or password'
  if (url.hash !== '') return 'the endpoint has a fragment'
  if (url.protocol === 'http:' && policy.allowInsecureLoopback === true) {
    return url.hostname === '127.0.0.1' && url.port !== '' ? undefined : 'an http: endpoint must be http://127.0.0.1:<port>/…'
  }
  if (url.protocol !== 'https:') return 'the endpoint is not an https: URL'
  if (url.port !== '') return 'the endpoint names a port (push services listen on 443)'
  const host = url.hostname
  if (host.startsWith('[') || IPV4.test(host)) return 'the endpoint\'s host is an IP address, not a name'
  if (host === 'localhost' || host.endsWith('.localhost') || !host.includes('.')) return 'the endpoint\'s host is not a public name'
  return undefined
}
