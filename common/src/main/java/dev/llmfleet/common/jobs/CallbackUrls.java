package dev.llmfleet.common.jobs;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;

/**
 * Which callback URLs a job may name: http(s) only, and never loopback, private, link-local or unique-local
 * addresses unless allowed by configuration (a callback must not reach inside the network on a caller's
 * behalf). Only literal addresses are checked: no DNS lookup happens here (it would block).
 */
public final class CallbackUrls {
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

    static boolean internal(String host) {
        String name = host.toLowerCase(java.util.Locale.ROOT);
        if (name.equals("localhost") || name.endsWith(".localhost") || name.endsWith(".internal") || name.endsWith(".local")) {
            return true;
        }
        String literal = name.startsWith("[") ? name.substring(1, name.length() - 1) : name;
        if (!literal.matches("[0-9.]+") && !literal.contains(":")) {
            return false;
        }
        try {
            InetAddress address = InetAddress.getByName(literal);
            byte[] bytes = address.getAddress();
            return address.isLoopbackAddress() || address.isSiteLocalAddress() || address.isLinkLocalAddress()
                    || address.isAnyLocalAddress() || address.isMulticastAddress()
                    || (bytes.length == 16 && (bytes[0] & 0xfe) == 0xfc);
        } catch (UnknownHostException e) {
            return true;
        }
    }
}
