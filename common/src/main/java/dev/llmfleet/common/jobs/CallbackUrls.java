package dev.llmfleet.common.jobs;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Which callback URLs a job may name: http(s) only, and never loopback, private, link-local, carrier-grade NAT,
 * unique-local or otherwise non-public addresses unless allowed by configuration (a callback must not reach inside
 * the network on a caller's behalf). {@link #allowed} checks the URL as written, without DNS (intake answers at
 * once); the sender then checks every address the name resolves to with {@link #internal(InetAddress)} and connects
 * to the one it checked, so a name that resolves (or re-resolves) inside the network is refused too.
 */
public final class CallbackUrls {
    /** The numeric IPv4 forms {@code inet_aton} accepts: 1 to 4 parts, each decimal, octal (leading 0) or hex (0x). */
    private static final Pattern NUMERIC_IPV4 = Pattern.compile("(0x[0-9a-f]*|[0-9]+)(\\.(0x[0-9a-f]*|[0-9]+)){0,3}");

    private CallbackUrls() {
    }

    public static boolean allowed(String url, boolean allowPrivate) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
            return false;
        }
        return allowPrivate || !internal(uri.getHost());
    }

    /** True when the host as written names the local machine or an internal network (no DNS lookup). */
    static boolean internal(String host) {
        String name = host.toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        if (name.equals("localhost") || name.endsWith(".localhost") || name.endsWith(".internal") || name.endsWith(".local")) {
            return true;
        }
        if (name.startsWith("[")) {
            return literal(name.substring(1, name.length() - 1));
        }
        if (NUMERIC_IPV4.matcher(name).matches()) {
            byte[] ipv4 = inetAton(name);
            return ipv4 == null || literal(ipv4);
        }
        return false;
    }

    private static boolean literal(String ipv6) {
        try {
            return internal(InetAddress.getByName(ipv6));
        } catch (UnknownHostException e) {
            return true;
        }
    }

    private static boolean literal(byte[] ipv4) {
        try {
            return internal(InetAddress.getByAddress(ipv4));
        } catch (UnknownHostException e) {
            return true;
        }
    }

    /** True when a connection to {@code address} would stay inside the machine or its network. */
    public static boolean internal(InetAddress address) {
        byte[] b = address.getAddress();
        if (address.isLoopbackAddress() || address.isSiteLocalAddress() || address.isLinkLocalAddress()
                || address.isAnyLocalAddress() || address.isMulticastAddress()) {
            return true;
        }
        if (b.length == 4) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            return first == 0                                    // "this network"
                    || (first == 100 && (second & 0xc0) == 64)   // 100.64.0.0/10, carrier-grade NAT
                    || (first == 192 && second == 0 && (b[2] & 0xff) == 0) // 192.0.0.0/24, protocol assignments
                    || (first == 198 && (second & 0xfe) == 18)   // 198.18.0.0/15, benchmarking
                    || first >= 240;                             // reserved and broadcast
        }
        return (b[0] & 0xfe) == 0xfc                             // fc00::/7, unique local
                || isIpv4Translated(b);
    }

    /** ::ffff:a.b.c.d (Java turns most into IPv4 itself) and 64:ff9b::/96 (NAT64) carry an IPv4 address: check that one. */
    private static boolean isIpv4Translated(byte[] b) {
        boolean mapped = true;
        for (int i = 0; i < 10; i++) {
            mapped &= b[i] == 0;
        }
        mapped &= (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
        boolean nat64 = b[0] == 0 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b;
        for (int i = 4; nat64 && i < 12; i++) {
            nat64 = b[i] == 0;
        }
        if (!mapped && !nat64) {
            return false;
        }
        return literal(new byte[] {b[12], b[13], b[14], b[15]});
    }

    /** The address {@code inet_aton} (and so most HTTP clients' resolvers) makes of a numeric host, or null if invalid. */
    static byte[] inetAton(String text) {
        String[] parts = text.split("\\.", -1);
        long[] values = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            try {
                if (p.startsWith("0x")) {
                    values[i] = p.length() == 2 ? 0 : Long.parseLong(p.substring(2), 16);
                } else if (p.length() > 1 && p.startsWith("0")) {
                    values[i] = Long.parseLong(p.substring(1), 8);
                } else {
                    values[i] = Long.parseLong(p);
                }
            } catch (NumberFormatException e) {
                return null;
            }
        }
        long last = values[values.length - 1];
        int leading = values.length - 1;
        for (int i = 0; i < leading; i++) {
            if (values[i] > 0xff) {
                return null;
            }
        }
        if (last >= (1L << (8 * (4 - leading)))) {
            return null;
        }
        long address = last;
        for (int i = 0; i < leading; i++) {
            address |= values[i] << (8 * (3 - i));
        }
        return new byte[] {(byte) (address >>> 24), (byte) (address >>> 16), (byte) (address >>> 8), (byte) address};
    }
}
