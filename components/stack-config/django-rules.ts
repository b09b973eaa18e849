import { isIPv6 } from "net";
import { dns1123Subdomain } from "./k8s-rules";
import { isIp } from "./net";

// Django's and Bots' rules for the values they read: each returns why a value is refused, or
// undefined when it is accepted.

const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*$/;

/**
 * An ALLOWED_HOSTS entry as Django matches it (django.http.request.validate_host): "*", a host
 * name, ".domain" (the domain and its subdomains), an IPv4 address, or an IPv6 address in the
 * brackets the Host header carries it in. Django strips the port before matching, so an entry
 * with a port, scheme or path never matches anything.
 */
export function allowedHost(s: string): string | undefined {
    if (s === "*" || (isIp(s) && !s.includes(":"))) {
        return undefined;
    }
    if (s.startsWith("[") && s.endsWith("]")) {
        return isIPv6(s.slice(1, -1)) ? undefined : "has brackets around something that is not an IPv6 address";
    }
    if (isIPv6(s)) {
        return "is an IPv6 address without brackets; Django matches IPv6 hosts as [address], e.g. [fd00::10]";
    }
    const name = s.startsWith(".") ? s.slice(1) : s;
    return HOST_NAME.test(name)
        ? undefined
        : "must be a host name, '.domain', '*', an IPv4 address or a bracketed IPv6 address; no scheme, port or path (Django ignores the port)";
}

/** A host name or IP address to connect to (SMTP, database): no scheme, no port (they have keys of their own). */
export function serverHost(s: string): string | undefined {
    if (isIp(s) || HOST_NAME.test(s)) {
        return undefined;
    }
    if (/^[a-z]+:\/\//i.test(s)) {
        return "must be a host name without a scheme (drop the scheme://)";
    }
    if (/:\d+$/.test(s)) {
        return "must be a host name without a port (the port has its own key)";
    }
    return "must be a host name or an IP address";
}

// The dot-atom local part of RFC 5322 (what Django's EmailValidator accepts, without quoted forms).
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

/** An e-mail address as Django's EmailValidator accepts it: local@domain, the domain a DNS name with a dot, localhost, or [IP]. */
export function emailAddress(s: string): string | undefined {
    const at = s.lastIndexOf("@");
    const local = s.slice(0, at);
    const domain = s.slice(at + 1);
    const domainOk =
        domain === "localhost" ||
        (domain.startsWith("[") && domain.endsWith("]") && isIp(domain.slice(1, -1).replace(/^IPv6:/i, ""))) ||
        (domain.includes(".") && dns1123Subdomain(domain.toLowerCase()) === undefined && !/\.\d+$/.test(domain));
    return at > 0 && local.length <= 64 && LOCAL_PART.test(local) && domainOk
        ? undefined
        : "must be an e-mail address such as bots@example.com";
}

/** A sender: an address, or "Display Name <address>" as Django's SERVER_EMAIL allows. */
export function senderAddress(s: string): string | undefined {
    const m = /^([^<>"]*[^<>"\s])\s*<([^<>]+)>$/.exec(s);
    return emailAddress(m ? m[2] : s) === undefined
        ? undefined
        : "must be an e-mail address such as bots@example.com, or Name <bots@example.com>";
}

/** Control characters (line breaks, tabs, NUL, DEL) that would end up in environment variables and rendered files. */
export function controlCharacter(s: string): string | undefined {
    const isControl = (code: number) => code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
    const at = [...s].findIndex((ch) => isControl(ch.codePointAt(0)!));
    return at >= 0
        ? `contains the control character ${JSON.stringify([...s][at])} at position ${at}; no value may contain line breaks, tabs or other control characters`
        : undefined;
}
