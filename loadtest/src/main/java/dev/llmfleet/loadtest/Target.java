package dev.llmfleet.loadtest;

import java.net.URI;

/** A named OpenAI-compatible base URL (ending in {@code /v1}) that the load is sent to. */
public record Target(String name, URI baseUrl) {
    /** Parses {@code name=url}, or a bare URL named after its host and port. */
    public static Target parse(String spec) {
        int eq = spec.indexOf('=');
        String name = eq > 0 && !spec.substring(0, eq).contains("/") ? spec.substring(0, eq) : null;
        String url = name == null ? spec : spec.substring(eq + 1);
        URI uri = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
            throw new IllegalArgumentException("bad target '" + spec + "'; expected [name=]http://host:port/v1");
        }
        return new Target(name == null ? uri.getHost() + ":" + port(uri) : name, uri);
    }

    /** Where chat completions are posted: the base URL plus {@code /chat/completions}. */
    public URI completionsUri() {
        return URI.create(baseUrl + "/chat/completions");
    }

    static int port(URI uri) {
        return uri.getPort() != -1 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
    }
}
