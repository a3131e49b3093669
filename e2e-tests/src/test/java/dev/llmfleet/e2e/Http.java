package dev.llmfleet.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.llmfleet.localstack.Fleet;

/**
 * A small JSON-over-HTTP client for the tests. A request to a service {@link #authorize}d carries that service's key
 * ({@code Authorization: Bearer …}) unless it names its own {@code Authorization}.
 */
final class Http {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** Key by service base URL. */
    private static final Map<String, String> KEYS = new ConcurrentHashMap<>();

    private Http() {
    }

    /** Requests to {@code fleet}'s intake carry its tenant key, to its billing its admin key. */
    static void authorize(Fleet fleet) {
        authorize(fleet.service(Fleet.INTAKE).url(), fleet.apiKey());
        authorize(fleet.service(Fleet.BILLING).url(), fleet.adminKey());
    }

    /** Requests to {@code baseUrl} (an added replica, say) carry {@code key}. */
    static void authorize(String baseUrl, String key) {
        KEYS.put(baseUrl, key);
    }

    static HttpResponse<String> post(String url, String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        boolean ownKey = false;
        for (int i = 0; i < headers.length; i += 2) {
            ownKey |= headers[i].equalsIgnoreCase("Authorization");
        }
        if (headers.length > 0) {
            request.headers(headers);
        }
        return send(ownKey ? request : withKey(request, url));
    }

    static HttpResponse<String> get(String url) {
        return send(withKey(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)), url));
    }

    private static HttpRequest.Builder withKey(HttpRequest.Builder request, String url) {
        KEYS.forEach((base, key) -> {
            if (url.startsWith(base + "/")) {
                request.header("Authorization", "Bearer " + key);
            }
        });
        return request;
    }

    static JsonNode json(HttpResponse<String> response) {
        return json(response.body());
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + text, e);
        }
    }

    static String quote(String text) {
        try {
            return JSON.writeValueAsString(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static HttpResponse<String> send(HttpRequest.Builder builder) {
        HttpRequest request = builder.build();
        try {
            return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(request.uri().toString(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
