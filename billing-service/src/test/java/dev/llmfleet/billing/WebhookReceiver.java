package dev.llmfleet.billing;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An alert webhook outside the system: a plain HTTP server that refuses the first delivery of every alert with a 503
 * (so billing has to retry) and keeps the ones it accepted.
 */
public class WebhookReceiver implements QuarkusTestResourceLifecycleManager {
    private static final List<JsonNode> ACCEPTED = new CopyOnWriteArrayList<>();
    private static final Set<String> REFUSED_ONCE = ConcurrentHashMap.newKeySet();
    private HttpServer server;

    /** Alerts accepted so far (each after one refused attempt). */
    public static List<JsonNode> accepted() {
        return List.copyOf(ACCEPTED);
    }

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/hooks/billing", exchange -> {
            JsonNode alert = UsageEvents.json(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            boolean first = REFUSED_ONCE.add(alert.path("alert_id").asText());
            if (!first) {
                ACCEPTED.add(alert);
            }
            exchange.sendResponseHeaders(first ? 503 : 204, -1);
            exchange.close();
        });
        server.start();
        return Map.of("fleet.billing.alert-webhook-url", "http://127.0.0.1:" + server.getAddress().getPort() + "/hooks/billing",
                "quarkus.fault-tolerance.\"dev.llmfleet.billing.client.WebhookClient/deliver\".retry.delay", "200");
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }
}
