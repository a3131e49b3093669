package dev.llmfleet.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Port helpers for the local stack: free ports to bind, busy ports to refuse early with a clear message. */
public final class Ports {
    /** Ports this JVM already handed out: Kafka, Redis and the services pick theirs side by side. */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private Ports() {
    }

    /**
     * A port that was free on 127.0.0.1 a moment ago (the OS picks it) and that this JVM has not handed
     * out before, so two components starting in parallel never get the same one.
     */
    public static int free() {
        while (true) {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                socket.setReuseAddress(true);
                int port = socket.getLocalPort();
                if (HANDED_OUT.add(port)) {
                    return port;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("no free port on 127.0.0.1", e);
            }
        }
    }

    /**
     * True when something already listens on 127.0.0.1:port. A connection whose local port equals the
     * remote one is the kernel's TCP self-connect on an ephemeral port, not a listener.
     */
    public static boolean busy(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            return socket.getLocalPort() != port;
        } catch (IOException e) {
            return false;
        }
    }

    /** Waits until 127.0.0.1:port accepts connections or the deadline passes. */
    public static boolean awaitOpen(int port, long timeoutMillis, Process process) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < deadline) {
            if (busy(port)) {
                return true;
            }
            if (process != null && !process.isAlive()) {
                return false;
            }
            sleep(50);
        }
        return false;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
