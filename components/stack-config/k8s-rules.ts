import { isIp } from "./net";
import { TZ_NAMES, TZDATA_VERSION } from "./tz-names";

// Kubernetes' own rules for values that land in Kubernetes fields (apimachinery validation):
// each returns why a value is refused, or undefined when the API server would accept it.

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** RFC 1123 label: namespaces, Service names, names used as label values. */
export function dns1123Label(s: string): string | undefined {
    if (s.length > 63) {
        return "must be a DNS-1123 label of at most 63 characters";
    }
    return LABEL.test(s) ? undefined : "must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit";
}

/** RFC 1123 subdomain: names of Secrets, claims, StorageClasses, IngressClasses, issuers. */
export function dns1123Subdomain(s: string): string | undefined {
    if (s.length > 253) {
        return "must be a DNS-1123 subdomain of at most 253 characters";
    }
    return s.split(".").every((l) => LABEL.test(l))
        ? undefined
        : "must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', each part starting and ending with a letter or digit";
}

/** Namespaces Kubernetes itself owns: deploying into them would relabel and later delete them. */
export const RESERVED_NAMESPACES: Readonly<Record<string, string>> = {
    "kube-system": "the cluster's control-plane components run there",
    "kube-public": "it is readable by everyone, including unauthenticated clients",
    "kube-node-lease": "it holds the nodes' heartbeat Leases",
    default: "it is the catch-all namespace other workloads land in",
};

/** A namespace this program may create, own and (unprotected) delete. */
export function ownNamespace(s: string): string | undefined {
    const why = RESERVED_NAMESPACES[s];
    if (why) {
        return `is reserved by Kubernetes (${why}); the program creates, labels for Pod Security and may delete its namespace, so choose a namespace of its own such as bots-edi`;
    }
    return dns1123Label(s);
}

/** Ingress spec.rules[].host: a DNS name, optionally with one leading "*." wildcard; no IP, no port. */
export function ingressHost(s: string): string | undefined {
    if (isIp(s) || isIp(s.replace(/^\[|\]$/g, ""))) {
        return "must be a DNS host name, not an IP address (Kubernetes refuses IPs in Ingress rules)";
    }
    const name = s.startsWith("*.") ? s.slice(2) : s;
    return dns1123Subdomain(name) === undefined
        ? undefined
        : "must be a DNS host name such as edi.example.com (lower case, no scheme, port or path; optional leading *.)";
}

/** A key of a Secret's data: what a secretKeyRef or a volume item may name. */
export function secretDataKey(s: string): string | undefined {
    if (s.length === 0 || s.length > 253 || !/^[-._a-zA-Z0-9]+$/.test(s) || s === "." || s === "..") {
        return "must be a Secret data key: 1-253 of letters, digits, '-', '_' and '.' (not '.' or '..')";
    }
    return undefined;
}

/** An IANA time zone name exactly as spelt in the tz database (the API server and Django read zoneinfo files, case-sensitively). */
export function ianaTimeZone(s: string): string | undefined {
    if (TZ_NAMES.has(s)) {
        return undefined;
    }
    const near = [...TZ_NAMES].find((n) => n.toLowerCase() === s.toLowerCase());
    return near
        ? `must be spelt exactly as in the tz database: ${near}`
        : `must be an IANA time zone name (tzdata ${TZDATA_VERSION}) such as Etc/UTC or Europe/Amsterdam`;
}
