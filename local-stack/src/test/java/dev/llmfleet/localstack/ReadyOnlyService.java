package dev.llmfleet.localstack;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * What {@link ServiceProcessTest} runs in place of a packaged service: it answers {@code /q/health/ready} on
 * {@code QUARKUS_HTTP_PORT} and, as Quarkus does, exits with code 1 when another process already has that port.
 */
public final class ReadyOnlyService {
    private ReadyOnlyService() {
    }

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(System.getenv("QUARKUS_HTTP_PORT"));
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        } catch (BindException e) {
            System.err.println("port " + port + " is already in use");
            System.exit(1);
            return;
        }
        server.createContext("/q/health/ready", exchange -> {
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
    }
}
