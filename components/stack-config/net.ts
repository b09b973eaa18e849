import { isIPv4, isIPv6 } from "net";

// IP addresses and CIDRs as Kubernetes validates them (NetworkPolicy ipBlock.cidr): a real address
// and a prefix within its family's bounds; no leading zeros in IPv4 octets (the API server's strict
// parsing refuses them, and they read as octal to some tools).

/** Why s is not an IPv4 or IPv6 CIDR, or undefined when it is one. */
export function cidrProblem(s: string): string | undefined {
    const slash = s.indexOf("/");
    if (slash < 0) {
        return "has no /prefix";
    }
    const addr = s.slice(0, slash);
    const prefix = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefix) || (prefix.length > 1 && prefix.startsWith("0"))) {
        return `prefix "${prefix}" is not a number`;
    }
    const bits = Number(prefix);
    if (isIPv4(addr) && !/(^|\.)0\d/.test(addr)) {
        return bits <= 32 ? undefined : `prefix /${bits} is beyond /32 (IPv4)`;
    }
    if (isIPv6(addr) && !addr.includes(".")) {
        return bits <= 128 ? undefined : `prefix /${bits} is beyond /128 (IPv6)`;
    }
    return `"${addr}" is not an IPv4 or IPv6 address`;
}

/** A plain IPv4 address or an IPv6 address (no brackets, no zone). */
export function isIp(s: string): boolean {
    return (isIPv4(s) && !/(^|\.)0\d/.test(s)) || (isIPv6(s) && !s.includes("%"));
}
