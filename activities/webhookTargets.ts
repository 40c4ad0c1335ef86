import { BlockList, isIP, type LookupFunction } from 'node:net';
import dns from 'node:dns';

/**
 * Where webhooks may go. A webhook makes our server send requests to an address a partner chose, so a
 * deployment keeps them off its own machine and network unless it says otherwise (server-side request
 * forgery): `public` only public addresses; `loopback` also this machine (the development default, so a
 * partner app on the same laptop receives); `private` also private networks.
 */
export const webhookTargetPolicies = ['public', 'loopback', 'private'] as const;
export type WebhookTargetPolicy = (typeof webhookTargetPolicies)[number];

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

const privateNets = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24],
  ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const)
  privateNets.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [['::', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96]] as const) privateNets.addSubnet(net, bits, 'ipv6');

type AddressClass = 'public' | 'loopback' | 'private';

export function classify(address: string): AddressClass {
  // An IPv4 address written as IPv6 (::ffff:10.0.0.1) is that IPv4 address.
  const mapped = address.toLowerCase().match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/)?.[1];
  const ip = mapped ?? address;
  const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
  if (loopback.check(ip, family)) return 'loopback';
  if (privateNets.check(ip, family)) return 'private';
  return 'public';
}

const allowed = (kind: AddressClass, policy: WebhookTargetPolicy) =>
  kind === 'public' || policy === 'private' || (kind === 'loopback' && policy === 'loopback');

const describe = (kind: AddressClass) => (kind === 'loopback' ? 'this machine (a loopback address)' : 'a private or reserved network address');

/** Why an address may not receive webhooks under this policy, or null. */
export function addressProblem(address: string, policy: WebhookTargetPolicy): string | null {
  const kind = classify(address);
  return allowed(kind, policy) ? null : `${address} is ${describe(kind)}, which this deployment does not send webhooks to (WEBHOOK_TARGETS=${policy})`;
}

const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, '');
const isLocalhostName = (host: string) => host === 'localhost' || host.endsWith('.localhost');

/**
 * Why a URL may not receive webhooks, or null: not http(s), credentials in it, or a host that is (or
 * resolves to) an address the policy refuses. A name that does not resolve now is accepted: it is
 * checked again at every delivery.
 */
export async function urlProblem(text: string, policy: WebhookTargetPolicy, resolveMs = 2000): Promise<string | null> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'it is not an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `its scheme is ${url.protocol.replace(/:$/, '')}; webhooks go to http or https URLs`;
  if (url.username || url.password) return 'it carries a user name or password; put credentials in the receiving app, not in the URL';
  const host = hostOf(url);
  if (isIP(host)) return addressProblem(host, policy);
  if (isLocalhostName(host)) return addressProblem('127.0.0.1', policy);
  if (policy === 'private') return null;
  const addresses = await Promise.race([
    dns.promises.lookup(host, { all: true }).catch(() => []),
    new Promise<dns.LookupAddress[]>((resolve) => setTimeout(() => resolve([]), resolveMs).unref()),
  ]);
  for (const { address } of addresses) {
    const problem = addressProblem(address, policy);
    if (problem) return `${host} resolves to ${problem}`;
  }
  return null;
}

/**
 * A `lookup` for http.request that refuses addresses the policy refuses, at connection time: a name
 * that resolved to a public address when registered cannot be pointed at our network later.
 */
export function guardedLookup(policy: WebhookTargetPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return (callback as any)(error);
      const list = addresses as unknown as dns.LookupAddress[];
      const refused = list.map((a) => addressProblem(a.address, policy)).find((p) => p !== null);
      if (refused) return (callback as any)(Object.assign(new Error(`${hostname} resolves to ${refused}`), { code: 'EREFUSEDTARGET' }));
      if (options.all) return (callback as any)(null, list);
      (callback as any)(null, list[0].address, list[0].family);
    });
  };
}

/** The host of a URL, checked before connecting when it is an address (a lookup is not asked for one). */
export function literalHostProblem(url: URL, policy: WebhookTargetPolicy): string | null {
  const host = hostOf(url);
  if (isIP(host)) return addressProblem(host, policy);
  if (isLocalhostName(host)) return addressProblem('127.0.0.1', policy);
  return null;
}
